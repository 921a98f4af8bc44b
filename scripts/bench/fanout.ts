/**
 * Fan-out through the outbox: 1,000 DMs (distinct open_ids) and 20 group nudges (4 chats × 5)
 * enqueued in a real database and sent by one real delivery worker (real RateLimiter with
 * Lark's limits from config/delivery.ts, real SDK client) to a fake Lark Open API that enforces
 * those limits at arrival (sliding windows: 50/s and 1000/min per app, 5/s per chat and per user)
 * and answers 429 with `x-ogw-ratelimit-reset` beyond them.
 *
 * Compared with the floor the limits themselves impose on that workload: the time at which the
 * last message may start at the earliest.
 */
import type { Connection } from "mongoose";
import {
  DELIVERY_MAX_ATTEMPTS,
  DELIVERY_POLL_MS,
  LARK_RATE_LIMITS,
  RATE_SAFETY_MS,
} from "../../config/delivery.js";
import { loadConfig } from "../../src/env.js";
import { connectDb } from "../../src/db/connection.js";
import { createModels, syncIndexes } from "../../src/db/models/index.js";
import { enqueueMessage, larkUuid, type MessageRequest } from "../../src/delivery/outbox.js";
import {
  RateLimiter,
  rulesFor,
  type RateLimits,
  type RateRule,
  type SendKind,
} from "../../src/delivery/rateLimiter.js";
import { createDeliveryWorker } from "../../src/delivery/worker.js";
import { systemClock } from "../../src/domain/clock.js";
import { createLarkApi, createLarkClient } from "../../src/lark/api.js";
import type { LarkApi } from "../../src/lark/types.js";
import { createLogger } from "../../src/logger.js";
import { startFakeLark, type FakeCall } from "./fakeLark.js";
import { percentile } from "./stats.js";

export const FANOUT_DMS = 1000;
export const FANOUT_CHATS = 4;
export const FANOUT_NUDGES_PER_CHAT = 5;
export const FANOUT_GOAL_RATIO = 1.1;
/** Give up waiting for the last message after this long (the floor is ~60 s). */
const TIMEOUT_MS = 240_000;

export interface FanoutResult {
  dms: number;
  nudges: number;
  chats: number;
  enqueueMs: number;
  /** First wake of the worker → every item marked sent in the database. */
  wallMs: number;
  /** Arrival of the first call at the fake → arrival of the last. */
  firstToLastCallMs: number;
  floorMs: number;
  ratio: number;
  calls: number;
  rateLimited: number;
  /** Largest number of calls the fake saw in any 1 s and any 60 s window (at arrival). */
  maxPerSecond: number;
  maxPerMinute: number;
  delivered: number;
  safetyMs: number;
  /** Hand-over to the SDK → arrival at the fake, ms. */
  lag: { p50: number; p99: number; max: number };
}

/**
 * The earliest time the last of `ops` can start under `limits`, starting at 0: for each rate key,
 * the k-th use cannot come before the (k − limit)-th use + window for any rule on that key (a
 * use at T is allowed when fewer than `limit` uses lie in (T − window, T]). Uses of one key are
 * placed greedily as early as that allows; the floor is the latest of the keys' last uses. It is a
 * lower bound for any schedule, and reached here, where only the per-app key binds.
 */
export function rateFloorMs(ops: SendKind[], limits: RateLimits): number {
  const byKey = new Map<string, { rules: RateRule[]; count: number }>();
  for (const op of ops) {
    const rules = rulesFor(op, limits);
    for (const key of new Set(rules.map((r) => r.key))) {
      const entry = byKey.get(key) ?? { rules: rules.filter((r) => r.key === key), count: 0 };
      entry.count++;
      byKey.set(key, entry);
    }
  }
  let floor = 0;
  for (const { rules, count } of byKey.values()) {
    const times: number[] = [];
    for (let k = 0; k < count; k++) {
      let at = k > 0 ? times[k - 1]! : 0;
      for (const rule of rules)
        if (k >= rule.limit) at = Math.max(at, times[k - rule.limit]! + rule.windowMs);
      times.push(at);
    }
    floor = Math.max(floor, times[count - 1] ?? 0);
  }
  return floor;
}

function groupBy<T>(values: T[], key: (value: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const value of values) groups.set(key(value), [...(groups.get(key(value)) ?? []), value]);
  return groups;
}

/** The most of `times` in any half-open window [t, t + windowMs). */
function maxPerWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let start = 0, end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

