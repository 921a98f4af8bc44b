import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/domain/clock.js";
import { createScheduler, FIRST_RUN_ID } from "../../src/jobs/scheduler.js";
import { createJobs } from "../../src/jobs/index.js";
import type { Job, JobContext } from "../../src/jobs/types.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { jobDeps } from "./helpers.js";

let db: TestDb;
beforeEach(async () => {
  db = await openTestDb("job_catch_up_first_run");
});
afterEach(async () => db.close());

function dailyJob(): Job & { runs: string[] } {
  const runs: string[] = [];
  return {
    name: "daily-0900",
    schedule: "0 9 * * *",
    catchUp: true,
    runs,
    async run(ctx: JobContext) {
      runs.push(ctx.occurrence.toISOString());
    },
  };
}

describe("catch-up only for occurrences after the bot first ran", () => {
  it("a fresh database catches up nothing, even with every real job", async () => {
    const clock = fixedClock("2036-11-24T02:00:00Z"); // 10:00 in Shanghai, after 09:00
    const daily = dailyJob();
    const scheduler = createScheduler({ deps: jobDeps(db, clock), jobs: [daily], instanceId: "a" });
    await scheduler.catchUp();
    expect(daily.runs).toEqual([]);
    // Nor do the bot's own jobs: no lease was taken besides the first-run record.
    const real = createScheduler({ deps: jobDeps(db, clock), jobs: createJobs(), instanceId: "b" });
    await real.catchUp();
    const ids = (await db.models.JobRun.find({}, { _id: 1 }).lean()).map((r) => r._id);
    expect(ids).toEqual([FIRST_RUN_ID]);
  });

  it("a restart after a missed occurrence catches it up once", async () => {
    const clock = fixedClock("2036-11-24T02:00:00Z");
    const daily = dailyJob();
    await createScheduler({ deps: jobDeps(db, clock), jobs: [daily], instanceId: "a" }).catchUp();
    expect(daily.runs).toEqual([]);

    // Down over the next 09:00 (01:00 UTC on the 25th), restarted at 11:00.
    clock.set("2036-11-25T03:00:00Z");
    const restarted = createScheduler({ deps: jobDeps(db, clock), jobs: [daily], instanceId: "a2" });
    await restarted.catchUp();
    expect(daily.runs).toEqual(["2036-11-25T01:00:00.000Z"]);
    // Another restart the same day: already caught up.
    await createScheduler({ deps: jobDeps(db, clock), jobs: [daily], instanceId: "a3" }).catchUp();
    expect(daily.runs).toHaveLength(1);
  });
});
