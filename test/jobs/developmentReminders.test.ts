import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_DEVELOPMENT_RULES } from "../../config/development.js";
import { fixedClock } from "../../src/domain/clock.js";
import { developmentRollUp, recordStep } from "../../src/domain/developmentRecord.js";
import { parseDay } from "../../src/domain/roster.js";
import { developmentRemindersJob } from "../../src/jobs/developmentReminders.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { seedBranch, seedMembers } from "../helpers/factories.js";
import { jobDeps, type TestClock } from "./helpers.js";

const TZ = "Asia/Shanghai";
const d = (text: string) => parseDay(text, TZ)!;
let db: TestDb;
let clock: TestClock;

beforeAll(async () => {
  db = await openTestDb("job_development");
  clock = fixedClock("2026-11-23T01:00:00Z");
  await seedBranch(db.models, { _id: "B1", name: "第一党支部" });
  await seedBranch(db.models, { _id: "B2", name: "静音支部", settings: { developmentReminders: false } });
  await seedMembers(
    db.models,
    [
      { openId: "ou_sec", name: "王书记", role: "secretary" },
      { openId: "ou_c1", name: "联系人" },
      { openId: "ou_act", name: "小周", status: "applicant" },
      { openId: "ou_pro", name: "小吴", status: "target" },
    ],
    { branchId: "B1" },
  );
  await seedMembers(
    db.models,
    [
      { openId: "ou_sec2", name: "李书记", role: "secretary" },
      { openId: "ou_act2", name: "小郑", status: "applicant" },
    ],
    { branchId: "B2" },
  );
  const rec = (branchId: string, openId: string, step: string, date: string, extra: object = {}) =>
    recordStep(db.models, fixedClock("2026-11-23T01:00:00Z"), DEFAULT_DEVELOPMENT_RULES, TZ, {
      branchId,
      openId,
      by: "ou_sec",
      step: step as never,
      date: d(date),
      ...extra,
    });
  for (const [b, who] of [
    ["B1", "ou_act"],
    ["B2", "ou_act2"],
  ] as const) {
    await rec(b, who, "application", "2026-01-05");
    await rec(b, who, "talk", "2026-01-20");
    await rec(b, who, "activist", "2026-06-01", { contacts: [b === "B1" ? "ou_c1" : "ou_sec2"] });
  }
  // 小吴: accepted 2025-12-26, so the probation ends 2026-12-26 (notice from 2026-11-26).
  await rec("B1", "ou_pro", "application", "2024-01-05");
  await rec("B1", "ou_pro", "activist", "2024-02-01", { contacts: ["ou_c1"] });
  await rec("B1", "ou_pro", "assessment", "2024-08-01");
  await rec("B1", "ou_pro", "assessment", "2025-02-01");
  await rec("B1", "ou_pro", "target", "2025-02-01", { reason: "test" });
  await rec("B1", "ou_pro", "review", "2025-10-01");
  await rec("B1", "ou_pro", "training", "2025-11-01", { days: 3 });
  await rec("B1", "ou_pro", "meeting", "2025-12-26", { passed: true });
  await rec("B1", "ou_pro", "approval", "2026-01-20", { passed: true });
});
afterAll(async () => db.close());
beforeEach(async () => db.models.Outbox.deleteMany({}));

const run = (at: string) => {
  clock.set(at);
  return developmentRemindersJob.run({ deps: jobDeps(db, clock), occurrence: new Date(at) });
};
const items = () => db.models.Outbox.find({}).sort({ _id: 1 }).lean();

describe("development reminders", () => {
  it("a weekly digest to the secretary, once a week; the contact when an assessment is due; muted branches quiet", async () => {
    await run("2026-11-23T01:00:00Z"); // Monday: 小周's assessment due by 2026-12-01
    await run("2026-11-24T01:00:00Z"); // Tuesday: the same week, nothing new
    const sent = await items();
    const digests = sent.filter((i) => i._id.startsWith("dev-digest:"));
    expect(digests.map((i) => i._id)).toEqual(["dev-digest:B1:2026-W48:ou_sec"]);
    expect(digests[0]!.content?.text).toContain("小周：考察　最迟 2026-12-01");
    expect(sent.filter((i) => i._id.startsWith("dev-assess:")).map((i) => i._id)).toEqual([
      "dev-assess:B1:ou_act:2026-12-01:ou_c1",
    ]);
    expect(sent.some((i) => i.branchId === "B2")).toBe(false);
    expect(sent.some((i) => i._id.startsWith("dev-probation:"))).toBe(false);
    expect(sent.some((i) => i._id.startsWith("dev-report:"))).toBe(false); // off by default

    await run("2026-11-30T01:00:00Z"); // next week: a new digest
    expect((await items()).filter((i) => i._id.startsWith("dev-digest:")).map((i) => i._id)).toEqual([
      "dev-digest:B1:2026-W48:ou_sec",
      "dev-digest:B1:2026-W49:ou_sec",
    ]);
  });
  it("the secretary one month before a probation ends, once", async () => {
    await run("2026-11-25T01:00:00Z");
    expect((await items()).some((i) => i._id.startsWith("dev-probation:"))).toBe(false);
    await run("2026-11-26T01:00:00Z");
    await run("2026-11-27T01:00:00Z");
    const notices = (await items()).filter((i) => i._id.startsWith("dev-probation:"));
    expect(notices.map((i) => i._id)).toEqual(["dev-probation:B1:ou_pro:2026-12-26:ou_sec"]);
    expect(notices[0]!.content?.text).toContain("预备期于 2026-12-26 期满");
  });
  it("the person when a 思想汇报 is due, only where the branch switched it on", async () => {
    await run("2026-08-28T01:00:00Z"); // 小周's first report due by 2026-09-01 (3 months after 2026-06-01)
    expect((await items()).some((i) => i._id.startsWith("dev-report:"))).toBe(false);
    await db.models.Branch.updateOne({ _id: "B1" }, { $set: { "settings.thoughtReportReminders": true } });
    await run("2026-08-28T01:00:00Z");
    await run("2026-08-29T01:00:00Z");
    const reports = (await items()).filter((i) => i._id.startsWith("dev-report:"));
    // 小吴 (预备党员 since 2025-12-26) has handed in none: overdue since 2026-03-26, reminded once too.
    expect(reports.map((i) => i._id)).toEqual([
      "dev-report:B1:ou_act:2026-09-01",
      "dev-report:B1:ou_pro:2026-03-26",
    ]);
    expect(reports[0]!.target).toEqual({ openId: "ou_act" });
    await db.models.Branch.updateOne({ _id: "B1" }, { $set: { "settings.thoughtReportReminders": false } });
  });
  it("rolls up people per stage and overdue steps per branch", async () => {
    const rollUp = await developmentRollUp(
      db.models,
      ["B1", "B2"],
      DEFAULT_DEVELOPMENT_RULES,
      d("2026-12-02"),
      TZ,
    );
    expect(rollUp).toEqual([
      // 小周's 考察 (due 2026-12-01); 小吴's missing 谈话 is not a next step for a 预备党员.
      { branchId: "B1", stages: { activist: 1, probationary: 1 }, overdue: 1 },
      { branchId: "B2", stages: { activist: 1 }, overdue: 1 },
    ]);
  });
});
