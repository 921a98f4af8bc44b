import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dueModel } from "../../src/db/models/dues.js";
import { studyConfirmationModel, studyTaskModel, type StudyTask } from "../../src/db/models/study.js";
import { fixedClock } from "../../src/domain/clock.js";
import { parsePeriod } from "../../src/domain/period.js";
import { branchStats } from "../../src/domain/stats.js";
import { confirmStudy, pendingStudyMembers, studyProgress, type StudyDeps } from "../../src/domain/study.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { buildMember, buildStudy, seedMembers, seedStudies } from "../helpers/factories.js";

const BRANCH = "BS9";
const clock = fixedClock(new Date("2026-11-20T02:00:00Z"));
const exempt = (from: string, until: string | null) => [
  {
    id: "X1",
    kind: "away",
    from: new Date(from),
    until: until ? new Date(until) : null,
    where: "深圳",
    reason: "外出务工",
    by: "ou_sec",
    at: new Date(from),
    lastContactAt: null,
  },
];

let db: TestDb;
let models: StudyDeps;
let task: StudyTask;
beforeAll(async () => {
  db = await openTestDb("study_who_counts");
  models = {
    ...db.models,
    StudyTask: studyTaskModel(db.connection),
    StudyConfirmation: studyConfirmationModel(db.connection),
  };
  await models.StudyTask.createIndexes();
  await models.StudyConfirmation.createIndexes();
  const member = (openId: string, more: Parameters<typeof buildMember>[0] = {}) =>
    buildMember({ branchId: BRANCH, openId, name: openId, ...more });
  await seedMembers(db.models, [
    member("ou_full"),
    member("ou_prob", { status: "probationary" }),
    member("ou_act", { status: "activist" }),
    member("ou_mass", { status: "non-party" }),
    member("ou_away", { exemptions: exempt("2026-10-01T00:00:00Z", null) as never }),
    member("ou_back", { exemptions: exempt("2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z") as never }),
  ]);
  await seedStudies(models as never, [buildStudy({ _id: "S901", seq: 901, branchId: BRANCH })]);
  task = (await models.StudyTask.findById("S901").lean<StudyTask>())!;
});
afterAll(async () => db.close());

describe("study counts Party members not exempt or away", () => {
  it("counts 正式, 预备 and a member whose absence ended; leaves out the activist, 群众 and the away member", async () => {
    expect((await studyProgress(models, clock, task)).expectedCount).toBe(3);
    const pending = await pendingStudyMembers(models, task, clock.now());
    expect(pending.map((m) => m.openId).sort()).toEqual(["ou_back", "ou_full", "ou_prob"]);
  });

  it("lets the away member confirm voluntarily without counting them, and refuses the activist", async () => {
    const confirm = (openId: string) =>
      confirmStudy(models, clock, { studyId: "S901", openId, timeZone: "Asia/Shanghai" });
    await confirm("ou_away");
    await expect(confirm("ou_act")).rejects.toThrow(/不在学习任务 S901 的范围内/);
    await expect(confirm("ou_mass")).rejects.toThrow(/不在学习任务 S901 的范围内/);
    await confirm("ou_full");
    const progress = await studyProgress(models, clock, task);
    expect(progress).toMatchObject({ expectedCount: 3, confirmedCount: 1 });
  });

  it("sizes the statistics' study scope by the same rule", async () => {
    const stats = await branchStats(
      { ...models, Due: dueModel(db.connection) },
      BRANCH,
      parsePeriod("2026-11", "Asia/Shanghai")!,
    );
    // Max(3 counted, 2 confirmations) expected; 2 confirmations (the away member's included).
    expect(stats.study).toMatchObject({ tasks: 1, expected: 3, confirmed: 2 });
  });
});
