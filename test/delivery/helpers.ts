import { inject } from "vitest";
import { connectDb } from "../../src/db/connection.js";
import { createModels, type Models } from "../../src/db/models/index.js";
import type { OutboxItem } from "../../src/db/models/outbox.js";
import { systemClock } from "../../src/domain/clock.js";
import { DEFAULT_RATE_LIMITS, RateLimiter, type RateLimits } from "../../src/delivery/rateLimiter.js";
import { createDeliveryWorker, type DeliveryOptions } from "../../src/delivery/worker.js";
import { createLarkApi, createLarkClient } from "../../src/lark/api.js";
import { createLogger } from "../../src/logger.js";
import { testConfig } from "../helpers/config.js";
import type { TestDb } from "../helpers/db.js";
import { LARK_BASE } from "../helpers/larkMock.js";

/** Limits high enough never to slow a test that is not about them. */
export const FAST_LIMITS: RateLimits = {
  appPerSecond: 100_000,
  appPerMinute: 1_000_000,
  perChatPerSecond: 100_000,
  perUserPerSecond: 100_000,
  perCardPerSecond: 100_000,
};

/**
 * A real worker: real SDK client (its own token cache) pointed at `domain` (nock's
 * https://open.feishu.cn by default, or a fake server's URL), its own rate limiter, real time.
 */
export function buildWorker(
  models: Models,
  options: Partial<DeliveryOptions> & { domain?: string } = {},
): ReturnType<typeof createDeliveryWorker> {
  const { domain, ...overrides } = options;
  return createDeliveryWorker({
    models,
    lark: createLarkApi(
      createLarkClient(testConfig({ LARK_DOMAIN: domain ?? LARK_BASE }), createLogger("silent")),
    ),
    clock: systemClock,
    logger: createLogger("silent"),
    limiter: new RateLimiter(),
    limits: DEFAULT_RATE_LIMITS,
    share: 1,
    maxAttempts: 5,
    renderers: {},
    hooks: {},
    ...overrides,
  });
}

/** A second connection to the test database, as another bot instance would have. */
export async function otherInstanceModels(db: TestDb): Promise<{ models: Models; close(): Promise<void> }> {
  const connection = await connectDb(inject("mongoUri"), db.connection.name);
  return { models: createModels(connection), close: () => connection.close() };
}

/** The most calls that fall in any half-open window [t, t + windowMs) of `times`. */
export function maxPerWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/** Items grouped by `key`, as a Map of arrays. */
export function groupBy<T>(values: T[], key: (value: T) => string | null): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const value of values) {
    const k = key(value) ?? "";
    groups.set(k, [...(groups.get(k) ?? []), value]);
  }
  return groups;
}

export async function outboxById(models: Models, id: string): Promise<OutboxItem | null> {
  return models.Outbox.findById(id).lean<OutboxItem>();
}