export async function runFanout(options: {
  serverUri: string;
  dbName: string;
  fail: (message: string) => void;
  /** Widening of the limiter's windows; default: the limiter's own default, as in production. */
  safetyMs?: number;
}): Promise<FanoutResult> {
  const { fail } = options;
  const cleanups: (() => Promise<unknown> | void)[] = [];
  try {
    const connection: Connection = await connectDb(options.serverUri, options.dbName);
    cleanups.push(() => connection.close());
    cleanups.push(() => connection.dropDatabase());
    const models = createModels(connection);
    await syncIndexes(models);

    const fake = await startFakeLark({ limits: LARK_RATE_LIMITS });
    cleanups.push(() => fake.close());
    const config = loadConfig({
      NODE_ENV: "development",
      LARK_APP_ID: "cli_be0c0000000000a2",
      LARK_APP_SECRET: "bench-fanout-secret",
      LARK_ENCRYPT_KEY: "bench-fanout-encrypt-key",
      LARK_VERIFICATION_TOKEN: "bench-fanout-token",
      LARK_DOMAIN: fake.url,
      LOG_LEVEL: "warn",
    });
    // Retries are counted below; their warnings would only flood the output.
    const logger = createLogger("error");
    const lark = createLarkApi(createLarkClient(config, logger));
    // A running bot already holds a tenant token: fetch it before timing (not a message call).
    await lark.getChatOwner("oc_bench_warmup");

    // The workload: a nudge to one of the 4 chats after every 50 DMs, so both kinds are mixed.
    const requests: MessageRequest[] = [];
    const ops: SendKind[] = [];
    const nudges = FANOUT_CHATS * FANOUT_NUDGES_PER_CHAT;
    for (let i = 0; i < FANOUT_DMS; i++) {
      const openId = `ou_fanout_${String(i).padStart(4, "0")}`;
      requests.push({
        key: `bench:fanout:dm:${openId}`,
        branchId: "B_BENCH",
        target: { openId },
        content: { text: `学习提醒：请于本周五前完成第 ${i % 12} 期学习。` },
        description: `学习提醒 ${openId}`,
      });
      ops.push({ kind: "send", openId });
      if ((i + 1) % (FANOUT_DMS / nudges) === 0) {
        const n = requests.length - i - 1; // nudges so far
        const chatId = `oc_fanout_${n % FANOUT_CHATS}`;
        requests.push({
          key: `bench:fanout:nudge:${chatId}:${n}`,
          branchId: "B_BENCH",
          target: { chatId },
          content: { text: `还有同志未完成本期学习，请抓紧（第 ${n + 1} 次提醒）。` },
          description: `群提醒 ${chatId} #${n}`,
        });
        ops.push({ kind: "send", chatId });
      }
    }
    const enqueueStarted = performance.now();
    for (let i = 0; i < requests.length; i += 50) {
      await Promise.all(
        requests.slice(i, i + 50).map((request) => enqueueMessage(models, systemClock, request)),
      );
    }
    const enqueueMs = performance.now() - enqueueStarted;
    const queued = await models.Outbox.countDocuments({ status: "pending" });
    if (queued !== requests.length)
      fail(`fan-out: expected ${requests.length} pending items, found ${queued}`);

    // Times at which the worker handed each send to the SDK (just after the limiter admitted it),
    // to compare with the arrival at the fake: the limiter counts the first, Lark the second.
    const handedOver = new Map<string, number[]>();
    const timedLark: LarkApi = {
      ...lark,
      send(target, content, uuid) {
        handedOver.set(uuid ?? "", [...(handedOver.get(uuid ?? "") ?? []), performance.now()]);
        return lark.send(target, content, uuid);
      },
    };
    const worker = createDeliveryWorker({
      models,
      lark: timedLark,
      clock: systemClock,
      logger,
      limiter: new RateLimiter(options.safetyMs === undefined ? {} : { safetyMs: options.safetyMs }),
      limits: LARK_RATE_LIMITS,
      share: 1,
      renderers: {},
      hooks: {},
      maxAttempts: DELIVERY_MAX_ATTEMPTS,
    });
    const started = performance.now();
    // As in production: woken on enqueue, polling for retries that fall due.
    worker.start(DELIVERY_POLL_MS);
    cleanups.push(async () => {
      worker.stop();
      await worker.idle();
    });
    void worker.wake();
    await fake.waitFor(() => fake.messages.length >= requests.length, TIMEOUT_MS, "every fan-out message");
    worker.stop();
    await worker.idle();
    const sent = await models.Outbox.countDocuments({ status: "sent" });
    const wallMs = performance.now() - started;

    // Exactly once: one visible message per item, to the right recipient, and nothing else.
    const expected = new Map(requests.map((r) => [larkUuid(r.key), r]));
    const seen = new Map<string, number>();
    for (const message of fake.messages) {
      const request = message.uuid ? expected.get(message.uuid) : undefined;
      if (!request) {
        fail(`fan-out: a message nobody asked for (uuid ${message.uuid})`);
        continue;
      }
      const target = request.target as { chatId?: string; openId?: string };
      if (message.receiveId !== (target.chatId ?? target.openId)) {
        fail(`fan-out: ${request.key} went to ${message.receiveId}`);
      }
      seen.set(message.uuid!, (seen.get(message.uuid!) ?? 0) + 1);
    }
    const missing = [...expected.keys()].filter((uuid) => !seen.has(uuid)).length;
    const twice = [...seen.values()].filter((n) => n > 1).length;
    if (missing > 0) fail(`fan-out: ${missing} messages never delivered`);
    if (twice > 0) fail(`fan-out: ${twice} messages delivered more than once`);
    if (sent !== requests.length) fail(`fan-out: ${sent}/${requests.length} outbox items marked sent`);

    const floorMs = rateFloorMs(ops, LARK_RATE_LIMITS);
    const arrivals = fake.calls.map((c: FakeCall) => c.at);
    const lags: number[] = [];
    for (const [uuid, calls] of groupBy(fake.calls, (c) => c.uuid ?? "")) {
      const sends = handedOver.get(uuid) ?? [];
      calls.forEach((call, i) => {
        if (sends[i] !== undefined) lags.push(call.at - sends[i]!);
      });
    }
    return {
      dms: FANOUT_DMS,
      nudges,
      chats: FANOUT_CHATS,
      enqueueMs,
      wallMs,
      firstToLastCallMs: Math.max(...arrivals) - Math.min(...arrivals),
      floorMs,
      ratio: wallMs / floorMs,
      calls: fake.calls.length,
      rateLimited: fake.counts.rateLimited,
      maxPerSecond: maxPerWindow(arrivals, 1000),
      maxPerMinute: maxPerWindow(arrivals, 60_000),
      delivered: fake.messages.length,
      safetyMs: options.safetyMs ?? RATE_SAFETY_MS,
      lag: { p50: percentile(lags, 50), p99: percentile(lags, 99), max: Math.max(...lags) },
    };
  } finally {
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch (error) {
        console.error("fan-out cleanup step failed:", error);
      }
    }
  }
}

