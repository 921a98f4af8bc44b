import { CronExpressionParser } from "cron-parser";
import type { Job, Scheduler } from "../jobs/index.js";
import { targetTime, type ClockTarget, type PlaygroundClock } from "./clock.js";

export interface ClockControlOptions {
  clock: PlaygroundClock;
  scheduler: Pick<Scheduler, "runOccurrence">;
  jobs: readonly Job[];
  timeZone: string;
  /** Sends what the jobs queued (the outbox) before a move answers. */
  drain(): Promise<void>;
  /**
   * Before the clock jumps: lets the commands and sends in progress finish, so no lease (held on
   * the bot's clock) looks lapsed to the jump and is taken over while its holder still works.
   */
  settle?(): Promise<void>;
  /** After every move (the offset is kept across restarts). */
  onMoved?(offsetMs: number): void;
}

/** The latest occurrence of `schedule` in (after, upTo], or null. */
export function latestOccurrence(schedule: string, after: Date, upTo: Date, timeZone: string): Date | null {
  const expression = CronExpressionParser.parse(schedule, {
    currentDate: new Date(upTo.getTime() + 1), // prev() is strictly before currentDate
    tz: timeZone,
  });
  const occurrence = expression.prev().toDate();
  return occurrence.getTime() > after.getTime() ? occurrence : null;
}

/**
 * Runs the scheduler's jobs on the playground's time (node-cron follows the real one): on every
 * tick and after every move, each job's latest occurrence since the last check, oldest first,
 * through the scheduler's leases (an occurrence runs once). Like the catch-up after a stop, a
 * jump runs the latest occurrence of each job, not every one it passed.
 */
export function createClockControl(options: ClockControlOptions) {
  const { clock, scheduler, jobs, timeZone } = options;
  let checkedUpTo = clock.now();
  let queue: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  async function runDueNow(): Promise<number> {
    const upTo = clock.now();
    const due = jobs
      .map((job) => ({ job, occurrence: latestOccurrence(job.schedule, checkedUpTo, upTo, timeZone) }))
      .filter((d): d is { job: Job; occurrence: Date } => d.occurrence !== null)
      .sort((a, b) => a.occurrence.getTime() - b.occurrence.getTime());
    checkedUpTo = upTo;
    for (const { job, occurrence } of due) await scheduler.runOccurrence(job, occurrence);
    await options.drain();
    return due.length;
  }

  /** One run at a time: a tick and a move never run the same jobs side by side. */
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };

  return {
    runDue: () => serial(runDueNow),
    /** Moves the clock to `target` and runs what came due; resolves to the new time. */
    move: (target: ClockTarget) =>
      serial(async () => {
        await options.settle?.();
        const now = clock.moveTo(targetTime(target, clock.now(), timeZone));
        options.onMoved?.(clock.offsetMs);
        await runDueNow();
        return now;
      }),
    start(everyMs = 15_000) {
      timer ??= setInterval(() => void serial(runDueNow).catch(() => undefined), everyMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

export type ClockControl = ReturnType<typeof createClockControl>;
