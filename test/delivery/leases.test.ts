import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { enqueueMessage, larkUuid } from "../../src/delivery/outbox.js";
import { APP_RATE_KEY, RateLimiter, rulesFor, type RateLimits } from "../../src/delivery/rateLimiter.js";
import { OUTBOX_LEASE_MS, type DeliveryWorker } from "../../src/delivery/worker.js";
import { fixedClock, systemClock } from "../../src/domain/clock.js";
import { startFakeLark, type FakeLark, type FakeLarkOptions } from "../../scripts/bench/fakeLark.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { LarkMock } from "../helpers/larkMock.js";
import { buildWorker, FAST_LIMITS, outboxById } from "./helpers.js";

let db: TestDb;
let cleanups: (() => Promise<unknown> | void)[] = [];

beforeAll(async () => {
  db = await openTestDb("delivery_leases");
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  await db.models.Outbox.deleteMany({});
});
afterEach(async () => {
  vi.restoreAllMocks();
  for (const step of cleanups.reverse()) await step();
  cleanups = [];
  LarkMock.reset();
});

async function fakeLark(options: FakeLarkOptions = {}): Promise<FakeLark> {
  const fake = await startFakeLark(options);
  cleanups.push(() => fake.close());
  return fake;
}

function started(worker: DeliveryWorker, pollMs = 25): DeliveryWorker {
  worker.start(pollMs);
  cleanups.push(async () => {
    worker.stop();
    await worker.idle();
  });
  return worker;
}

const text = (key: string, target: { chatId: string } | { openId: string }) => ({
  key,
  branchId: null,
  target,
  content: { text: `消息 ${key}` },
  description: `测试消息 ${key}`,
});

describe("outbox leases (injected clock)", () => {
  it("takes over an item whose instance died (claimed, never renewed) once its lease lapsed, not before", async () => {
    const clock = fixedClock("2026-11-23T02:00:00Z");
    await enqueueMessage(db.models, clock, text("lease:dead", { chatId: "oc_lease" }));
    // A killed instance claimed it a moment ago and will never renew it.
    await db.models.Outbox.updateOne(
      { _id: "lease:dead" },
      {
        $set: {
          status: "sending",
          owner: "killed",
          claimedAt: clock.now(),
          leaseUntil: new Date(clock.now().getTime() + OUTBOX_LEASE_MS),
        },
        $inc: { attempts: 1 },
      },
    );
    new LarkMock().expectSend();
    const worker = buildWorker(db.models, { clock });
    expect(await worker.wake()).toBe(0);
    clock.advance(OUTBOX_LEASE_MS - 1000);
    expect(await worker.wake()).toBe(0);
    clock.advance(2000); // the lease has lapsed: well within a minute of the crash
    expect(await worker.wake()).toBe(1);
    await worker.idle();
    expect(nock.pendingMocks().filter((m) => !m.includes("tenant_access_token"))).toEqual([]);
    expect(await outboxById(db.models, "lease:dead")).toMatchObject({
      status: "sent",
      attempts: 2,
      owner: worker.owner,
    });
  });

  it("leaves an item alone while its live owner renews the lease", async () => {
    const clock = fixedClock("2026-11-23T02:00:00Z");
    const fake = await fakeLark({ intercept: (call) => (call.seq === 1 ? { hang: true } : undefined) });
    await enqueueMessage(db.models, clock, text("lease:live", { openId: "ou_lease" }));
    const one = buildWorker(db.models, { clock, domain: fake.url, limits: FAST_LIMITS });
    cleanups.push(async () => {
      fake.releaseHung();
      await one.idle();
    });
    void one.wake();
    await fake.waitFor(() => fake.calls.length === 1, 10_000, "the first send");

    const two = buildWorker(db.models, { clock, domain: fake.url, limits: FAST_LIMITS });
    clock.advance(OUTBOX_LEASE_MS * 0.6);
    expect(await one.renewLeases()).toBe(1); // the heartbeat
    clock.advance(OUTBOX_LEASE_MS * 0.6); // past the first lease, within the renewed one
    expect(await two.wake()).toBe(0);
    // The owner stops renewing (it hangs for good): the next instance takes over.
    clock.advance(OUTBOX_LEASE_MS);
    expect(await two.wake()).toBe(1);
    await two.idle();
    expect(await outboxById(db.models, "lease:live")).toMatchObject({ status: "sent", owner: two.owner });
    expect(fake.messages).toHaveLength(1);
  });
});

