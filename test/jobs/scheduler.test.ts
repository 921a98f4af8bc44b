import { DateTime } from "luxon";
import cron, { type TaskContext, type TaskOptions } from "node-cron";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/domain/clock.js";
import type { JobRun } from "../../src/db/models/jobRun.js";
import {
  createScheduler,
  occurrenceOf,
  previousOccurrence,
  type CronSchedule,
} from "../../src/jobs/scheduler.js";
import type { Job, JobContext } from "../../src/jobs/types.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { jobDeps } from "./helpers.js";

// Dates lie in the future of the real clock, so a real MongoDB's TTL monitor never expires a
// lease in the middle of a test.
let db: TestDb;
beforeAll(async () => {
  db = await openTestDb("job_scheduler");
});
afterAll(async () => db.close());

/** A job that records every occurrence its body ran for. */
function countingJob(name: string, schedule: string, catchUp = true): Job & { runs: string[] } {
  const runs: string[] = [];
  return {
    name,
    schedule,
    catchUp,
    runs,
    async run(ctx: JobContext) {
      await new Promise((resolve) => setImmediate(resolve)); // give a concurrent run a chance
      runs.push(ctx.occurrence.toISOString());
    },
  };
}

const lease = (id: string) => db.models.JobRun.findById(id).lean<JobRun>();

describe("runOccurrence", () => {
  it("runs an occurrence once across two instances running it concurrently", async () => {
    const clock = fixedClock("2036-11-23T06:30:00Z");
    const job = countingJob("concurrent", "* * * * *");
    const a = createScheduler({ deps: jobDeps(db, clock), jobs: [job], instanceId: "a" });
    const b = createScheduler({ deps: jobDeps(db, clock), jobs: [job], instanceId: "b" });
    const occurrence = new Date("2036-11-23T06:30:00Z");

    const results = await Promise.all([a.runOccurrence(job, occurrence), b.runOccurrence(job, occurrence)]);
    expect(results.sort()).toEqual(["ran", "taken"]);
    expect(job.runs).toEqual(["2036-11-23T06:30:00.000Z"]);
    const run = await lease("concurrent:2036-11-23T06:30:00.000Z");
    expect(run?.status).toBe("done");
    expect(run?.finishedAt).toBeInstanceOf(Date);
    expect(["a", "b"]).toContain(run?.instance);

    // Run again later (a redelivered firing, a restart): still taken.
    expect(await b.runOccurrence(job, occurrence)).toBe("taken");
    // The next minute is a new occurrence.
    expect(await b.runOccurrence(job, new Date("2036-11-23T06:31:00Z"))).toBe("ran");
    expect(job.runs).toHaveLength(2);
  });

  it("records a failing run as failed without throwing, and does not run it again", async () => {
    const clock = fixedClock("2036-11-23T06:30:00Z");
    let calls = 0;
    const job: Job = {
      name: "failing",
      schedule: "* * * * *",
      catchUp: false,
      run: async () => {
        calls++;
        throw new Error("boom");
      },
    };
    const scheduler = createScheduler({ deps: jobDeps(db, clock), jobs: [job], instanceId: "a" });
    const occurrence = new Date("2036-11-23T06:30:00Z");
    expect(await scheduler.runOccurrence(job, occurrence)).toBe("failed");
    const run = await lease("failing:2036-11-23T06:30:00.000Z");
    expect(run?.status).toBe("failed");
    expect(run?.error).toBe("boom");
    expect(await scheduler.runOccurrence(job, occurrence)).toBe("taken");
    expect(calls).toBe(1);
  });
});

describe("catchUp", () => {
  it("runs the latest missed occurrence exactly once across two instances", async () => {
    const clock = fixedClock("2036-11-24T02:00:00Z"); // 11月24日 10:00 in Shanghai
    const daily = countingJob("daily-0330", "30 3 * * *");
    const noCatchUp = countingJob("no-catch-up", "30 3 * * *", false);
    const yearly = countingJob("yearly", "0 0 1 1 *"); // latest occurrence too old for a lease
    const jobs = [daily, noCatchUp, yearly];
    const a = createScheduler({ deps: jobDeps(db, clock), jobs, instanceId: "a" });
    const b = createScheduler({ deps: jobDeps(db, clock), jobs, instanceId: "b" });

    await Promise.all([a.catchUp(), b.catchUp()]);
    // 03:30 in Shanghai on the 24th.
    expect(daily.runs).toEqual(["2036-11-23T19:30:00.000Z"]);
    expect(noCatchUp.runs).toEqual([]);
    expect(yearly.runs).toEqual([]);

    // A restart later the same day: already ran.
    clock.set("2036-11-24T09:00:00Z");
    await a.catchUp();
    expect(daily.runs).toHaveLength(1);
    // The next day, after 03:30: the new occurrence.
    clock.set("2036-11-24T19:30:00Z");
    await b.catchUp();
    expect(daily.runs).toEqual(["2036-11-23T19:30:00.000Z", "2036-11-24T19:30:00.000Z"]);
  });

  it("computes the previous occurrence in the configured time zone, now included", () => {
    const now = new Date("2036-11-23T19:30:00Z");
    expect(previousOccurrence("30 3 * * *", now, "Asia/Shanghai").toISOString()).toBe(
      "2036-11-23T19:30:00.000Z",
    );
    expect(previousOccurrence("30 3 * * *", new Date(now.getTime() - 1), "Asia/Shanghai").toISOString()).toBe(
      "2036-11-22T19:30:00.000Z",
    );
    expect(previousOccurrence("30 3 * * *", now, "UTC").toISOString()).toBe("2036-11-23T03:30:00.000Z");
    expect(
      previousOccurrence("*/10 * * * *", new Date("2036-11-23T19:39:59Z"), "Asia/Shanghai").toISOString(),
    ).toBe("2036-11-23T19:30:00.000Z");
  });
});

