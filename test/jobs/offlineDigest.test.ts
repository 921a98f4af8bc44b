import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/domain/clock.js";
import { duesRemindersJob } from "../../src/jobs/dues.js";
import { remindStudy } from "../../src/delivery/studyReminders.js";
import type { StudyTask } from "../../src/domain/study.js";
import type { OutboxItem } from "../../src/db/models/outbox.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { seedBranch, seedMembers, seedStudies } from "../helpers/factories.js";
import { remindMeeting } from "../../src/delivery/meetingReminders.js";
import { jobDeps, meetingCreatedAt, mentioned, outboxItems, textOf, type TestClock } from "./helpers.js";

let db: TestDb;
let clock: TestClock;

const to = (items: OutboxItem[], openId: string) =>
  items.filter((i) => (i.target as { openId?: string } | null)?.openId === openId);

beforeAll(async () => {
  db = await openTestDb("job_offline_digest");
  clock = fixedClock("2026-10-10T01:00:00Z");
  await seedBranch(db.models, { _id: "B1", name: "第一党支部" });
  await seedMembers(
    db.models,
    [
      { openId: "ou_sec", name: "王书记", role: "secretary" },
      { openId: "ou_online", name: "在线" },
      { openId: "offline_lao", name: "老李<at id=all></at>", onFeishu: false },
    ],
    { branchId: "B1" },
  );
});
afterAll(async () => db.close());
beforeEach(async () => {
  await db.models.Outbox.deleteMany({});
});

describe("people on no chat: a digest to the secretaries instead of a DM", () => {
  it("dues reminders: a DM to the member on Feishu, one digest naming the offline one, once", async () => {
    await db.models.Due.insertMany(
      ["ou_online", "offline_lao"].map((openId) => ({
        branchId: "B1",
        openId,
        month: "2026-10",
        amountFen: 3000,
      })),
    );
    const run = () => duesRemindersJob.run({ deps: jobDeps(db, clock), occurrence: clock.now() });
    await run();
    await run();
    const items = await outboxItems(db);
    expect(to(items, "offline_lao")).toEqual([]); // not even a refused item
    expect(to(items, "ou_online").map((i) => i._id)).toEqual(["dues:2026-10:remind:B1:ou_online"]);
    const digests = to(items, "ou_sec").filter((i) =>
      textOf(i).includes("以下未使用飞书的党员需要您当面提醒"),
    );
    expect(digests).toHaveLength(1);
    expect(textOf(digests[0])).toContain("【2026-10 党费提醒】以下未使用飞书的党员需要您当面提醒：");
    expect(textOf(digests[0])).toContain("老李＜at id=all>＜/at>：待缴党费 2026-10，共 30.00 元");
    expect(textOf(digests[0])).not.toContain("在线");
    const summary = to(items, "ou_sec").find((i) => i._id.includes(":summary:"));
    expect(textOf(summary)).toContain("欠缴提醒已私信 1 人，另有 1 位未使用飞书的党员请当面提醒");
  });

  it("study reminders: nobody offline is mentioned or sent to; the secretary gets one digest", async () => {
    await seedStudies(db.models, [
      { _id: "S7", title: "学习党章", deadline: new Date("2026-10-10T03:00:00Z") },
    ]);
    const study = (await db.models.StudyTask.findById("S7").lean<StudyTask>())!;
    // The path both the job and /学习 提醒 take.
    const run = () => remindStudy(jobDeps(db, clock), study, "study:S7:remind:auto");
    // The count the /学习 提醒 reply gives: who was @-mentioned and DMed, and who went to the digest.
    expect(await run()).toEqual({ online: 2, offline: 1 }); // the secretary and ou_online; 老李
    await run();
    const items = await outboxItems(db);
    expect(to(items, "offline_lao")).toEqual([]);
    const group = items.find((i) => i._id === "study:S7:remind:auto:group");
    expect(mentioned(textOf(group))).not.toContain("offline_lao");
    expect(mentioned(textOf(group))).toContain("ou_online");
    const digests = to(items, "ou_sec").filter((i) => i._id === "study:S7:remind:auto:offline:ou_sec");
    expect(digests).toHaveLength(1);
    expect(textOf(digests[0])).toContain("以下未使用飞书的党员需要您当面提醒：");
    expect(textOf(digests[0])).toContain("老李＜at id=all>＜/at>：尚未完成学习，截止 10月10日 11:00");
  });

  it("meeting reminders in the group never @-mention a person on no chat", async () => {
    const meeting = await meetingCreatedAt(db, "2026-10-01T00:00:00Z", {
      startAt: new Date("2026-10-11T06:00:00Z"),
    });
    await remindMeeting(jobDeps(db, clock), meeting, { key: "meeting:test:remind", description: "提醒" });
    const item = (await outboxItems(db)).find((i) => i._id === "meeting:test:remind");
    expect(mentioned(textOf(item))).toContain("ou_online");
    expect(mentioned(textOf(item))).not.toContain("offline_lao");
  });
});