describe("retries and 429s", () => {
  it("blocks only the chat a 429 names (x-ogw-ratelimit-limit: 5): other recipients go on", async () => {
    let limited = false;
    const fake = await fakeLark({
      intercept: (call) => {
        if (limited || call.receiveId !== "oc_busy") return undefined;
        limited = true;
        return {
          status: 429,
          body: { code: 99991400, msg: "request trigger frequency limit" },
          headers: { "x-ogw-ratelimit-reset": "1", "x-ogw-ratelimit-limit": "5" },
        };
      },
    });
    await enqueueMessage(db.models, systemClock, text("busy:0", { chatId: "oc_busy" }));
    const users = Array.from({ length: 20 }, (_, i) => `ou_calm_${i}`);
    const worker = started(
      buildWorker(db.models, {
        domain: fake.url,
        limits: { ...FAST_LIMITS, appPerSecond: 10 },
        limiter: new RateLimiter({ safetyMs: 0 }),
      }),
    );
    await worker.wake();
    for (const openId of users)
      await enqueueMessage(db.models, systemClock, text(`calm:${openId}`, { openId }));
    await worker.wake();
    await fake.waitFor(() => fake.messages.length === 21, 20_000, "21 messages");

    const refused = fake.calls.find((c) => c.status === 429)!;
    const retry = fake.calls.find((c) => c.receiveId === "oc_busy" && c.seq > refused.seq)!;
    expect(retry.at - refused.at).toBeGreaterThanOrEqual(1000);
    // The other recipients were sent to during the chat's reset.
    const duringReset = fake.calls.filter((c) => c.at > refused.at && c.at < refused.at + 1000);
    expect(duringReset.length).toBeGreaterThanOrEqual(5);
    expect(duringReset.every((c) => c.receiveId !== "oc_busy")).toBe(true);
  }, 30_000);

  it("retries a 5xx at its back-off time, not behind the rest of the round", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0); // back-off at its floor: 1 s after attempt 1
    const fake = await fakeLark({
      intercept: (call) =>
        call.seq === 1 ? { status: 503, body: { msg: "upstream unavailable" } } : undefined,
    });
    const limits: RateLimits = { ...FAST_LIMITS, appPerSecond: 10 };
    for (let i = 0; i < 60; i++) {
      const openId = `ou_round_${String(i).padStart(2, "0")}`;
      await enqueueMessage(db.models, systemClock, text(`round:${openId}`, { openId }));
    }
    const worker = started(
      buildWorker(db.models, { domain: fake.url, limits, limiter: new RateLimiter({ safetyMs: 0 }) }),
    );
    await worker.wake();
    await fake.waitFor(() => fake.messages.length === 60, 30_000, "60 messages");
    const failed = fake.calls.find((c) => c.status === 503)!;
    const again = fake.calls.find((c) => c.uuid === failed.uuid && c.seq > failed.seq)!;
    // The round takes ~6 s at 10/s; the retry goes out right after its 1 s back-off.
    expect(again.at - failed.at).toBeGreaterThanOrEqual(1000);
    expect(again.at - failed.at).toBeLessThan(2500);
    const last = Math.max(...fake.calls.map((c) => c.at));
    expect(last - again.at).toBeGreaterThan(2000);
    expect(failed.uuid).toBe(larkUuid("round:ou_round_00"));
  }, 40_000);
});

describe("the limiter after a restart", () => {
  it("counts what was sent in the last minute before this worker started", async () => {
    const limits: RateLimits = { ...FAST_LIMITS, appPerMinute: 10 };
    // The previous process sent 10 messages 30 s ago (the per-minute budget), then died.
    const sentAt = new Date(Date.now() - 30_000);
    for (let i = 0; i < 10; i++) {
      await enqueueMessage(db.models, systemClock, text(`before:${i}`, { openId: `ou_before_${i}` }));
    }
    await db.models.Outbox.updateMany({}, { $set: { status: "sent", sentAt } });
    const limiter = new RateLimiter({ safetyMs: 0 });
    const worker = buildWorker(db.models, { limits, limiter });
    await worker.warmUp();
    const rules = rulesFor({ kind: "send", openId: "ou_after" }, limits).filter(
      (r) => r.key === APP_RATE_KEY,
    );
    // No room until those 10 leave the minute window.
    expect(limiter.nextAvailable(rules) - Date.now()).toBeGreaterThan(25_000);
  });
});
