import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/domain/clock.js";
import { monthsBetween } from "../../src/domain/duesRules.js";
import { duesRemindersJob } from "../../src/jobs/dues.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { jobDeps, outboxItems, textOf, type TestClock } from "./helpers.js";
import { trusted } from "../../src/db/connection.js";
import { seedBranch, seedMembers } from "../helpers/factories.js";

let db: TestDb;
let clock: TestClock;

beforeAll(async () => {
  db = await openTestDb("job_dues_reminders");
  clock = fixedClock("2026-10-01T00:00:00Z");
  await seedBranch(db.models, {
    _id: "B1",
    seq: 1,
    name: "第一党支部",
    chatId: "oc_b1",
    createdBy: "ou_sec",
  });
  await seedMembers(
    db.models,
    [
      { openId: "ou_sec", name: "王书记", role: "secretary" },
      { openId: "ou_late", name: "迟到", role: "member" },
      { openId: "ou_slow", name: "慢慢", role: "member" },
    ],
    { branchId: "B1" },
  );
  // ou_late is first seen owing five months; ou_slow's run reaches 3 in October.
  const dues = [
    ...monthsBetween("2026-06", "2026-10").map((month) => ({ openId: "ou_late", month })),
    ...monthsBetween("2026-08", "2026-10").map((month) => ({ openId: "ou_slow", month })),
  ];
  await db.models.Due.insertMany(dues.map((d) => ({ branchId: "B1", amountFen: 3000, ...d })));
});
afterAll(async () => db.close());

/** The reminder job at 09:00 Shanghai time on the 10th of a month. */
async function remindOn(month: string): Promise<void> {
  clock.set(`${month}-10T01:00:00Z`);
  await duesRemindersJob.run({ deps: jobDeps(db, clock), occurrence: clock.now() });
}

const warningsTo = async (openId: string) =>
  (await outboxItems(db, { _id: trusted({ $regex: "^dues:arrears:" }) })).filter(
    (item) => (item.target as { openId?: string }).openId === openId,
  );

describe("dues reminders: arrears warnings", () => {
  it("sends one warning per level crossed, only the highest when several are crossed at once", async () => {
    await remindOn("2026-10");
    // 5 months at first sight: the 5-month warning only, once to the member, once to the secretary.
    const late = await warningsTo("ou_late");
    expect(late).toHaveLength(1);
    expect(textOf(late[0])).toContain("已连续 5 个月未缴纳党费");
    expect(textOf(late[0])).toContain("共 150.00 元");
    const toSecretary = (await warningsTo("ou_sec")).map(textOf);
    expect(toSecretary.filter((t) => t.includes("迟到"))).toHaveLength(1);
    expect(toSecretary.filter((t) => t.includes("慢慢"))).toHaveLength(1);
    expect((await warningsTo("ou_slow")).map(textOf)).toEqual([
      expect.stringContaining("已连续 3 个月未缴纳党费"),
    ]);

    // The same morning again (a restart): nothing new.
    await remindOn("2026-10");
    expect(await warningsTo("ou_late")).toHaveLength(1);
    expect(await warningsTo("ou_sec")).toHaveLength(2);

    // November: ou_late at 6 is past the last warning (the secretary is asked to decide);
    // ou_slow at 4 crosses no new level.
    await db.models.Due.insertMany(
      ["ou_late", "ou_slow"].map((openId) => ({ branchId: "B1", openId, month: "2026-11", amountFen: 3000 })),
    );
    await remindOn("2026-11");
    expect(await warningsTo("ou_late")).toHaveLength(1);
    expect(await warningsTo("ou_slow")).toHaveLength(1);
    const secretary = (await warningsTo("ou_sec")).map(textOf);
    expect(secretary).toHaveLength(3);
    expect(secretary[2]).toContain("【请支部研究】迟到 已连续 6 个月");

    // December: ou_slow reaches 5 and gets that warning, once.
    await db.models.Due.insertMany([
      { branchId: "B1", openId: "ou_slow", month: "2026-12", amountFen: 3000 },
    ]);
    await remindOn("2026-12");
    const slow = (await warningsTo("ou_slow")).map(textOf);
    expect(slow).toHaveLength(2);
    expect(slow[1]).toContain("已连续 5 个月未缴纳党费");
    expect(await warningsTo("ou_late")).toHaveLength(1);
  });
});
