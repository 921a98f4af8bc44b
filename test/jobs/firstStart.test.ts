import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/domain/clock.js";
import { createScheduler } from "../../src/jobs/scheduler.js";
import type { Job, JobContext } from "../../src/jobs/types.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { jobDeps } from "./helpers.js";

let db: TestDb;
beforeAll(async () => {
  db = await openTestDb("job_first_start");
});
afterAll(async () => db.close());

function dailyJob(name: string): Job & { runs: string[] } {
  const runs: string[] = [];
  return {
    name,
    schedule: "30 3 * * *",
    catchUp: true,
    runs,
    async run(ctx: JobContext) {
      runs.push(ctx.occurrence.toISOString());
    },
  };
}

describe("catch-up on a fresh install", () => {
  it("catches up nothing on the first start, then a missed occurrence once after a restart", async () => {
    const clock = fixedClock("2036-11-24T02:00:00Z"); // 10:00 in Shanghai, after 03:30
    const daily = dailyJob("fresh-daily");
    await createScheduler({ deps: jobDeps(db, clock), jobs: [daily], instanceId: "a" }).catchUp();
    // Nothing was missed: the bot did not exist at 03:30.
    expect(daily.runs).toEqual([]);
    expect(await db.models.SchedulerState.findById("first-start").lean()).toMatchObject({
      at: new Date("2036-11-24T02:00:00Z"),
    });

    // Down over the next 03:30, restarted at 10:00: that occurrence was missed, run once.
    clock.set("2036-11-25T02:00:00Z");
    const restarted = createScheduler({ deps: jobDeps(db, clock), jobs: [daily], instanceId: "a" });
    await restarted.catchUp();
    await restarted.catchUp();
    expect(daily.runs).toEqual(["2036-11-24T19:30:00.000Z"]);
  });

  it("dates a database from before the record by its oldest lease", async () => {
    await db.models.SchedulerState.deleteOne({ _id: "first-start" });
    await db.models.JobRun.deleteMany({});
    await db.models.JobRun.create({
      _id: "older:2036-11-20T00:00:00.000Z",
      job: "older",
      occurrence: new Date("2036-11-20T00:00:00Z"),
      instance: "a",
      status: "done",
      startedAt: new Date("2036-11-20T00:00:00Z"),
    });
    const clock = fixedClock("2036-11-24T02:00:00Z");
    const daily = dailyJob("upgraded-daily");
    await createScheduler({ deps: jobDeps(db, clock), jobs: [daily], instanceId: "a" }).catchUp();
    expect(daily.runs).toEqual(["2036-11-23T19:30:00.000Z"]);
  });
});
