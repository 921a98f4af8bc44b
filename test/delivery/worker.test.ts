import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Models } from "../../src/db/models/index.js";
import type { OutboxItem } from "../../src/db/models/outbox.js";
import { enqueueMessage, larkUuid, requestCardRefresh, reviveDead } from "../../src/delivery/outbox.js";
import { DEFAULT_RATE_LIMITS, RateLimiter, type RateLimits } from "../../src/delivery/rateLimiter.js";
import type { DeliveryWorker } from "../../src/delivery/worker.js";
import { systemClock } from "../../src/domain/clock.js";
import { createLogger } from "../../src/logger.js";
import type { Target } from "../../src/lark/types.js";
import {
  startFakeLark,
  type FakeCall,
  type FakeLark,
  type FakeLarkOptions,
} from "../../scripts/bench/fakeLark.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { LARK_BASE, LarkMock } from "../helpers/larkMock.js";
import {
  buildWorker,
  FAST_LIMITS,
  groupBy,
  maxPerWindow,
  otherInstanceModels,
  outboxById,
} from "./helpers.js";
import { trusted } from "../../src/db/connection.js";
import { seedMembers } from "../helpers/factories.js";

let db: TestDb;
/** Run after each test, last registered first: fakes, workers, extra connections. */
let cleanups: (() => Promise<unknown> | void)[] = [];

beforeAll(async () => {
  db = await openTestDb("delivery_worker");
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  await Promise.all([db.models.Outbox.deleteMany({}), db.models.Member.deleteMany({})]);
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

/** A polling worker (retries become due with time), stopped and settled after the test. */
function started(worker: DeliveryWorker, pollMs = 25): DeliveryWorker {
  worker.start(pollMs);
  cleanups.push(async () => {
    worker.stop();
    await worker.idle();
  });
  return worker;
}

let keySeq = 0;
/** Enqueues text messages, a few at a time; returns their keys in order. */
async function enqueueAll(
  models: Models,
  targets: Target[],
  options: { branchId?: string | null; prefix?: string } = {},
): Promise<string[]> {
  const prefix = options.prefix ?? `msg${++keySeq}`;
  const keys = targets.map((_, i) => `${prefix}:${String(i).padStart(4, "0")}`);
  for (let i = 0; i < targets.length; i += 50) {
    await Promise.all(
      targets.slice(i, i + 50).map((target, j) =>
        enqueueMessage(models, systemClock, {
          key: keys[i + j]!,
          branchId: options.branchId ?? null,
          target,
          content: { text: `消息 ${keys[i + j]}` },
          description: `测试消息 ${keys[i + j]}`,
        }),
      ),
    );
  }
  return keys;
}

const users = (n: number, prefix = "ou_user") =>
  Array.from({ length: n }, (_, i) => ({ openId: `${prefix}_${String(i).padStart(4, "0")}` }));
const chats = (n: number, chatId: string) => Array.from({ length: n }, () => ({ chatId }));

async function statuses(models: Models): Promise<Record<string, number>> {
  const items = await models.Outbox.find({}, { status: 1 }).lean<Pick<OutboxItem, "status">[]>();
  const counts: Record<string, number> = {};
  for (const item of items) counts[item.status] = (counts[item.status] ?? 0) + 1;
  return counts;
}

/** Calls made to the fake, by uuid. */
const callsByUuid = (fake: FakeLark) => groupBy(fake.calls, (c) => c.uuid);
/** Messages a user would see, by uuid: more than one for a uuid is a visible duplicate. */
const messagesByUuid = (fake: FakeLark) => groupBy(fake.messages, (m) => m.uuid);

describe("idempotent enqueue and send (nock)", () => {
  it("enqueues a key once, sends it once, and never sends a sent item again", async () => {
    new LarkMock();
    const sent: Record<string, unknown>[] = [];
    nock(LARK_BASE)
      .persist()
      .post("/open-apis/im/v1/messages")
      .query({ receive_id_type: "chat_id" })
      .reply(200, (_uri, body) => {
        sent.push(body as Record<string, unknown>);
        return { code: 0, msg: "success", data: { message_id: `om_${sent.length}` } };
      });
    const request = {
      key: "meeting:M1:remind:T-24h",
      branchId: "B1",
      target: { chatId: "oc_b1" },
      content: { text: "明天 14:00 支部党员大会" },
      description: "会议 M1 提前 24 小时提醒",
    };
    expect(await enqueueMessage(db.models, systemClock, request)).toBe(true);
    expect(await enqueueMessage(db.models, systemClock, request)).toBe(false);
    expect(await db.models.Outbox.countDocuments({})).toBe(1);

    const worker = buildWorker(db.models);
    expect(await worker.wake()).toBe(1);
    await worker.idle();
    expect(await worker.wake()).toBe(0);
    expect(await worker.wake()).toBe(0);
    // Enqueueing it again after it was sent changes nothing either.
    expect(await enqueueMessage(db.models, systemClock, request)).toBe(false);
    expect(await worker.wake()).toBe(0);
    await worker.idle();

    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ receive_id: "oc_b1", uuid: larkUuid(request.key), msg_type: "text" });
    const item = await outboxById(db.models, request.key);
    expect(item).toMatchObject({ status: "sent", attempts: 1, sentMessageId: "om_1" });
  });
});

