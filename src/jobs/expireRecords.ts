import type { Job, JobContext } from "./types.js";
import { trusted } from "../db/connection.js";
import { FIRST_RUN_ID } from "./scheduler.js";

const DAY = 24 * 3600_000;

/** Retention of the records this job deletes. */
export const RETENTION_DAYS = { inboundEvents: 7, sentOutbox: 30, jobRuns: 14, rosterImports: 30 } as const;

/**
 * Daily at 03:30 (config.TZ): deletes inbound events received more than 7 days ago, outbox
 * items sent more than 30 days ago, job leases started more than 14 days ago and roster imports
 * (a copy of a 名册 file, phones included) made more than 30 days ago, decided or not. This job, not
 * TTL indexes, is how records expire: it runs on the bot's clock and behaves the same on MongoDB
 * and the local server, where a TTL monitor would run on the wall clock instead.
 */
export const expireRecordsJob: Job = {
  name: "expire-records",
  schedule: "30 3 * * *",
  catchUp: true,
  async run(ctx: JobContext) {
    const { models, clock, logger } = ctx.deps;
    const now = clock.now().getTime();
    const before = (days: number) => new Date(now - days * DAY);
    const inbound = await models.InboundEvent.deleteMany({
      receivedAt: trusted({ $lt: before(RETENTION_DAYS.inboundEvents) }),
    });
    const outbox = await models.Outbox.deleteMany({
      status: "sent",
      sentAt: trusted({ $lt: before(RETENTION_DAYS.sentOutbox) }),
    });
    const jobRuns = await models.JobRun.deleteMany({
      _id: trusted({ $ne: FIRST_RUN_ID }),
      startedAt: trusted({ $lt: before(RETENTION_DAYS.jobRuns) }),
    });
    const rosterImports = await models.RosterImport.deleteMany({
      createdAt: trusted({ $lt: before(RETENTION_DAYS.rosterImports) }),
    });
    logger.info(
      {
        job: "expire-records",
        inboundEvents: inbound.deletedCount,
        outbox: outbox.deletedCount,
        jobRuns: jobRuns.deletedCount,
        rosterImports: rosterImports.deletedCount,
      },
      "expired old records",
    );
  },
};