export function reportFanout(result: FanoutResult): void {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(
    `\nOutbox fan-out: ${result.dms} DMs (distinct users) + ${result.nudges} group nudges ` +
      `(${result.chats} chats × ${result.nudges / result.chats}), one worker, Lark limits ` +
      `${LARK_RATE_LIMITS.appPerSecond}/s + ${LARK_RATE_LIMITS.appPerMinute}/min per app, ` +
      `${LARK_RATE_LIMITS.perChatPerSecond}/s per chat and per user, enforced by the fake at arrival`,
  );
  console.log(`  enqueue (not timed):        ${s(result.enqueueMs)}`);
  console.log(`  wall time (wake → all sent): ${s(result.wallMs)}`);
  console.log(`  first → last call at Lark:  ${s(result.firstToLastCallMs)}`);
  console.log(`  rate-limit floor:           ${s(result.floorMs)}   (earliest start of the last message)`);
  console.log(
    `  ratio wall / floor:         ${result.ratio.toFixed(3)}   goal ≤ ${FANOUT_GOAL_RATIO}   ` +
      `${result.ratio <= FANOUT_GOAL_RATIO ? "PASS" : "FAIL"}`,
  );
  console.log(
    `  429s received:              ${result.rateLimited}   goal 0   ${result.rateLimited === 0 ? "PASS" : "FAIL"}`,
  );
  console.log(
    `  calls ${result.calls}, delivered ${result.delivered} (each exactly once); ` +
      `at arrival at most ${result.maxPerSecond} in any 1 s and ${result.maxPerMinute} in any 60 s`,
  );
  console.log(
    `  limiter admits → Lark receives: p50 ${result.lag.p50.toFixed(1)} ms, p99 ${result.lag.p99.toFixed(1)} ms, ` +
      `max ${result.lag.max.toFixed(1)} ms (the limiter widens its windows by ${result.safetyMs} ms to cover this)`,
  );
}
