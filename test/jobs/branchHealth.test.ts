import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_BRANCH_HEALTH_RULES } from "../../config/branchHealth.js";
import { branchHealth } from "../../src/domain/branchHealth.js";
import { fixedClock } from "../../src/domain/clock.js";
import { setBranchSetting } from "../../src/domain/settings.js";
import { branchHealthJob } from "../../src/jobs/branchHealth.js";
import { testConfig } from "../helpers/config.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { seedBranches, seedMeetings, seedMembers } from "../helpers/factories.js";
import { jobDeps, outboxItems, textOf, type TestClock } from "./helpers.js";

let db: TestDb;
let clock: TestClock;

const ALL_B4 = ["ou_s4", "ou_y4", "ou_z4", "ou_x4"];

beforeAll(async () => {
  db = await openTestDb("job_branch_health");
  clock = fixedClock("2026-09-23T01:00:00Z");
  await seedBranches(db.models, [
    { _id: "B1", name: "两人支部" },
    { _id: "B2", name: "健康支部" },
    { _id: "B3", name: "静音支部", settings: { branchHealth: false } },
    { _id: "B4", name: "第四支部" },
  ]);
  await seedMembers(db.models, [
    { branchId: "B1", openId: "ou_s1", name: "王书记", role: "secretary", status: "full" },
    { branchId: "B1", openId: "ou_a1", name: "甲", status: "full" },
    { branchId: "B2", openId: "ou_s2", name: "李书记", role: "secretary", status: "full" },
    { branchId: "B2", openId: "ou_a2", name: "乙", status: "full" },
    { branchId: "B2", openId: "ou_b2", name: "丙", status: "full" },
    { branchId: "B3", openId: "ou_s3", name: "赵书记", role: "secretary", status: "full" },
    { branchId: "B3", openId: "ou_a3", name: "丁", status: "full" },
    ...ALL_B4.map((openId, i) => ({
      branchId: "B4",
      openId,
      name: ["周书记", "戊", "己", "小郑"][i]!,
      role: i === 0 ? ("secretary" as const) : ("member" as const),
      status: "full" as const,
    })),
  ]);
  // Everyone has been on the roll since 2025 (the model's own timestamp is the real time).
  await db.connection
    .db!.collection("members")
    .updateMany({}, { $set: { createdAt: new Date("2025-01-01") } });
  const record = (present: string[]) => ({
    expected: ALL_B4,
    present,
    leave: [],
    absent: ALL_B4.filter((id) => !present.includes(id)),
  });
  // 小郑's last organisational life was in May; he missed June.
  await seedMeetings(db.models, [
    {
      _id: "M901",
      branchId: "B4",
      status: "closed",
      startAt: new Date("2026-05-10T06:00:00Z"),
      record: record(ALL_B4),
    },
    {
      _id: "M902",
      branchId: "B4",
      status: "closed",
      startAt: new Date("2026-06-10T06:00:00Z"),
      record: record(["ou_s4", "ou_y4", "ou_z4"]),
    },
  ]);
});
afterAll(async () => db.close());

const run = (at: string) => {
  clock.set(at);
  return branchHealthJob.run({ deps: jobDeps(db, clock), occurrence: new Date(at) });
};
const sentTo = async (openId: string) => (await outboxItems(db)).filter((i) => i.target?.openId === openId);