describe("several workers, crashes (local fake Lark)", () => {
  it("two workers draining 200 items at once send every item exactly once", async () => {
    const fake = await fakeLark();
    const other = await otherInstanceModels(db);
    cleanups.push(() => other.close());
    const keys = await enqueueAll(db.models, [...users(150), ...chats(25, "oc_x"), ...chats(25, "oc_y")]);
    const sentBy = [0, 0];
    const countingLogger = (index: number) =>
      createLogger("info", {
        write: (line: string) => {
          if (line.includes('"outcome":"sent"')) sentBy[index]!++;
        },
      });
    const options = { domain: fake.url, limits: FAST_LIMITS, concurrency: 10 };
    const one = started(buildWorker(db.models, { ...options, logger: countingLogger(0) }), 10);
    const two = started(buildWorker(other.models, { ...options, logger: countingLogger(1) }), 10);

    await Promise.all([one.wake(), two.wake()]);
    await fake.waitFor(() => fake.messages.length === 200, 20_000, "200 messages");
    for (const worker of [one, two]) worker.stop();
    await Promise.all([one.idle(), two.idle()]);

    // Both took part, and each item was claimed by one of them, once.
    expect(sentBy[0]).toBeGreaterThan(0);
    expect(sentBy[1]).toBeGreaterThan(0);
    expect(sentBy[0]! + sentBy[1]!).toBe(200);
    const byUuid = callsByUuid(fake);
    expect(fake.calls).toHaveLength(200);
    expect([...byUuid.keys()].sort()).toEqual(keys.map(larkUuid).sort());
    expect([...byUuid.values()].every((calls) => calls.length === 1)).toBe(true);
    expect(await statuses(db.models)).toEqual({ sent: 200 });
    expect(await db.models.Outbox.countDocuments({ attempts: trusted({ $ne: 1 }) })).toBe(0);
  }, 90_000);

  it("after a crash in the middle of a 500-recipient batch, every recipient sees exactly one message", async () => {
    // Worker 1's first 200 sends succeed; the next 5 reach Lark (the message is shown) but the
    // answer never comes back; the 5 after those never reach Lark. With 10 slots all hanging,
    // worker 1 makes no further progress: it has crashed, as far as the outbox can tell.
    let crashed = false;
    const fake = await fakeLark({
      intercept: (call) => {
        if (crashed || call.seq <= 200) return undefined;
        return { hang: true, deliver: call.seq <= 205 };
      },
    });
    const recipients = users(500, "ou_member");
    const keys = await enqueueAll(db.models, recipients, { prefix: "notice:N1" });
    const first = await otherInstanceModels(db);
    cleanups.push(() => first.close());
    const one = buildWorker(first.models, { domain: fake.url, limits: FAST_LIMITS, concurrency: 10 });
    cleanups.push(async () => {
      // Let the zombie's hung requests fail now (they find their items sent: no effect).
      fake.releaseHung();
      await one.idle();
    });
    void one.wake();
    await fake.waitFor(() => fake.calls.filter((c) => c.outcome === "hung").length === 10, 20_000, "10 hung");
    crashed = true;
    const stuck = await db.models.Outbox.find({ status: "sending" }).lean<OutboxItem[]>();
    expect(stuck.length).toBeGreaterThanOrEqual(10);
    expect(fake.messages).toHaveLength(205);
    // The crash happened a while ago: the claims' leases have lapsed (nobody renews them).
    await db.models.Outbox.updateMany(
      { status: "sending" },
      { $set: { leaseUntil: new Date(Date.now() - 5_000) } },
    );

    const two = buildWorker(db.models, {
      domain: fake.url,
      limits: FAST_LIMITS,
      concurrency: 20,
      staleClaimMs: 1_000,
    });
    await two.wake();
    await two.idle();

    expect(await statuses(db.models)).toEqual({ sent: 500 });
    // One visible message per recipient (the fake shows a repeated uuid once, as Lark does).
    const perRecipient = groupBy(fake.messages, (m) => m.receiveId);
    expect(perRecipient.size).toBe(500);
    expect([...perRecipient.values()].every((messages) => messages.length === 1)).toBe(true);
    expect(new Set(fake.messages.map((m) => m.uuid))).toEqual(new Set(keys.map(larkUuid)));
    // The 5 shown-but-unanswered were sent again with their uuid and de-duplicated, not shown twice.
    const resent = fake.calls.filter((c) => c.outcome === "duplicate");
    expect(resent).toHaveLength(5);
    const hungShown = fake.calls.filter((c) => c.outcome === "hung" && c.seq <= 205).map((c) => c.uuid);
    expect(resent.map((c) => c.uuid).sort()).toEqual(hungShown.sort());
  }, 90_000);
});

