import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { hostname } from "node:os";
import type { OutboxItem } from "../../src/db/models/outbox.js";
import { enqueueMessage, larkUuid } from "../../src/delivery/outbox.js";
import { systemClock } from "../../src/domain/clock.js";
import { processIdentity, takeOverOwnClaims, type ProcessIdentity } from "../../src/instance.js";
import { startFakeLark, type FakeLark, type FakeLarkOptions } from "../../scripts/bench/fakeLark.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { buildWorker, FAST_LIMITS, outboxById } from "./helpers.js";

let db: TestDb;
let cleanups: (() => Promise<unknown> | void)[] = [];

beforeAll(async () => {
  db = await openTestDb("delivery_takeover");
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  await db.models.Outbox.deleteMany({});
});
afterEach(async () => {
  for (const step of cleanups.reverse()) await step();
  cleanups = [];
});

async function fakeLark(options: FakeLarkOptions = {}): Promise<FakeLark> {
  const fake = await startFakeLark(options);
  cleanups.push(() => fake.close());
  return fake;
}

const HOUR = 3600_000;
/** The process that was killed and the one started in its place, on the same host and port. */
const killed: ProcessIdentity = { instanceId: "host-a:3000", owner: "host-a:3000/proc-killed" };
const restarted: ProcessIdentity = { instanceId: "host-a:3000", owner: "host-a:3000/proc-restarted" };

const dm = (key: string, openId: string) => ({
  key,
  branchId: null,
  target: { openId },
  content: { text: `消息 ${key}` },
  description: `测试消息 ${key}`,
});

describe("a restart takes over its own dead predecessor's sends", () => {
  it("re-sends the send in flight at the kill at once, with the first attempt's uuid: shown once", async () => {
    // The first attempt reaches Lark (the message is shown) and its answer never comes back.
    const fake = await fakeLark({
      intercept: (call) => (call.seq === 1 ? { hang: true, deliver: true } : undefined),
    });
    await enqueueMessage(db.models, systemClock, dm("takeover:inflight", "ou_takeover_1"));
    // Its lease is an hour long, so nothing but the takeover can end it within this test.
    const before = buildWorker(db.models, {
      domain: fake.url,
      limits: FAST_LIMITS,
      instanceId: killed.owner,
      leaseMs: HOUR,
    });
    cleanups.push(async () => {
      fake.releaseHung(); // the zombie's request fails now and finds the item is no longer its own
      await before.idle();
    });
    void before.wake();
    await fake.waitFor(() => fake.calls.length === 1, 10_000, "the first attempt");
    expect(await outboxById(db.models, "takeover:inflight")).toMatchObject({
      status: "sending",
      owner: killed.owner,
    });

    const after = buildWorker(db.models, {
      domain: fake.url,
      limits: FAST_LIMITS,
      instanceId: restarted.owner,
    });
    expect(await after.wake()).toBe(0); // the lease is still running
    expect(await takeOverOwnClaims(db.models, restarted)).toBe(1);
    expect(await after.wake()).toBe(1);
    await after.idle();

    expect(fake.calls).toHaveLength(2);
    expect(fake.calls[1]!.uuid).toBe(fake.calls[0]!.uuid);
    expect(fake.calls[0]!.uuid).toBe(larkUuid("takeover:inflight"));
    expect(fake.calls[1]!.outcome).toBe("duplicate");
    expect(fake.messages).toHaveLength(1);
    expect(await outboxById(db.models, "takeover:inflight")).toMatchObject({
      status: "sent",
      owner: restarted.owner,
      attempts: 2,
      sentMessageId: fake.messages[0]!.messageId,
    });
  }, 30_000);

  it("leaves alone the leases of other instance ids and of this very process", async () => {
    const until = new Date(Date.now() + HOUR);
    const owners = {
      "takeover:other-host": "host-b:3000/proc-1",
      "takeover:other-port": "host-a:30001/proc-1", // an id that merely starts like ours
      "takeover:mine": restarted.owner,
      "takeover:legacy": "worker:0b3c", // written before owners named an instance
    };
    for (const [key, owner] of Object.entries(owners)) {
      await enqueueMessage(db.models, systemClock, dm(key, `ou_${key}`));
      await db.models.Outbox.updateOne(
        { _id: key },
        {
          $set: { status: "sending", owner, claimedAt: new Date(), leaseUntil: until },
          $inc: { attempts: 1 },
        },
      );
    }
    expect(await takeOverOwnClaims(db.models, restarted)).toBe(0);
    const items = await db.models.Outbox.find({}).lean<OutboxItem[]>();
    expect(items.map((i) => [i._id, i.status, i.leaseUntil?.getTime()]).sort()).toEqual(
      Object.keys(owners)
        .map((key) => [key, "sending", until.getTime()])
        .sort(),
    );
  });
});

describe("processIdentity", () => {
  it("names the slot <hostname>:<PORT> unless ZHIBU_INSTANCE_ID is set, and each start differently", () => {
    const one = processIdentity({ PORT: 3000 });
    const two = processIdentity({ PORT: 3000 });
    expect(one.instanceId).toBe(`${hostname()}:3000`);
    expect(two.instanceId).toBe(one.instanceId);
    expect(one.owner.startsWith(`${one.instanceId}/`)).toBe(true);
    expect(two.owner).not.toBe(one.owner);
    expect(processIdentity({ PORT: 3000, ZHIBU_INSTANCE_ID: "zhibu-1" }).instanceId).toBe("zhibu-1");
  });
});