describe("branch health job", () => {
  it("tells each finding once per change, stays quiet when all is well, and keeps a muted branch quiet", async () => {
    await run("2026-09-23T00:00:00Z");
    await run("2026-09-23T00:00:00Z"); // the same occurrence again
    await run("2026-09-24T00:00:00Z"); // the next day: nothing changed
    const toB1 = await sentTo("ou_s1");
    expect(toB1).toHaveLength(1);
    expect(textOf(toB1[0])).toContain("【支部体检】「两人支部」有新情况");
    expect(textOf(toB1[0])).toContain("正式党员仅 2 人，不足 3 人");
    expect(textOf(toB1[0])).toContain("依据：《中国共产党支部工作条例（试行）》第四条");
    const toB4 = await sentTo("ou_s4");
    expect(toB4.map(textOf)).toEqual([expect.stringContaining("小郑 已连续 3 个月未参加组织生活")]);
    expect(await sentTo("ou_s2")).toEqual([]);
    expect(await sentTo("ou_s3")).toEqual([]);
    expect((await outboxItems(db)).length).toBe(2);

    // A month later 小郑 is at 4 months: the same warning level, nothing new. At 5 he is warned again.
    await run("2026-10-23T00:00:00Z");
    expect(await sentTo("ou_s4")).toHaveLength(1);
    await run("2026-11-23T00:00:00Z");
    const again = await sentTo("ou_s4");
    expect(again).toHaveLength(2);
    expect(textOf(again[1])).toContain("小郑 已连续 5 个月未参加组织生活");
    await run("2026-11-24T00:00:00Z");
    expect(await sentTo("ou_s4")).toHaveLength(2);
    expect(await sentTo("ou_s2")).toEqual([]);
  });

  it("forgets a finding that cleared, so its return is news; unmuting sends what is open", async () => {
    await seedMembers(db.models, [{ branchId: "B1", openId: "ou_b1", name: "庚", status: "full" }]);
    await run("2026-11-25T00:00:00Z");
    expect(await sentTo("ou_s1")).toHaveLength(1);
    expect((await db.models.Branch.findById("B1").lean())!.healthReported).toEqual([]);
    await db.models.Member.updateOne({ openId: "ou_b1" }, { $set: { active: false } });
    await run("2026-11-26T00:00:00Z");
    expect(await sentTo("ou_s1")).toHaveLength(2);

    expect(await sentTo("ou_s3")).toEqual([]);
    await setBranchSetting(db.models, "B3", "branchHealth", true);
    await run("2026-11-27T00:00:00Z");
    expect((await sentTo("ou_s3")).map(textOf)).toEqual([expect.stringContaining("「静音支部」")]);
  });

  it("does not repeat the dues arrears the monthly dues reminders warn of; a level of the branch's own rules is told", async () => {
    await seedBranches(db.models, [{ _id: "B5", name: "党费支部" }]);
    await seedMembers(db.models, [
      { branchId: "B5", openId: "ou_s5", name: "钱书记", role: "secretary", status: "full" },
      { branchId: "B5", openId: "ou_a5", name: "辛", status: "full" },
      { branchId: "B5", openId: "ou_b5", name: "壬", status: "full" },
    ]);
    for (const month of ["2026-09", "2026-10", "2026-11"])
      await db.models.Due.create({
        branchId: "B5",
        openId: "ou_a5",
        month,
        amountFen: 100,
        status: "unpaid",
      });
    const at = "2026-11-28T00:00:00Z";
    const findings = await branchHealth(db.models, { _id: "B5" }, DEFAULT_BRANCH_HEALTH_RULES, {
      now: new Date(at),
      timeZone: "Asia/Shanghai",
    });
    expect(findings.map((f) => [f.ruleId, f.signature])).toEqual([["dues-unpaid", "3"]]);
    await run(at);
    expect(await sentTo("ou_s5")).toEqual([]);
    // Recorded as reported all the same: /体检 lists it, and a later change is what is news.
    expect((await db.models.Branch.findById("B5").lean())!.healthReported).toEqual([
      expect.objectContaining({ key: "dues:ou_a5", signature: "3" }),
    ]);

    // A branch whose rules warn at 2 months hears of it from the check: no dues reminder says 2.
    const dir = mkdtempSync(path.join(tmpdir(), "zhibu-health-"));
    const file = path.join(dir, "rules.json");
    writeFileSync(file, JSON.stringify([{ id: "dues-unpaid", figure: { warnAt: [2] } }]));
    const deps = { ...jobDeps(db, clock), config: { ...testConfig(), ZHIBU_HEALTH_RULES_FILE: file } };
    clock.set("2026-11-29T00:00:00Z");
    await branchHealthJob.run({ deps, occurrence: new Date("2026-11-29T00:00:00Z") });
    expect((await sentTo("ou_s5")).map(textOf)).toEqual([
      expect.stringContaining("辛 已连续 3 个月未缴纳党费"),
    ]);
    rmSync(dir, { recursive: true, force: true });
  });
});
