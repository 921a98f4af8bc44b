/**
 * Client-side rate limiting for Lark's message APIs.
 *
 * Lark allows, per app, 50 send/reply/PATCH calls per second and 1000 per minute; per chat and
 * per receiving user 5 per second; per card (message) 5 PATCH per second. Over a limit it answers
 * 429 (code 99991400) with `x-ogw-ratelimit-reset` in seconds, or message-level code 230020
 * ("chat too busy"). This module keeps us under those limits so that 429s are the exception, and
 * lets callers honour a reset or back-off with `block`.
 *
 * The limiter is a sliding-window log per key: a key's log holds the times of its recent uses, and
 * a rule `{ key, limit, windowMs }` admits a use at time T only if the log holds fewer than `limit`
 * uses in the half-open interval (T − windowMs − safetyMs, T]. Rules that share a key share one log
 * (the per-app per-second and per-minute rules both use `APP_RATE_KEY`), and one acquisition
 * records one use per distinct key. A key's log keeps only what its rules can still count (the last
 * `limit` uses within the longest window seen), so give a key the same set of rules every time, as
 * `rulesFor` does.
 *
 * Memory: keys with no countable use and no block in force are swept at most once a second, so a
 * deployment with thousands of chats holds only those used within the last window or so.
 *
 * The module is pure: no I/O, time comes from the injected `now`, waiting from the injected `sleep`.
 */

/** One constraint: at most `limit` uses of `key` in any interval of `windowMs`. */
export interface RateRule {
  key: string;
  limit: number;
  windowMs: number;
}

export interface RateLimits {
  appPerSecond: number;
  appPerMinute: number;
  perChatPerSecond: number;
  perUserPerSecond: number;
  perCardPerSecond: number;
}

/** Lark's published limits for send, reply and PATCH of messages. */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  appPerSecond: 50,
  appPerMinute: 1000,
  perChatPerSecond: 5,
  perUserPerSecond: 5,
  perCardPerSecond: 5,
};

export type SendKind =
  { kind: "send"; chatId: string } | { kind: "send"; openId: string } | { kind: "patch"; messageId: string };

/** Key of the per-app budget (shared by the per-second and per-minute rules). */
export const APP_RATE_KEY = "app";
/** Key of one chat's budget; `block(chatRateKey(id), …)` after a 230020 for that chat. */
export const chatRateKey = (chatId: string): string => `chat:${chatId}`;
/** Key of one receiving user's budget (messages sent with `receive_id_type=open_id`). */
export const userRateKey = (openId: string): string => `user:${openId}`;
/** Key of one card's PATCH budget. */
export const cardRateKey = (messageId: string): string => `card:${messageId}`;

/**
 * The rules one call must satisfy. `share` divides the per-app budget between instances (1 = this
 * is the only instance): appPerSecond/share, appPerMinute/share, floored, at least 1. The per-chat,
 * per-user and per-card budgets are not divided.
 */
export function rulesFor(op: SendKind, limits: RateLimits = DEFAULT_RATE_LIMITS, share = 1): RateRule[] {
  if (!Number.isFinite(share) || share < 1) throw new RangeError(`share must be a number ≥ 1, got ${share}`);
  const app = (limit: number) => Math.max(1, Math.floor(limit / share));
  const rules: RateRule[] = [
    { key: APP_RATE_KEY, limit: app(limits.appPerSecond), windowMs: 1000 },
    { key: APP_RATE_KEY, limit: app(limits.appPerMinute), windowMs: 60_000 },
  ];
  if (op.kind === "patch") {
    rules.push({ key: cardRateKey(op.messageId), limit: limits.perCardPerSecond, windowMs: 1000 });
  } else if ("chatId" in op) {
    rules.push({ key: chatRateKey(op.chatId), limit: limits.perChatPerSecond, windowMs: 1000 });
  } else {
    rules.push({ key: userRateKey(op.openId), limit: limits.perUserPerSecond, windowMs: 1000 });
  }
  return rules;
}

/**
 * Default widening of every window. A use is stamped here, before the request leaves; Lark counts
 * it when the request reaches its gateway, a variable time later. If the first use of a window
 * travels slower than the 51st, Lark can see both inside one second although we spaced them exactly
 * 1000 ms apart. Widening each window by 20 ms absorbs that jitter for ~2 % of throughput; the
 * rare 429 that still gets through is handled by the caller with `block`.
 */
