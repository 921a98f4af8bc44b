import { describe, expect, it } from "vitest";
import {
  APP_RATE_KEY,
  DEFAULT_RATE_LIMITS,
  DEFAULT_SAFETY_MS,
  RateLimiter,
  type RateRule,
  rulesFor,
  type SendKind,
} from "../../src/delivery/rateLimiter.js";

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Virtual time: `sleep` registers a timer; `run` advances to each timer in turn. */
class FakeClock {
  t = 0;
  sleeps = 0;
  private timers: { at: number; seq: number; resolve: () => void }[] = [];
  private seq = 0;

  readonly now = () => this.t;
  readonly sleep = (ms: number) => {
    this.sleeps++;
    return new Promise<void>((resolve) => this.timers.push({ at: this.t + ms, seq: this.seq++, resolve }));
  };

  /** Fires timers in time order until `done` settles; fails on a deadlock. */
  async run<T>(done: Promise<T>): Promise<T> {
    let settled = false;
    done.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (;;) {
      await flush();
      if (settled) return done;
      if (!this.fireNext(Number.POSITIVE_INFINITY)) throw new Error("deadlock: waiters but no timer");
    }
  }

  /** Advances by `ms`, firing the timers due meanwhile. */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    await flush();
    while (this.fireNext(target)) await flush();
    this.t = target;
    await flush();
  }

  private fireNext(limit: number): boolean {
    this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = this.timers[0];
    if (!next || next.at > limit) return false;
    this.timers.shift();
    this.t = Math.max(this.t, next.at);
    next.resolve();
    return true;
  }
}

function setup(safetyMs?: number) {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ now: clock.now, sleep: clock.sleep, safetyMs });
  return { clock, limiter };
}

/** Issues every acquisition at once and returns the (fake) time at which each one proceeded. */
async function acquireAll(clock: FakeClock, limiter: RateLimiter, calls: RateRule[][]): Promise<number[]> {
  const times: number[] = new Array<number>(calls.length);
  await clock.run(
    Promise.all(calls.map((rules, i) => limiter.acquire(rules).then(() => (times[i] = clock.t)))),
  );
  return times;
}

/** Largest number of times in any half-open interval [a, a + windowMs). */
function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let lo = 0, hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

const appRule: RateRule = { key: APP_RATE_KEY, limit: 50, windowMs: 1000 };
const chat = (chatId: string): SendKind => ({ kind: "send", chatId });
const sendRules = (chatId: string, share?: number) => rulesFor(chat(chatId), DEFAULT_RATE_LIMITS, share);

/** Time of the last of n sends at 50/s and 1000/min, each window widened by `safety` (n ≤ 2000). */
function floorMs(n: number, safety: number): number {
  const k = n - 1;
  const batches = (uses: number) => Math.floor(uses / 50) * (1000 + safety);
  return k < 1000 ? batches(k) : 60_000 + safety + batches(k - 1000);
}

describe("rulesFor", () => {
  it("gives the app, chat, user and card budgets with the documented keys", () => {
    expect(DEFAULT_RATE_LIMITS).toEqual({
      appPerSecond: 50,
      appPerMinute: 1000,
      perChatPerSecond: 5,
      perUserPerSecond: 5,
      perCardPerSecond: 5,
    });
    const app = [
      { key: "app", limit: 50, windowMs: 1000 },
      { key: "app", limit: 1000, windowMs: 60_000 },
    ];
    expect(rulesFor(chat("oc_1"), DEFAULT_RATE_LIMITS)).toEqual([
      ...app,
      { key: "chat:oc_1", limit: 5, windowMs: 1000 },
    ]);
    expect(rulesFor({ kind: "send", openId: "ou_1" }, DEFAULT_RATE_LIMITS)).toEqual([
      ...app,
      { key: "user:ou_1", limit: 5, windowMs: 1000 },
    ]);
    expect(rulesFor({ kind: "patch", messageId: "om_1" }, DEFAULT_RATE_LIMITS)).toEqual([
      ...app,
      { key: "card:om_1", limit: 5, windowMs: 1000 },
    ]);
  });

  it("divides only the app budget by share, floored, at least 1", () => {
    const appLimits = (share: number) => sendRules("c", share).map((r) => r.limit);
    expect(appLimits(2)).toEqual([25, 500, 5]);
    expect(appLimits(3)).toEqual([16, 333, 5]);
    expect(appLimits(100)).toEqual([1, 10, 5]);
    expect(appLimits(5000)).toEqual([1, 1, 5]);
    expect(() => appLimits(0.5)).toThrow(RangeError);
    expect(() => appLimits(Number.NaN)).toThrow(RangeError);
  });
});

