import type { AppDeps } from "../deps.js";

/**
 * A scheduled job. The scheduler leases each occurrence (one instance runs it), so `run` only
 * has to be idempotent against a re-run of the same or a neighbouring occurrence: write to the
 * outbox under idempotency keys, never call Lark directly.
 */
export interface Job {
  /** Unique; part of the lease id `${name}:${occurrence ISO}`. */
  name: string;
  /** Five-field cron expression (minute precision), evaluated in `config.TZ`. */
  schedule: string;
  /** After downtime, run the latest missed occurrence on start. */
  catchUp: boolean;
  run(ctx: JobContext): Promise<void>;
}

export interface JobContext {
  deps: AppDeps;
  /** The scheduled minute this run stands for (the same on every instance). */
  occurrence: Date;
}

/**
 * Runs `fn` for every item, so one bad item (a meeting with broken data) does not stop the
 * others; logs each failure and then throws one error, so the run is recorded as failed.
 */
export async function forEachIsolated<T>(
  ctx: JobContext,
  jobName: string,
  items: readonly T[],
  describe: (item: T) => string,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  const failed: string[] = [];
  for (const item of items) {
    try {
      await fn(item);
    } catch (error) {
      failed.push(describe(item));
      ctx.deps.logger.error({ err: error, job: jobName, item: describe(item) }, "job item failed");
    }
  }
  if (failed.length > 0) {
    throw new Error(`${jobName}: ${failed.length} of ${items.length} failed (${failed.join(", ")})`);
  }
}