describe("start and stop", () => {
  it("schedules every job in the configured time zone and runs each firing for its minute", async () => {
    const clock = fixedClock("2036-11-25T02:00:00Z");
    const minutely = countingJob("fired", "* * * * *", false);
    const daily = countingJob("fired-daily", "0 9 * * *");
    const broken: Job = {
      name: "fired-broken",
      schedule: "*/10 * * * *",
      catchUp: false,
      run: () => Promise.reject(new Error("broken")),
    };
    const scheduled: { expression: string; options: TaskOptions; fn: (c: TaskContext) => unknown }[] = [];
    let stopped = 0;
    const schedule: CronSchedule = (expression, fn, options) => {
      scheduled.push({ expression, fn, options });
      return { stop: () => void stopped++, destroy: () => undefined };
    };
    const scheduler = createScheduler({
      deps: jobDeps(db, clock),
      jobs: [minutely, daily, broken],
      instanceId: "a",
      schedule,
    });

    await scheduler.start();
    expect(
      scheduled.map((s) => [s.expression, s.options.timezone, s.options.name, s.options.noOverlap]),
    ).toEqual([
      ["* * * * *", "Asia/Shanghai", "fired", true],
      ["0 9 * * *", "Asia/Shanghai", "fired-daily", true],
      ["*/10 * * * *", "Asia/Shanghai", "fired-broken", true],
    ]);
    // start() caught up the daily job: 09:00 in Shanghai on the 25th.
    expect(daily.runs).toEqual(["2036-11-25T01:00:00.000Z"]);

    // A firing a little after its minute runs the minute's occurrence; a second instance's
    // firing of the same minute finds it taken.
    const fire = (index: number, date: string) =>
      scheduled[index]!.fn({ date: new Date(date), dateLocalIso: "", triggeredAt: new Date(date) });
    await fire(0, "2036-11-25T02:01:00.250Z");
    await fire(0, "2036-11-25T02:01:00.900Z");
    expect(minutely.runs).toEqual(["2036-11-25T02:01:00.000Z"]);
    expect((await lease("fired:2036-11-25T02:01:00.000Z"))?.instance).toBe("a");

    // A failing job never throws out of the cron callback.
    await expect(fire(2, "2036-11-25T02:10:00Z")).resolves.toBeUndefined();
    expect((await lease("fired-broken:2036-11-25T02:10:00.000Z"))?.status).toBe("failed");

    await scheduler.stop();
    expect(stopped).toBe(3);
  });

  it("registers real node-cron tasks and removes them on stop", async () => {
    const clock = fixedClock("2036-11-25T02:00:00Z");
    const job = countingJob("real-cron-task", "0 0 1 1 *", false);
    const scheduler = createScheduler({ deps: jobDeps(db, clock), jobs: [job], instanceId: "a" });
    const named = () => [...cron.getTasks().values()].filter((t) => t.name === "real-cron-task");
    await scheduler.start();
    expect(named()).toHaveLength(1);
    // Midnight on 1 January in Shanghai, whatever the year.
    const next = named()[0]?.getNextRun();
    expect(next && DateTime.fromJSDate(next, { zone: "Asia/Shanghai" }).toFormat("MM-dd HH:mm")).toBe(
      "01-01 00:00",
    );
    await scheduler.stop();
    expect(named()).toHaveLength(0);
    expect(job.runs).toEqual([]);
  });

  it("refuses bad schedules and duplicate names", () => {
    const deps = jobDeps(db, fixedClock("2036-11-25T02:00:00Z"));
    const job = countingJob("x", "* * * * *");
    expect(() => createScheduler({ deps, jobs: [job, job], instanceId: "a" })).toThrow(
      /duplicate job name x/,
    );
    expect(() =>
      createScheduler({ deps, jobs: [countingJob("bad", "61 * * * *")], instanceId: "a" }),
    ).toThrow(/bad/);
    expect(() =>
      createScheduler({ deps, jobs: [countingJob("seconds", "0 * * * * *")], instanceId: "a" }),
    ).toThrow(/five-field/);
  });

  it("names the occurrence by the minute", () => {
    expect(occurrenceOf(new Date("2036-11-25T02:01:59.999Z")).toISOString()).toBe("2036-11-25T02:01:00.000Z");
  });
});