export const DEFAULT_SAFETY_MS = 20;

/** How often idle keys are swept from memory (at most; sweeps piggyback on calls). */
const SWEEP_INTERVAL_MS = 1000;

interface KeyState {
  /** Times of recent uses, ascending; at most `maxLimit` entries, none older than `retentionMs`. */
  times: number[];
  /** Longest widened window seen for this key: older uses can never matter again. */
  retentionMs: number;
  /** Largest limit seen for this key: only the last `maxLimit` uses can matter. */
  maxLimit: number;
  /** No use before this time (a 429 reset or a 230020 back-off); 0 = none. */
  blockedUntil: number;
}

interface Waiter {
  rules: RateRule[];
  resolve: () => void;
}

export interface RateLimiterOptions {
  /** Clock in ms; default `Date.now` (so `block(key, Date.now() + reset * 1000)` lines up). */
  now?: () => number;
  /** Waits `ms`; default `setTimeout`. */
  sleep?: (ms: number) => Promise<void>;
  /** Widening of every window, see `DEFAULT_SAFETY_MS`. */
  safetyMs?: number;
}

export class RateLimiter {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly safetyMs: number;
  private readonly keys = new Map<string, KeyState>();
  /** Callers still waiting, in arrival order. */
  private readonly queue: Waiter[] = [];
  /** Wake-up times of sleeps in flight (normally one). */
  private readonly wakeups = new Set<number>();
  private lastSweep = Number.NEGATIVE_INFINITY;
  /**
   * No queued waiter can proceed before this time (records and blocks only push readiness later),
   * so a newcomer arriving earlier need not rescan the queue. Infinity when the queue is empty.
   */
  private nextReady = Number.POSITIVE_INFINITY;