describe("rate limits and retries (local fake Lark enforcing limits)", () => {
  const TEST_LIMITS: RateLimits = { ...DEFAULT_RATE_LIMITS, appPerSecond: 20 };
  /**
   * The limiter stamps a use when it admits it; the fake counts it when it arrives. When a block
   * ends (a 429 reset, a 230020 back-off) every waiter is admitted at once, and the SDK needs a few
   * ms of CPU per request before any of them is written, so such a burst arrives 50–150 ms late on
   * this machine while single sends arrive within a few ms. The default 20 ms widening does not
   * cover that difference (the fake then answers a few 429s); 150 ms does.
   */
  // 400 ms: CI runs other test files on both cores at the same time, which delays arrivals further.
  const ARRIVAL_SAFETY_MS = 400;
  const arrivalSafeLimiter = () => new RateLimiter({ safetyMs: ARRIVAL_SAFETY_MS });

  it("rides out a 429 (x-ogw-ratelimit-reset: 1) and 5xx answers without exceeding any limit", async () => {
    const failOnce = new Set<string>();
    const fake = await fakeLark({
      limits: TEST_LIMITS,
      intercept: (call) => {
        if (call.seq === 6) {
          return {
            status: 429,
            body: { code: 99991400, msg: "request trigger frequency limit" },
            headers: { "x-ogw-ratelimit-reset": "1" },
          };
        }
        if ([3, 17, 30].includes(call.seq) && call.uuid && !failOnce.has(call.uuid)) {
          failOnce.add(call.uuid);
          return call.seq === 17
            ? { status: 500, body: { code: 1500, msg: "internal error" } }
            : { status: 503, body: { msg: "upstream unavailable" } };
        }
        return undefined;
      },
    });
    const keys = await enqueueAll(db.models, [...chats(20, "oc_a"), ...chats(10, "oc_b"), ...users(20)]);
    const worker = started(
      buildWorker(db.models, { domain: fake.url, limits: TEST_LIMITS, limiter: arrivalSafeLimiter() }),
    );
    await worker.wake();
    await fake.waitFor(() => fake.messages.length === 50, 25_000, "50 messages");
    worker.stop();
    await worker.idle();

    expect(await statuses(db.models)).toEqual({ sent: 50 });
    const shown = messagesByUuid(fake);
    expect(shown.size).toBe(50);
    expect([...shown.values()].every((m) => m.length === 1)).toBe(true);
    expect(new Set(shown.keys())).toEqual(new Set(keys.map(larkUuid)));

    // The planned 429 and 5xx were the only errors: the fake never had to refuse a call.
    expect(fake.counts.rateLimited).toBe(0);
    const errors = fake.calls.filter((c) => c.status !== 200);
    expect(errors.map((c) => c.status).sort()).toEqual([429, 500, 503, 503]);

    // After the 429: that item's retry waited the reset, and nothing else was sent meanwhile
    // (calls already on their way when it was answered excepted: 250 ms grace).
    const limited = fake.calls.find((c) => c.status === 429)!;
    const retry = fake.calls.find((c) => c.uuid === limited.uuid && c.seq > limited.seq)!;
    expect(retry.at - limited.at).toBeGreaterThanOrEqual(1000);
    const duringReset = fake.calls.filter((c) => c.at > limited.at + 250 && c.at < limited.at + 1000);
    expect(duringReset).toEqual([]);
    // After a 5xx: retried after the back-off (≥ 1 s on the first attempt).
    for (const failed of errors.filter((c) => c.status >= 500)) {
      const again = fake.calls.find((c) => c.uuid === failed.uuid && c.seq > failed.seq)!;
      expect(again.at - failed.at).toBeGreaterThanOrEqual(1000);
    }

    // No window of 1 s ever held more calls than the app or a chat allows (all calls, failed ones too).
    expect(
      maxPerWindow(
        fake.calls.map((c) => c.at),
        1000,
      ),
    ).toBeLessThanOrEqual(TEST_LIMITS.appPerSecond);
    for (const [chat, calls] of groupBy(fake.calls, (c) => c.receiveId)) {
      const limit = chat.startsWith("oc_") ? TEST_LIMITS.perChatPerSecond : TEST_LIMITS.perUserPerSecond;
      expect(
        maxPerWindow(
          calls.map((c) => c.at),
          1000,
        ),
        chat,
      ).toBeLessThanOrEqual(limit);
    }
    // Chat oc_a's 20 messages really were paced at 5/s, not merely allowed to be.
    const chatA = fake.calls.filter((c) => c.receiveId === "oc_a" && c.status === 200).map((c) => c.at);
    expect(Math.max(...chatA) - Math.min(...chatA)).toBeGreaterThanOrEqual(3000);
  }, 90_000);

  it("backs off a chat answering 230020 while the other chats go on", async () => {
    // Back-off with the jitter at its top: attempt 1 waits exactly 2 s.
    vi.spyOn(Math, "random").mockReturnValue(1);
    let busyAnswered = false;
    const fake = await fakeLark({
      limits: DEFAULT_RATE_LIMITS,
      intercept: (call) => {
        if (call.receiveId !== "oc_busy" || busyAnswered) return undefined;
        busyAnswered = true;
        return { status: 400, body: { code: 230020, msg: "This chat is trigger rate limit." } };
      },
    });
    await enqueueAll(db.models, [...chats(10, "oc_busy"), ...chats(10, "oc_b"), ...chats(10, "oc_c")]);
    const worker = started(buildWorker(db.models, { domain: fake.url, limiter: arrivalSafeLimiter() }));
    await worker.wake();
    await fake.waitFor(() => fake.messages.length === 30, 25_000, "30 messages");
    worker.stop();
    await worker.idle();

    expect(await statuses(db.models)).toEqual({ sent: 30 });
    expect(fake.counts.rateLimited).toBe(0);
    const shown = messagesByUuid(fake);
    expect(shown.size).toBe(30);
    expect([...shown.values()].every((m) => m.length === 1)).toBe(true);

    const busy = fake.calls.find((c) => c.status === 400)!;
    const retry = fake.calls.find((c) => c.uuid === busy.uuid && c.seq > busy.seq)!;
    expect(retry.at - busy.at).toBeGreaterThanOrEqual(1995);
    // The chat was left alone for the back-off (2 s), its other messages as well as the failed one
    // (calls already on their way when the 230020 came back excepted: 250 ms grace).
    const busyCalls = fake.calls.filter((c) => c.receiveId === "oc_busy" && c.seq > busy.seq);
    expect(busyCalls.filter((c) => c.at > busy.at + 250 && c.at < busy.at + 1995)).toEqual([]);
    expect(busyCalls.filter((c) => c.at >= busy.at + 1995).length).toBeGreaterThanOrEqual(6);
    // Meanwhile the other chats went on at their own 5/s pace: their second round of 5 each came
    // ~1 s in, inside the busy chat's back-off.
    const others = (c: FakeCall) => c.receiveId === "oc_b" || c.receiveId === "oc_c";
    const duringBackoff = fake.calls.filter((c) => others(c) && c.at > busy.at + 250 && c.at < retry.at);
    expect(duringBackoff.length).toBeGreaterThanOrEqual(10);
    expect(Math.max(...fake.calls.filter(others).map((c) => c.at))).toBeLessThan(retry.at);
  }, 90_000);
});

