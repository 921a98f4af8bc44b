import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OutboxStatus } from "../../src/db/models/outbox.js";
import { fixedClock } from "../../src/domain/clock.js";
import { expireRecordsJob } from "../../src/jobs/expireRecords.js";
import { createLogger } from "../../src/logger.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { jobDeps } from "./helpers.js";
import { syncIndexes } from "../../src/db/models/index.js";

// The models have no TTL index (see the last test), so only the job deletes anything.
const NOW = new Date("2027-06-01T00:00:00Z");
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 24 * 3600_000);

let db: TestDb;
beforeAll(async () => {
  db = await openTestDb("job_expire");
});
afterAll(async () => db.close());

const ids = async (docs: Promise<{ _id: string }[]>) => (await docs).map((d) => d._id);

function outboxItem(_id: string, fields: { status: OutboxStatus; sentAt?: Date; deadAt?: Date }) {
  return {
    _id,
    kind: "message" as const,
    uuid: _id,
    notBefore: daysAgo(60),
    createdAt: daysAgo(60),
    ...fields,
  };
}

describe("expire records", () => {
  it("deletes only records past their retention and logs the counts", async () => {
    await db.models.InboundEvent.create([
      { _id: "ev_old", kind: "message", receivedAt: daysAgo(7.1) },
      { _id: "ev_new", kind: "message", receivedAt: daysAgo(6.9) },
    ]);
    await db.models.Outbox.create([
      outboxItem("sent_old", { status: "sent", sentAt: daysAgo(31) }),
      outboxItem("sent_new", { status: "sent", sentAt: daysAgo(29) }),
      outboxItem("pending_old", { status: "pending" }),
      outboxItem("dead_old", { status: "dead", deadAt: daysAgo(50) }),
    ]);
    const run = (id: string, days: number) => ({
      _id: id,
      job: "x",
      occurrence: daysAgo(days),
      instance: "a",
      startedAt: daysAgo(days),
    });
    await db.models.JobRun.create([run("run_old", 15), run("run_new", 13)]);

    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, callback) {
        for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
        callback();
      },
    });
    const deps = { ...jobDeps(db, fixedClock(NOW)), logger: createLogger("info", sink) };
    await expireRecordsJob.run({ deps, occurrence: NOW });

    expect(await ids(db.models.InboundEvent.find().sort({ _id: 1 }).lean())).toEqual(["ev_new"]);
    expect(await ids(db.models.Outbox.find().sort({ _id: 1 }).lean())).toEqual([
      "dead_old",
      "pending_old",
      "sent_new",
    ]);
    expect(await ids(db.models.JobRun.find().sort({ _id: 1 }).lean())).toEqual(["run_new"]);
    expect(lines.find((l) => l.msg === "expired old records")).toMatchObject({
      job: "expire-records",
      inboundEvents: 1,
      outbox: 1,
      jobRuns: 1,
    });

    // A second run finds nothing more.
    await expireRecordsJob.run({ deps, occurrence: NOW });
    expect(lines.filter((l) => l.msg === "expired old records")[1]).toMatchObject({
      inboundEvents: 0,
      outbox: 0,
      jobRuns: 0,
    });
  });

  it("deletes roster imports (copies of a 名册 file) 30 days after they were made", async () => {
    const imp = (id: string, days: number, state: "pending" | "applied") => ({
      _id: id,
      branchId: "B1",
      by: "ou_sec",
      state,
      createdAt: daysAgo(days),
      ops: [{ kind: "new", name: "张三", sets: { "profile.phone": "13800000000" } }],
    });
    await db.models.RosterImport.create([
      imp("imp_old_pending", 31, "pending"),
      imp("imp_old_applied", 40, "applied"),
      imp("imp_new", 29, "pending"),
    ]);
    await expireRecordsJob.run({ deps: jobDeps(db, fixedClock(NOW)), occurrence: NOW });
    expect(await ids(db.models.RosterImport.find().lean())).toEqual(["imp_new"]);
  });

  it("runs daily at 03:30 and catches up", () => {
    expect(expireRecordsJob.schedule).toBe("30 3 * * *");
    expect(expireRecordsJob.catchUp).toBe(true);
  });

  it("is the only expiry: no model has a TTL index, which would delete by the wall clock", async () => {
    // Tests (and a bot on an injected clock) write dates real time has left behind; a TTL
    // monitor sweeping every minute would delete their inbox and outbox records mid-run.
    const withTtl = Object.values(db.models).flatMap((model) =>
      model.schema
        .indexes()
        .filter(([, options]) => options?.expireAfterSeconds !== undefined)
        .map(([fields]) => `${model.modelName} ${JSON.stringify(fields)}`),
    );
    expect(withTtl).toEqual([]);
  });

  it("replaces the TTL indexes an earlier version made, keeping the records", async () => {
    const earlier = await openTestDb("job_expire_upgrade");
    try {
      const events = earlier.models.InboundEvent.collection;
      await events.insertOne({ _id: "msg:old" as never, kind: "message", receivedAt: daysAgo(1) });
      await events.dropIndex("receivedAt_1");
      await events.createIndex({ receivedAt: 1 }, { expireAfterSeconds: 7 * 24 * 3600 });
      expect((await events.indexes()).find((index) => index.name === "receivedAt_1")).toMatchObject({
        expireAfterSeconds: 7 * 24 * 3600,
      });
      await syncIndexes(earlier.models);
      const indexes = await events.indexes();
      expect(indexes.find((index) => index.name === "receivedAt_1")).toMatchObject({
        key: { receivedAt: 1 },
      });
      expect(indexes.filter((index) => index.expireAfterSeconds !== undefined)).toEqual([]);
      expect(await events.countDocuments()).toBe(1);
    } finally {
      await earlier.close();
    }
  });
});
