import { CronExpressionParser } from "cron-parser";
import cron, { type ScheduledTask, type TaskContext, type TaskOptions } from "node-cron";
import { isDuplicateKeyError } from "../db/connection.js";
import type { AppDeps } from "../deps.js";
import type { Job } from "./types.js";

export type RunResult = "ran" | "taken" | "failed";

export interface Scheduler {
  /** Schedules every job with node-cron in `config.TZ`, then runs the catch-up (never rejects). */
  start(): Promise<void>;
  /** Stops the cron tasks and waits for runs in progress. */
  stop(): Promise<void>;
  /** Leases one occurrence and runs it: "taken" if another run (any instance) had it. */
  runOccurrence(job: Job, occurrence: Date): Promise<RunResult>;
  /**
   * For jobs with `catchUp`, runs the latest occurrence ≤ now if it lies after the bot first ran
   * on this database (a no-op if it already ran).
   */
  catchUp(): Promise<void>;
}

/** What the scheduler needs of node-cron (injectable so tests can fire tasks by hand). */
export type CronSchedule = (
  expression: string,
  fn: (context: TaskContext) => unknown,
  options: TaskOptions,
) => Pick<ScheduledTask, "stop" | "destroy">;

export interface SchedulerOptions {
  deps: AppDeps;
  jobs: readonly Job[];
  /** Recorded on the lease, for operators (e.g. host name + pid). */
  instanceId: string;
  schedule?: CronSchedule;
}

/**
 * Leases expire after 14 days (JobRun TTL); an older occurrence can no longer be proven to have
 * run, so catch-up leaves it alone rather than risk running it twice.
 */
export const CATCH_UP_MAX_AGE_MS = 13 * 24 * 3600_000;

/**
 * The JobRun that records when the scheduler first ran on this database (kept by the
 * expire-records job): catch-up runs only occurrences after it, so a fresh install catches up
 * nothing it could not have missed.
 */
export const FIRST_RUN_ID = "scheduler:first-run";

export function leaseId(job: Pick<Job, "name">, occurrence: Date): string {
  return `${job.name}:${occurrence.toISOString()}`;
}

/** The scheduled minute of a firing: every instance computes the same one. */
export function occurrenceOf(fireTime: Date): Date {
  return new Date(Math.floor(fireTime.getTime() / 60_000) * 60_000);
}

/** The latest occurrence of `schedule` at or before `now`, in `timeZone`. */
export function previousOccurrence(schedule: string, now: Date, timeZone: string): Date {
  const expression = CronExpressionParser.parse(schedule, {
    currentDate: new Date(now.getTime() + 1), // prev() is strictly before currentDate
    tz: timeZone,
  });
  return expression.prev().toDate();
}