describe("dead letters (nock)", () => {
  async function seedBranch() {
    await seedMembers(db.models, [
      { branchId: "B1", openId: "ou_sec_1", name: "张书记", role: "secretary" },
      { branchId: "B1", openId: "ou_sec_2", name: "李书记", role: "secretary" },
      { branchId: "B1", openId: "ou_sec_old", name: "王前书记", role: "secretary", active: false },
      { branchId: "B1", openId: "ou_committee", name: "赵委员", role: "committee" },
      { branchId: "B1", openId: "ou_member", name: "钱党员", role: "member" },
      { branchId: "B2", openId: "ou_sec_b2", name: "孙书记", role: "secretary" },
    ]);
  }

  /** Group sends answer `answer`; DMs succeed and are recorded. */
  function larkWithFailingChats(answer: () => [number, object]) {
    new LarkMock();
    const groupCalls: string[] = [];
    const dms: { receiveId: string; text: string }[] = [];
    nock(LARK_BASE)
      .persist()
      .post("/open-apis/im/v1/messages")
      .query({ receive_id_type: "chat_id" })
      .reply((_uri, body) => {
        groupCalls.push(String((body as { receive_id: string }).receive_id));
        return answer();
      });
    nock(LARK_BASE)
      .persist()
      .post("/open-apis/im/v1/messages")
      .query({ receive_id_type: "open_id" })
      .reply(200, (_uri, body) => {
        const { receive_id, content } = body as { receive_id: string; content: string };
        dms.push({ receiveId: receive_id, text: (JSON.parse(content) as { text: string }).text });
        return { code: 0, msg: "success", data: { message_id: `om_dm_${dms.length}` } };
      });
    return { groupCalls, dms };
  }

  const notInChat = (): [number, object] => [
    400,
    { code: 230002, msg: "Bot/User can NOT be out of the chat." },
  ];

  it("dead-letters a permanent error after one attempt and DMs each active secretary once per item", async () => {
    await seedBranch();
    const { groupCalls, dms } = larkWithFailingChats(notInChat);
    const [key] = await enqueueAll(db.models, [{ chatId: "oc_b1" }], { branchId: "B1", prefix: "remind:M1" });
    const worker = buildWorker(db.models, { maxAttempts: 5 });
    await worker.wake();
    await worker.idle();

    expect(groupCalls).toEqual(["oc_b1"]);
    const dead = await outboxById(db.models, key!);
    expect(dead).toMatchObject({ status: "dead", attempts: 1 });
    expect(dead!.lastError).toContain("230002");
    expect(dms.map((d) => d.receiveId).sort()).toEqual(["ou_sec_1", "ou_sec_2"]);
    expect(dms[0]!.text).toContain(`测试消息 ${key}`);
    // (Filtered here: SecantusDB finds nothing for a BSON regex on _id under a compound _id index.)
    const letters = (await db.models.Outbox.find({}).lean<OutboxItem[]>()).filter((item) =>
      item._id.startsWith("dead-letter:"),
    );
    expect(letters.map((l) => l._id).sort()).toEqual([
      `dead-letter:${key}:ou_sec_1`,
      `dead-letter:${key}:ou_sec_2`,
    ]);
    expect(letters.every((l) => l.status === "sent" && l.branchId === "B1")).toBe(true);

    // Never retried on its own.
    expect(await worker.wake()).toBe(0);
    await worker.idle();
    expect(groupCalls).toHaveLength(1);

    // Retried by hand (/提醒 重试) and dead again: sent once more, and each secretary told
    // again (a new death), once however often the worker runs.
    expect(await reviveDead(db.models, systemClock, key!, "B1")).toBe(true);
    await worker.wake();
    await worker.idle();
    expect(groupCalls).toHaveLength(2);
    expect(await outboxById(db.models, key!)).toMatchObject({ status: "dead", attempts: 1, deaths: 2 });
    expect(dms).toHaveLength(4);
    expect(
      dms
        .slice(2)
        .map((d) => d.receiveId)
        .sort(),
    ).toEqual(["ou_sec_1", "ou_sec_2"]);
    expect(dms.slice(2).every((d) => d.text.includes("第 2 次") && d.text.includes(`测试消息 ${key}`))).toBe(
      true,
    );
    expect(await worker.wake()).toBe(0);
    await worker.idle();
    expect(dms).toHaveLength(4);

    // A different item that dies gets its own DM to each secretary.
    const [otherKey] = await enqueueAll(db.models, [{ chatId: "oc_b1" }], {
      branchId: "B1",
      prefix: "remind:M2",
    });
    await worker.wake();
    await worker.idle();
    expect(dms).toHaveLength(6);
    expect(dms.slice(4).every((d) => d.text.includes(`测试消息 ${otherKey}`))).toBe(true);
  });

  it("dead-letters a transient failure after maxAttempts, DMing the secretaries once", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0); // back-off at its floor: 1 s after attempt 1
    await seedBranch();
    const { groupCalls, dms } = larkWithFailingChats(() => [503, { msg: "upstream unavailable" }]);
    const [key] = await enqueueAll(db.models, [{ chatId: "oc_b1" }], { branchId: "B1" });
    const worker = started(buildWorker(db.models, { maxAttempts: 2 }));
    await worker.wake();
    expect(await outboxById(db.models, key!)).toMatchObject({ status: "pending", attempts: 1 });
    await vi.waitFor(
      async () => expect(await outboxById(db.models, key!)).toMatchObject({ status: "dead" }),
      { timeout: 10_000, interval: 50 },
    );
    await worker.idle();
    expect(groupCalls).toHaveLength(2);
    expect(dms.map((d) => d.receiveId).sort()).toEqual(["ou_sec_1", "ou_sec_2"]);
    expect(await outboxById(db.models, key!)).toMatchObject({ status: "dead", attempts: 2 });
  });
});

