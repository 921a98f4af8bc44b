import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/domain/clock.js";
import { setBranchSetting } from "../../src/domain/settings.js";
import { branchHealthJob } from "../../src/jobs/branchHealth.js";
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
});