function validateJobs(jobs: readonly Job[], timeZone: string): void {
  const names = new Set<string>();
  for (const job of jobs) {
    if (names.has(job.name)) throw new Error(`duplicate job name ${job.name}`);
    names.add(job.name);
    if (job.schedule.trim().split(/\s+/).length !== 5 || !cron.validate(job.schedule)) {
      throw new Error(`job ${job.name}: "${job.schedule}" is not a five-field cron expression`);
    }
    CronExpressionParser.parse(job.schedule, { tz: timeZone }); // both parsers must accept it
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs jobs on their cron schedules, safely with several instances on one database: each
 * occurrence is leased by inserting a JobRun with `_id = job:occurrenceISO`; the unique `_id`
 * lets exactly one insert win (11000 for the others). A failed run stays failed (the lease is
 * not retried); the next occurrence of the job scans again.
 */
export function createScheduler({
  deps,
  jobs,
  instanceId,
  schedule = cron.schedule,
}: SchedulerOptions): Scheduler {
  const timeZone = deps.config.TZ;
  validateJobs(jobs, timeZone);
  const logger = deps.logger.child({ component: "scheduler", instance: instanceId });
  const tasks: Pick<ScheduledTask, "stop" | "destroy">[] = [];
  const inFlight = new Set<Promise<unknown>>();

  function track<T>(promise: Promise<T>): Promise<T> {
    inFlight.add(promise);
    promise.then(
      () => inFlight.delete(promise),
      () => inFlight.delete(promise),
    );
    return promise;
  }

  /** Inserts the lease; throws 11000 when another run has it. */
  async function lease(job: Job, occurrence: Date): Promise<string> {
    const _id = leaseId(job, occurrence);
    await deps.models.JobRun.create({
      _id,
      job: job.name,
      occurrence,
      instance: instanceId,
      status: "running",
      startedAt: deps.clock.now(),
    });
    return _id;
  }

  async function finish(_id: string, status: "done" | "failed", error: string | null): Promise<void> {
    await deps.models.JobRun.updateOne({ _id }, { $set: { status, error, finishedAt: deps.clock.now() } });
  }

  async function runOccurrenceUntracked(job: Job, occurrence: Date): Promise<RunResult> {
    const log = logger.child({ job: job.name, occurrence: occurrence.toISOString() });
    let _id: string;
    try {
      _id = await lease(job, occurrence);
    } catch (error) {
      if (isDuplicateKeyError(error)) return "taken";
      log.error({ err: error }, "job lease failed");
      return "failed";
    }
    const startedMs = Date.now();
    try {
      await job.run({ deps, occurrence });
    } catch (error) {
      log.error({ err: error }, "job failed");
      await finish(_id, "failed", message(error)).catch((e: unknown) =>
        log.error({ err: e }, "could not record the job failure"),
      );
      return "failed";
    }
    try {
      await finish(_id, "done", null);
    } catch (error) {
      log.error({ err: error }, "could not record the job as done");
    }
    log.debug({ ms: Date.now() - startedMs }, "job ran");
    return "ran";
  }

  const runOccurrence = (job: Job, occurrence: Date) =>
    track(
      runOccurrenceUntracked(job, occurrence).then((outcome) => {
        deps.metrics?.jobRuns.inc({ job: job.name, outcome });
        return outcome;
      }),
    );

  let since: Date | undefined;
  /**
   * When the bot first ran here: the FIRST_RUN_ID record, or, on a database from before it
   * existed, the oldest lease kept; on a fresh database, now (recorded by the first instance).
   */
  async function firstRun(): Promise<Date> {
    if (since) return since;
    const { JobRun } = deps.models;
    const kept = await JobRun.findById(FIRST_RUN_ID).lean();
    if (kept) return (since = kept.startedAt);
    const oldest = await JobRun.findOne({}, { startedAt: 1 }).sort({ startedAt: 1 }).lean();
    const now = deps.clock.now();
    const startedAt = oldest && oldest.startedAt < now ? oldest.startedAt : now;
    try {
      await JobRun.create({
        _id: FIRST_RUN_ID,
        job: "scheduler",
        occurrence: startedAt,
        instance: instanceId,
        status: "done",
        startedAt,
        finishedAt: startedAt,
      });
      return (since = startedAt);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const other = await JobRun.findById(FIRST_RUN_ID).lean();
      return (since = other?.startedAt ?? startedAt);
    }
  }

  async function catchUp(): Promise<void> {
    const now = deps.clock.now();
    const first = await firstRun();
    for (const job of jobs) {
      if (!job.catchUp) continue;
      let occurrence: Date;
      try {
        occurrence = previousOccurrence(job.schedule, now, timeZone);
      } catch (error) {
        logger.error({ err: error, job: job.name }, "no previous occurrence to catch up");
        continue;
      }
      // At or before the bot first ran: nothing was missed (cron fires the minute it starts in).
      if (occurrence.getTime() <= first.getTime()) continue;
      if (now.getTime() - occurrence.getTime() > CATCH_UP_MAX_AGE_MS) {
        logger.warn({ job: job.name, occurrence }, "latest occurrence too old to catch up");
        continue;
      }
      const result = await runOccurrence(job, occurrence);
      if (result === "ran") logger.info({ job: job.name, occurrence }, "caught up a missed occurrence");
    }
  }

  return {
    runOccurrence,
    catchUp,
    async start() {
      if (tasks.length > 0) throw new Error("scheduler already started");
      const cronLogger = {
        info: (text: string) => logger.info(text),
        warn: (text: string) => logger.warn(text),
        error: (text: string | Error, err?: Error) => logger.error({ err: err ?? text }, String(text)),
        debug: (text: string | Error) => logger.debug(String(text)),
      };
      for (const job of jobs) {
        const task = schedule(
          job.schedule,
          async (context: TaskContext) => {
            // Never throws: runOccurrence logs and returns "failed".
            await runOccurrence(job, occurrenceOf(context.date));
          },
          { timezone: timeZone, name: job.name, noOverlap: true, logger: cronLogger },
        );
        tasks.push(task);
      }
      logger.info({ jobs: jobs.map((j) => j.name), timeZone }, "scheduler started");
      try {
        await catchUp();
      } catch (error) {
        logger.error({ err: error }, "catch-up failed");
      }
    },
    async stop() {
      for (const task of tasks.splice(0)) {
        await task.stop();
        await task.destroy();
      }
      await Promise.allSettled([...inFlight]);
    },
  };
}