describe("card refresh coalescing (nock)", () => {
  it("turns 20 refresh requests during sending into a few PATCHes, the last one showing the latest state", async () => {
    new LarkMock();
    const patches: { at: number; counter: number }[] = [];
    nock(LARK_BASE)
      .persist()
      .patch("/open-apis/im/v1/messages/om_card_1")
      .delay(100)
      .reply(200, (_uri, body) => {
        const card = JSON.parse((body as { content: string }).content) as { counter: number };
        patches.push({ at: performance.now(), counter: card.counter });
        return { code: 0, msg: "success", data: {} };
      });
    let state = 0;
    const worker = buildWorker(db.models, {
      renderers: { meeting: async () => ({ counter: state }) },
    });
    const request = {
      messageId: "om_card_1",
      branchId: "B1",
      render: { type: "meeting", id: "M1" },
      description: "会议 M1 卡片刷新",
    };
    for (let i = 1; i <= 20; i++) {
      state = i;
      await requestCardRefresh(db.models, systemClock, request);
      void worker.wake();
    }
    await worker.idle();

    expect(patches.length).toBeGreaterThanOrEqual(1);
    expect(patches.length).toBeLessThanOrEqual(4);
    expect(patches.at(-1)!.counter).toBe(20);
    const item = await outboxById(db.models, "card:om_card_1");
    expect(item).toMatchObject({ kind: "card-refresh", status: "sent", requested: 20 });
    // Nothing left to do: waking again sends nothing.
    expect(await worker.wake()).toBe(0);
    expect(patches.at(-1)!.counter).toBe(20);
  });
  it("never loses a refresh asked for while a PATCH is on its way", async () => {
    new LarkMock();
    const patches: number[] = [];
    let firstPatchArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (firstPatchArrived = resolve));
    let releaseFirstPatch!: () => void;
    const released = new Promise<void>((resolve) => (releaseFirstPatch = resolve));
    nock(LARK_BASE)
      .persist()
      .patch("/open-apis/im/v1/messages/om_card_2")
      .reply(async (_uri, body) => {
        patches.push((JSON.parse((body as { content: string }).content) as { counter: number }).counter);
        if (patches.length === 1) {
          firstPatchArrived();
          await released;
        }
        return [200, { code: 0, msg: "success", data: {} }];
      });
    let state = 1;
    const worker = buildWorker(db.models, { renderers: { meeting: async () => ({ counter: state }) } });
    const request = {
      messageId: "om_card_2",
      branchId: "B1",
      render: { type: "meeting", id: "M2" },
      description: "会议 M2 卡片刷新",
    };
    await requestCardRefresh(db.models, systemClock, request);
    void worker.wake();
    await arrived;
    // The card was rendered with state 1 and is being patched: 19 more answers come in.
    for (state = 2; state <= 20; state++) {
      await requestCardRefresh(db.models, systemClock, request);
      void worker.wake();
    }
    state = 20;
    releaseFirstPatch();
    await worker.idle();

    expect(patches).toEqual([1, 20]);
    expect(await outboxById(db.models, "card:om_card_2")).toMatchObject({ status: "sent", requested: 20 });
  });
});