  constructor(options: RateLimiterOptions = {}) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.safetyMs = options.safetyMs ?? DEFAULT_SAFETY_MS;
    if (!Number.isFinite(this.safetyMs) || this.safetyMs < 0) {
      throw new RangeError(`safetyMs must be a number ≥ 0, got ${this.safetyMs}`);
    }
  }

  /**
   * Waits until every rule has room, then records one use in each (check and record are
   * synchronous, so concurrent callers can never oversubscribe). Waiters are served in arrival
   * order among those that have room: a caller never overtakes an earlier one that could proceed,
   * but a caller whose chat is saturated does not hold up callers for other chats.
   */
  acquire(rules: RateRule[], options: { priority?: boolean } = {}): Promise<void> {
    for (const rule of rules) validate(rule);
    // A priority caller (a person waiting for an answer, a retry due now) goes before the queue.
    const enqueue = (waiter: Waiter) =>
      options.priority ? this.queue.unshift(waiter) : this.queue.push(waiter);
    return new Promise<void>((resolve) => {
      const now = this.now();
      this.sweep(now);
      if (now >= this.nextReady) {
        // An earlier waiter may have room by now: serve the queue in order first.
        enqueue({ rules, resolve });
        this.pump();
        return;
      }
      // No queued waiter can proceed before `nextReady`, so only the newcomer needs checking.
      const at = this.readyAt(rules, now);
      if (at <= now) {
        this.record(rules, now);
        resolve();
        return;
      }
      enqueue({ rules, resolve });
      this.nextReady = Math.min(this.nextReady, at);
      this.wakeAt(at, now);
    });
  }

  /**
   * Counts uses made before this limiter existed (e.g. by the previous process, read back from the
   * database at a restart) against `rules`, so the first minute after a restart cannot pass the
   * per-minute budget. Times in ms on this limiter's clock; later than now counts as now.
   */
  seed(rules: RateRule[], timesMs: number[]): void {
    for (const rule of rules) validate(rule);
    const now = this.now();
    const sorted = timesMs.filter(Number.isFinite).map((t) => Math.min(t, now));
    for (const key of new Set(rules.map((r) => r.key))) {
      const state = this.state(key);
      for (const rule of rules.filter((r) => r.key === key)) {
        state.retentionMs = Math.max(state.retentionMs, rule.windowMs + this.safetyMs);
        state.maxLimit = Math.max(state.maxLimit, rule.limit);
      }
      state.times = [...state.times, ...sorted].sort((a, b) => a - b);
      this.prune(state, now);
    }
  }

  /** No acquire involving `key` proceeds before `untilMs` (for a 429 reset or a 230020 back-off). */
  block(key: string, untilMs: number): void {
    // A NaN would poison every comparison (and spin the wake-up loop); Infinity would hang waiters.
    if (!Number.isFinite(untilMs))
      throw new RangeError(`block ${key}: untilMs must be finite, got ${untilMs}`);
    const state = this.state(key);
    state.blockedUntil = Math.max(state.blockedUntil, untilMs);
  }

  /**
   * Earliest time acquire(rules) could proceed (for planning / tests), from the uses recorded and
   * the blocks in force; callers already queued for the same keys may take that room first.
   */
  nextAvailable(rules: RateRule[]): number {
    for (const rule of rules) validate(rule);
    return this.readyAt(rules, this.now());
  }

  /** Number of keys held in memory (for metrics and tests). */
  get keyCount(): number {
    return this.keys.size;
  }

  /** Admits every queued waiter that has room, in order, then sleeps until the next could. */
  private pump(): void {
    const now = this.now();
    this.sweep(now);
    let next = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.queue.length;) {
      const waiter = this.queue[i]!;
      const at = this.readyAt(waiter.rules, now);
      if (at <= now) {
        this.record(waiter.rules, now);
        this.queue.splice(i, 1);
        waiter.resolve();
      } else {
        next = Math.min(next, at);
        i++;
      }
    }
    this.nextReady = next;
    this.wakeAt(next, now);
  }

  /** Makes sure a pump runs at `at` (no busy loop: one sleep in flight unless an earlier wake is needed). */
  private wakeAt(at: number, now: number): void {
    if (at === Number.POSITIVE_INFINITY) return;
    for (const pending of this.wakeups) if (pending <= at) return;
    this.wakeups.add(at);
    const wake = () => {
      this.wakeups.delete(at);
      this.pump();
    };
    this.sleep(Math.max(1, Math.ceil(at - now))).then(wake, wake);
  }

  /** Earliest time all `rules` admit a use, seen from `now` (≤ now = right away). */
  private readyAt(rules: RateRule[], now: number): number {
    let at = now;
    for (const rule of rules) {
      const state = this.keys.get(rule.key);
      if (!state) continue;
      this.prune(state, now);
      at = Math.max(at, state.blockedUntil);
      const { times } = state;
      // Room at T iff the limit-th most recent use lies outside (T − window − safety, T].
      if (times.length >= rule.limit) {
        at = Math.max(at, times[times.length - rule.limit]! + rule.windowMs + this.safetyMs);
      }
    }
    return at;
  }

  private record(rules: RateRule[], now: number): void {
    const seen = new Set<string>();
    for (const rule of rules) {
      const state = this.state(rule.key);
      state.retentionMs = Math.max(state.retentionMs, rule.windowMs + this.safetyMs);
      state.maxLimit = Math.max(state.maxLimit, rule.limit);
      if (seen.has(rule.key)) continue;
      seen.add(rule.key);
      const { times } = state;
      // A clock that steps back must not unsort the log: stamp no earlier than the last use.
      times.push(Math.max(now, times[times.length - 1] ?? now));
    }
    for (const key of seen) this.prune(this.keys.get(key)!, now);
  }

  private state(key: string): KeyState {
    let state = this.keys.get(key);
    if (!state) {
      state = { times: [], retentionMs: 0, maxLimit: 0, blockedUntil: 0 };
      this.keys.set(key, state);
    }
    return state;
  }

  /** Drops uses that no rule on this key can count any more. */
  private prune(state: KeyState, now: number): void {
    const { times } = state;
    let drop = Math.max(0, times.length - state.maxLimit);
    while (drop < times.length && times[drop]! + state.retentionMs <= now) drop++;
    if (drop > 0) times.splice(0, drop);
  }

  /** Forgets keys with no countable use and no block, so idle chats and users cost nothing. */
  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = now;
    for (const [key, state] of this.keys) {
      this.prune(state, now);
      if (state.times.length === 0 && state.blockedUntil <= now) this.keys.delete(key);
    }
  }
}

function validate(rule: RateRule): void {
  if (!Number.isInteger(rule.limit) || rule.limit < 1) {
    throw new RangeError(`rate rule ${rule.key}: limit must be an integer ≥ 1, got ${rule.limit}`);
  }
  if (!Number.isFinite(rule.windowMs) || rule.windowMs <= 0) {
    throw new RangeError(`rate rule ${rule.key}: windowMs must be > 0, got ${rule.windowMs}`);
  }
}
