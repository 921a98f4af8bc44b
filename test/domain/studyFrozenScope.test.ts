import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/domain/clock.js";
import { parsePeriod } from "../../src/domain/period.js";
import { branchStats } from "../../src/domain/stats.js";
import { closeStudy } from "../../src/domain/study.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { seedMembers, seedStudies } from "../helpers/factories.js";

const TZ = "Asia/Shanghai";
const Q1 = () => parsePeriod("2026-Q1", TZ)!;
const B = "BF";

let db: TestDb;
beforeAll(async () => {
  db = await openTestDb("studyFrozenScope");
  await seedMembers(
    db.models,
    ["a", "b", "c"].map((id) => ({ openId: `ou_${id}`, name: id })),
    { branchId: B },
  );
  const task = (id: string, deadline: string) => ({
    _id: id,
    seq: Number(id.slice(2)),
    branchId: B,
    chatId: `oc_${B}`,
    title: id,
    deadline: new Date(deadline),
    hours: 2,
    scope: "branch" as const,
    createdBy: "ou_a",
    sourceKey: `om_frozen_${id}`,
  });
  await seedStudies(db.models, [
    task("SF1", "2026-02-28T15:59:59.999Z"), // closed by /学习 结束 on 1 March
    task("SF2", "2026-03-31T15:59:59.999Z"), // never closed: frozen on the first read after its deadline
    task("SF3", "2026-03-15T15:59:59.999Z"), // closed: frozen at its close
  ]);
  const confirmation = (taskId: string, openId: string) => ({
    taskId,
    branchId: B,
    openId,
    confirmedAt: new Date("2026-02-20T02:00:00Z"),
    late: false,
    hours: 2,
    year: 2026,
  });
  await db.models.StudyConfirmation.insertMany([
    confirmation("SF1", "ou_a"),
    confirmation("SF1", "ou_b"),
    confirmation("SF2", "ou_a"),
    confirmation("SF2", "ou_b"),
    confirmation("SF3", "ou_a"),
    confirmation("SF3", "ou_c"),
  ]);
});
afterAll(async () => db.close());

describe("a closed quarter's study completion", () => {
  it("freezes each task's scope at its close or deadline, and stays put when a confirmer leaves", async () => {
    const models = db.models;
    await closeStudy(models, fixedClock(new Date("2026-03-01T02:00:00Z")), "SF1");
    await closeStudy(models, fixedClock(new Date("2026-03-20T02:00:00Z")), "SF3");
    const sf1 = await models.StudyTask.findById("SF1").lean();
    expect([...(sf1!.expected ?? [])].sort()).toEqual(["ou_a", "ou_b", "ou_c"]);
    // SF2 is open: nothing frozen until its deadline has passed.
    expect((await models.StudyTask.findById("SF2").lean())!.expected).toBeNull();

    const after = new Date("2026-04-02T02:00:00Z");
    const before = await branchStats(models, B, Q1(), { timeZone: TZ, now: after });
    expect(before.study).toMatchObject({ tasks: 3, expected: 9, confirmed: 6 });
    const sf2 = await models.StudyTask.findById("SF2").lean();
    expect([...(sf2!.expected ?? [])].sort()).toEqual(["ou_a", "ou_b", "ou_c"]);

    // ou_a, who confirmed all three, leaves the group in April.
    await models.Member.updateOne(
      { branchId: B, openId: "ou_a" },
      { $set: { active: false, leftAt: after } },
    );
    const later = await branchStats(models, B, Q1(), {
      timeZone: TZ,
      now: new Date("2026-04-10T02:00:00Z"),
    });
    // 6/9 stays 6/9 (today's roster would give 6/8: the leaver kept in the numerator only).
    expect(later.study).toMatchObject({ tasks: 3, expected: 9, confirmed: 6 });
    expect(later.study.completionRate).toBeCloseTo(6 / 9);
  });

  it("freezes once: a second close or read does not rewrite the list", async () => {
    const models = db.models;
    const first = (await models.StudyTask.findById("SF2").lean())!.expected;
    await branchStats(models, B, Q1(), { timeZone: TZ, now: new Date("2026-05-01T02:00:00Z") });
    expect((await models.StudyTask.findById("SF2").lean())!.expected).toEqual(first);
  });
});