describe("robustness", () => {
  it("survives a database error while recording a failure: no unhandled rejection, the claim goes stale", async () => {
    new LarkMock();
    nock(LARK_BASE).post("/open-apis/im/v1/messages").query(true).reply(503, { msg: "upstream unavailable" });
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on("unhandledRejection", onRejection);
    cleanups.push(() => void process.off("unhandledRejection", onRejection));

    // The database fails exactly when the worker records the failed attempt.
    const outbox = db.models.Outbox;
    const brokenOutbox = new Proxy(outbox, {
      get(target, property, receiver) {
        if (property !== "updateOne") return Reflect.get(target, property, receiver) as unknown;
        return (filter: Record<string, unknown>, update: { $set?: { status?: string } }) =>
          update.$set?.status === "pending"
            ? Promise.reject(new Error("connection to the database lost"))
            : target.updateOne(filter, update);
      },
    });
    const [key] = await enqueueAll(db.models, [{ chatId: "oc_b1" }]);
    const worker = buildWorker({ ...db.models, Outbox: brokenOutbox } as Models);
    await expect(worker.wake()).resolves.toBe(1);
    await worker.idle();
    await new Promise((resolve) => setImmediate(resolve));

    expect(rejections).toEqual([]);
    // Left claimed, as after a crash: a worker taking over stale claims sends it later.
    expect(await outboxById(db.models, key!)).toMatchObject({ status: "sending", attempts: 1 });
  });

  it("survives a database error while looking for due items: wake() resolves, the next wake sends", async () => {
    new LarkMock().expectSend(1);
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on("unhandledRejection", onRejection);
    cleanups.push(() => void process.off("unhandledRejection", onRejection));
    let failFinds = 1;
    const outbox = db.models.Outbox;
    const flakyOutbox = new Proxy(outbox, {
      get(target, property, receiver) {
        if (property !== "find") return Reflect.get(target, property, receiver) as unknown;
        return (...args: Parameters<typeof outbox.find>) => {
          if (failFinds-- > 0) throw new Error("connection to the database lost");
          return target.find(...args);
        };
      },
    });
    const [key] = await enqueueAll(db.models, [{ chatId: "oc_b1" }]);
    const worker = buildWorker({ ...db.models, Outbox: flakyOutbox } as Models);
    // Fired and forgotten, as the bot's handlers do: must not reject.
    void worker.wake();
    await worker.idle();
    await new Promise((resolve) => setImmediate(resolve));
    expect(rejections).toEqual([]);
    expect(await outboxById(db.models, key!)).toMatchObject({ status: "pending", attempts: 0 });

    await expect(worker.wake()).resolves.toBe(1);
    expect(await outboxById(db.models, key!)).toMatchObject({ status: "sent", attempts: 1 });
  });
});