describe("RateLimiter", () => {
  it("lets 120 acquisitions of a 50/s rule through with never more than 50 in any second", async () => {
    const { clock, limiter } = setup();
    const times = await acquireAll(
      clock,
      limiter,
      Array.from({ length: 120 }, () => [appRule]),
    );
    expect(times).toHaveLength(120);
    expect(maxInWindow(times, 1000)).toBe(50);
    // The safety margin widens the window as documented.
    expect(maxInWindow(times, 1000 + DEFAULT_SAFETY_MS)).toBe(50);
    expect(Math.max(...times)).toBe(2 * (1000 + DEFAULT_SAFETY_MS));
  });

  it("keeps each chat at 5/s independently of other chats", async () => {
    const { clock, limiter } = setup(0);
    // All of A's callers queue before B's.
    const calls = Array.from({ length: 40 }, (_, i) => sendRules(i < 20 ? "A" : "B"));
    const times = await acquireAll(clock, limiter, calls);
    const a = times.slice(0, 20);
    const b = times.slice(20);
    expect(maxInWindow(a, 1000)).toBe(5);
    expect(maxInWindow(b, 1000)).toBe(5);
    // Both chats progress in parallel: A's queue does not slow B down.
    expect(b).toEqual(a);
    expect(Math.max(...times)).toBe(3000);

    // A third chat is not held up by the saturated ones.
    const burst = Array.from({ length: 10 }, () => limiter.acquire(sendRules("A")));
    let cDone = false;
    void limiter.acquire(sendRules("C")).then(() => (cDone = true));
    await flush();
    expect(cDone).toBe(true);
    await clock.run(Promise.all(burst));
  });

  it("spends the 1000/min budget: 1020 sends take a minute, and no window is oversubscribed", async () => {
    const { clock, limiter } = setup();
    const times = await acquireAll(
      clock,
      limiter,
      Array.from({ length: 1020 }, (_, i) => sendRules(`oc_${i}`)),
    );
    expect(Math.max(...times)).toBeGreaterThanOrEqual(60_000);
    expect(Math.max(...times)).toBeLessThanOrEqual(60_000 * 1.05);
    expect(maxInWindow(times, 60_000)).toBe(1000);
    expect(maxInWindow(times, 1000)).toBe(50);
  });

  it.each([50, 51, 500, 1000, 1001, 1020, 1500])(
    "sends %i messages within 5 percent of the theoretical floor",
    async (n) => {
      const { clock, limiter } = setup();
      const times = await acquireAll(
        clock,
        limiter,
        Array.from({ length: n }, (_, i) => sendRules(`oc_${i % 500}`)),
      );
      const elapsed = Math.max(...times);
      const floor = floorMs(n, 0);
      expect(elapsed).toBeGreaterThanOrEqual(floor);
      expect(elapsed).toBeLessThanOrEqual(floor * 1.05);
      expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(50);
      expect(maxInWindow(times, 60_000)).toBeLessThanOrEqual(1000);
    },
  );

  it("block delays only the rules with that key, and never shortens a block", async () => {
    const { clock, limiter } = setup(0);
    limiter.block("chat:A", 5000);
    limiter.block("chat:A", 2000);
    expect(limiter.nextAvailable(sendRules("A"))).toBe(5000);
    expect(limiter.nextAvailable(sendRules("B"))).toBe(0);

    const done: Record<string, number> = {};
    const track = (name: string, p: Promise<void>) => p.then(() => (done[name] = clock.t));
    await clock.run(
      Promise.all([
        track("A", limiter.acquire(sendRules("A"))),
        track("B", limiter.acquire(sendRules("B"))),
        track("app", limiter.acquire([appRule])),
      ]),
    );
    expect(done).toEqual({ A: 5000, B: 0, app: 0 });

    // Blocking the app key holds every send back.
    limiter.block(APP_RATE_KEY, 8000);
    const [c, user] = await acquireAll(clock, limiter, [
      sendRules("C"),
      rulesFor({ kind: "send", openId: "ou_1" }, DEFAULT_RATE_LIMITS),
    ]);
    expect([c, user]).toEqual([8000, 8000]);
  });

  it("share 2 halves the app budget", async () => {
    const { clock, limiter } = setup(0);
    const times = await acquireAll(
      clock,
      limiter,
      Array.from({ length: 100 }, (_, i) => sendRules(`oc_${i}`, 2)),
    );
    expect(maxInWindow(times, 1000)).toBe(25);
    expect(Math.max(...times)).toBe(3000);
  });

  it("forgets idle keys, so memory stays bounded with thousands of chats", async () => {
    const { clock, limiter } = setup();
    const calls = Array.from({ length: 3000 }, (_, i) => limiter.acquire(sendRules(`oc_${i}`)));
    let peak = 0;
    let settled = false;
    void Promise.all(calls).then(() => (settled = true));
    while (!settled) {
      await clock.advance(250);
      peak = Math.max(peak, limiter.keyCount);
    }
    // Three minutes of sends; at any time only the chats of the last second or two are held.
    expect(clock.t).toBeGreaterThan(120_000);
    expect(peak).toBeLessThanOrEqual(200);

    limiter.block("chat:blocked", clock.t + 120_000);
    await clock.advance(61_000);
    await limiter.acquire(sendRules("late"));
    expect(limiter.keyCount).toBe(3); // app, late, and the still-blocked chat
    await clock.advance(61_000);
    await limiter.acquire(sendRules("later"));
    expect(limiter.keyCount).toBe(2);
  });

  it("never oversubscribes any key under many concurrent callers", async () => {
    const { clock, limiter } = setup(0);
    let seed = 42;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const ops: SendKind[] = Array.from({ length: 600 }, () => {
      const r = random();
      const id = String(Math.floor(random() * 4));
      if (r < 0.4) return { kind: "send", chatId: id };
      if (r < 0.7) return { kind: "send", openId: id };
      return { kind: "patch", messageId: id };
    });
    const calls = ops.map((op) => rulesFor(op, DEFAULT_RATE_LIMITS));
    // Half arrive at once, half in dribs while the first half is still queued.
    const all: Promise<number>[] = [];
    const issue = (rules: RateRule[]) => all.push(limiter.acquire(rules).then(() => clock.t));
    calls.slice(0, 300).forEach(issue);
    for (const rules of calls.slice(300)) {
      issue(rules);
      await clock.advance(7);
    }
    const times = await clock.run(Promise.all(all));

    const byKey = new Map<string, number[]>();
    calls.forEach((rules, i) => {
      for (const key of new Set(rules.map((r) => r.key)))
        byKey.set(key, [...(byKey.get(key) ?? []), times[i]!]);
    });
    expect(byKey.size).toBe(13);
    for (const [key, keyTimes] of byKey) {
      if (key === APP_RATE_KEY) {
        expect(maxInWindow(keyTimes, 1000)).toBeLessThanOrEqual(50);
        expect(maxInWindow(keyTimes, 60_000)).toBeLessThanOrEqual(1000);
      } else {
        expect(maxInWindow(keyTimes, 1000), key).toBeLessThanOrEqual(5);
      }
    }
  });

  it("admits synchronously: a burst in one tick gets exactly the limit, without time passing", async () => {
    const { clock, limiter } = setup();
    let admitted = 0;
    for (let i = 0; i < 80; i++) void limiter.acquire([appRule]).then(() => admitted++);
    await flush();
    expect(admitted).toBe(50);
    expect(clock.t).toBe(0);
    await clock.advance(1000);
    expect(admitted).toBe(50); // the safety margin still holds them back
    await clock.advance(20);
    expect(admitted).toBe(80);
  });

  it("serves waiters on one key in FIFO order, sleeping until the next slot instead of polling", async () => {
    const { clock, limiter } = setup();
    const order: number[] = [];
    const calls = Array.from({ length: 30 }, (_, i) =>
      limiter.acquire(sendRules("A")).then(() => order.push(i)),
    );
    await clock.run(Promise.all(calls));
    expect(order).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(clock.t).toBe(5 * 1020);
    // One wake-up per freed window, not a poll loop.
    expect(clock.sleeps).toBeLessThanOrEqual(6);
  });

  it("does not let a newcomer overtake an earlier waiter whose slot has come", async () => {
    const { clock, limiter } = setup(0);
    const order: string[] = [];
    for (let i = 0; i < 5; i++) await limiter.acquire(sendRules("A"));
    const early = limiter.acquire(sendRules("A")).then(() => order.push("early"));
    // Time reaches the free slot, but the wake-up has not run yet when the newcomer arrives.
    clock.t = 1000;
    const late = limiter.acquire(sendRules("A")).then(() => order.push("late"));
    await clock.run(Promise.all([early, late]));
    expect(order).toEqual(["early", "late"]);
  });

  it("reports the next available time", async () => {
    const { limiter } = setup();
    const rules = sendRules("A");
    expect(limiter.nextAvailable(rules)).toBe(0);
    for (let i = 0; i < 5; i++) await limiter.acquire(rules);
    expect(limiter.nextAvailable(rules)).toBe(1000 + DEFAULT_SAFETY_MS);
    expect(limiter.nextAvailable(sendRules("B"))).toBe(0);
  });

  it("rejects rules that could never admit anything", () => {
    const limiter = new RateLimiter();
    expect(() => limiter.acquire([{ key: "k", limit: 0, windowMs: 1000 }])).toThrow(RangeError);
    expect(() => limiter.nextAvailable([{ key: "k", limit: 1, windowMs: 0 }])).toThrow(RangeError);
    expect(() => new RateLimiter({ safetyMs: -1 })).toThrow(RangeError);
    expect(() => limiter.block("k", Number.NaN)).toThrow(RangeError);
  });

  it("works with the real clock and setTimeout by default", async () => {
    const limiter = new RateLimiter({ safetyMs: 0 });
    const rule: RateRule = { key: "k", limit: 2, windowMs: 40 };
    const start = Date.now();
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, () => limiter.acquire([rule]).then(() => times.push(Date.now()))),
    );
    expect(Date.now() - start).toBeGreaterThanOrEqual(80);
    // Stamps taken in the callbacks can lag the limiter's by a little.
    expect(maxInWindow(times, 30)).toBeLessThanOrEqual(2);
  });
});
