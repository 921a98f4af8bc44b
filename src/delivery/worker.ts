import type { Models } from "../db/models/index.js";
import type { OutboxItem } from "../db/models/outbox.js";
import type { Clock } from "../domain/clock.js";
import type { LarkApi, OutgoingContent, Target } from "../lark/types.js";
import type { Logger } from "../logger.js";
import { backoffMs, classifyFailure } from "./errors.js";
import { enqueueMessage, type RenderSpec } from "./outbox.js";
import {
  APP_RATE_KEY,
  chatRateKey,
  rulesFor,
  userRateKey,
  type RateLimiter,
  type RateLimits,
} from "./rateLimiter.js";

/** Renders the current card for an item; null when there is nothing (left) to show. */
export type CardRenderer = (spec: RenderSpec) => Promise<object | null>;
/** Runs after a message is sent, with the new message's id. */
export type SentHookHandler = (id: string, messageId: string) => Promise<void>;

export interface DeliveryOptions {
  models: Models;
  lark: LarkApi;
  clock: Clock;
  logger: Logger;
  limiter: RateLimiter;
  limits: RateLimits;
  /** This instance's share of the per-app budget (the number of instances). */
  share: number;
  renderers: Record<string, CardRenderer>;
  hooks: Record<string, SentHookHandler>;
  maxAttempts: number;
  /** Items sent at once by one instance. */
  concurrency?: number;
  /** A claim older than this belongs to a crashed worker and is taken over. */
  staleClaimMs?: number;
}

/**
 * Sends what the outbox holds. Each item is claimed by compare-and-set (so with several
 * instances one sends it), paced by the shared rate limiter, sent with Lark's uuid
 * de-duplication, and marked sent; failures are retried by kind or dead-lettered.
 */
export function createDeliveryWorker(options: DeliveryOptions) {
  const { models, clock, logger, limiter } = options;
  const concurrency = options.concurrency ?? 50;
  const staleClaimMs = options.staleClaimMs ?? 2 * 60_000;
  const inFlight = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | null = null;
  let again = false;

  async function claim(item: OutboxItem): Promise<boolean> {
    const now = clock.now();
    const result = await models.Outbox.updateOne(
      { _id: item._id, status: item.status, attempts: item.attempts, requested: item.requested },
      { $set: { status: "sending", claimedAt: now }, $inc: { attempts: 1 } },
    );
    return result.modifiedCount === 1;
  }

  async function dueItems(limit: number): Promise<OutboxItem[]> {
    const now = clock.now();
    return models.Outbox.find({
      $or: [
        { status: "pending", notBefore: { $lte: now } },
        { status: "sending", claimedAt: { $lt: new Date(now.getTime() - staleClaimMs) } },
      ],
    })
      .sort({ notBefore: 1 })
      .limit(limit)
      .lean<OutboxItem[]>();
  }

  async function deliver(item: OutboxItem): Promise<void> {
    // Our claim: a worker whose request outlived a stale-claim takeover must not overwrite the new owner's state.
    const mine = { _id: item._id, status: "sending" as const, attempts: item.attempts + 1 };
    const log = logger.child({ outboxId: item._id, kind: item.kind });
    try {
      if (item.kind === "card-refresh") {
        const card = await render(item.render as RenderSpec);
        if (card) {
          await limiter.acquire(
            rulesFor({ kind: "patch", messageId: item.messageId! }, options.limits, options.share),
          );
          await options.lark.patchCard(item.messageId!, card);
        }
        // Sent only if nobody asked for a newer state meanwhile; otherwise it stays pending.
        const done = await models.Outbox.updateOne(
          { _id: item._id, status: "sending", requested: item.requested },
          { $set: { status: "sent", sentAt: clock.now(), lastError: null } },
        );
        if (done.modifiedCount === 0) {
          await models.Outbox.updateOne(
            { _id: item._id, status: "sending" },
            { $set: { status: "pending" } },
          );
        }
      } else {
        const target = item.target as Target;
        const op =
          "chatId" in target && target.chatId
            ? { kind: "send" as const, chatId: target.chatId }
            : { kind: "send" as const, openId: (target as { openId: string }).openId };
        const content = item.render
          ? await renderContent(item.render as RenderSpec)
          : (item.content as OutgoingContent);
        if (!content) {
          await models.Outbox.updateOne(mine, {
            $set: { status: "sent", sentAt: clock.now(), lastError: "nothing to send" },
          });
          return;
        }
        await limiter.acquire(rulesFor(op, options.limits, options.share));
        const messageId = await options.lark.send(target, content, item.uuid);
        await models.Outbox.updateOne(mine, {
          $set: { status: "sent", sentAt: clock.now(), sentMessageId: messageId, lastError: null },
        });
        const hook = item.onSent as { type: string; id: string } | null;
        if (hook) await options.hooks[hook.type]?.(hook.id, messageId);
      }
      log.info({ outcome: "sent", attempts: item.attempts + 1 }, "delivery");
    } catch (error) {
      await fail(item, error, log);
    }
  }

  async function render(spec: RenderSpec): Promise<object | null> {
    const renderer = options.renderers[spec.type];
    if (!renderer) throw new Error(`no renderer for ${spec.type}`);
    return renderer(spec);
  }

  async function renderContent(spec: RenderSpec): Promise<OutgoingContent | null> {
    const card = await render(spec);
    return card ? { card } : null;
  }

  async function fail(item: OutboxItem, error: unknown, log: Logger): Promise<void> {
    const failure = classifyFailure(error);
    const attempts = item.attempts + 1;
    const message = error instanceof Error ? error.message : String(error);
    if (failure.kind === "permanent" || attempts >= options.maxAttempts) {
      await models.Outbox.updateOne(
        { _id: item._id, status: "sending" },
        { $set: { status: "dead", deadAt: clock.now(), lastError: message } },
      );
      log.error({ outcome: "dead-letter", attempts, failure: failure.kind, error: message }, "delivery");
      await tellSecretary(item, message).catch((e) =>
        log.error({ err: e }, "could not report a dead letter"),
      );
      return;
    }
    let delay = backoffMs(attempts);
    if (failure.kind === "rate-limited") {
      delay = failure.retryAfterMs;
      limiter.block(APP_RATE_KEY, Date.now() + delay);
    } else if (failure.kind === "chat-busy") {
      const target = item.target as { chatId?: string; openId?: string } | null;
      const key = target?.chatId ? chatRateKey(target.chatId) : userRateKey(target?.openId ?? "");
      limiter.block(key, Date.now() + delay);
    }
    await models.Outbox.updateOne(
      { _id: item._id, status: "sending" },
      { $set: { status: "pending", notBefore: new Date(clock.now().getTime() + delay), lastError: message } },
    );
    log.warn({ outcome: "will-retry", attempts, failure: failure.kind, delayMs: delay }, "delivery");
  }

  /** One DM to each secretary of the branch, once per dead item (the key makes it once). */
  async function tellSecretary(item: OutboxItem, reason: string): Promise<void> {
    if (!item.branchId || item._id.startsWith("dead-letter:")) return;
    const secretaries = await models.Member.find({
      branchId: item.branchId,
      role: "secretary",
      active: true,
    }).lean();
    for (const secretary of secretaries) {
      await enqueueMessage(models, clock, {
        key: `dead-letter:${item._id}:${secretary.openId}`,
        branchId: item.branchId,
        target: { openId: secretary.openId },
        content: {
          text: `支部助手有一条消息发送失败，已停止重试：${item.description || item._id}。原因：${reason.slice(0, 200)}。可发送 /提醒 查看，或 /提醒 重试 <编号> 重新发送。`,
        },
        description: `发送失败通知：${item.description || item._id}`,
      });
    }
    wake();
  }

  /** Claims and sends every due item; returns how many were handled. */
  async function drain(): Promise<number> {
    let handled = 0;
    for (;;) {
      const items = await dueItems(concurrency * 2);
      let claimedAny = false;
      for (const item of items) {
        while (inFlight.size >= concurrency) await Promise.race(inFlight);
        if (!(await claim(item))) continue;
        claimedAny = true;
        handled++;
        // deliver() handles Lark's failures; what escapes it (the database failing while the outcome
        // is recorded) must not become an unhandled rejection: the item stays claimed, and is
        // taken over as a stale claim later.
        const work = deliver(item).catch((error: unknown) =>
          logger.error({ err: error, outboxId: item._id }, "delivery: could not record the outcome"),
        );
        inFlight.add(work);
        void work.finally(() => inFlight.delete(work));
      }
      await Promise.all(inFlight);
      if (!claimedAny) return handled;
    }
  }

  /** Runs a drain now, or once more after the current one (so nothing enqueued meanwhile waits). */
  function wake(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    // Callers fire and forget (`deps.delivery.wake()`): a failed drain (the database away) is
    // logged, never left as an unhandled rejection; the next wake or poll tries again.
    running = drain()
      .catch((error: unknown) => {
        logger.error({ err: error }, "delivery loop failed");
        return 0;
      })
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          void wake();
        }
      });
    return running;
  }

  return {
    wake,
    start(intervalMs = 1000) {
      timer ??= setInterval(() => {
        wake().catch((error) => logger.error({ err: error }, "delivery loop failed"));
      }, intervalMs);
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
    /** Drains what is due now and resolves when nothing due is left (tests, graceful stop). */
    async idle(): Promise<void> {
      for (;;) {
        await (running ?? wake());
        if (!running && !again) break;
      }
      await Promise.all(inFlight);
    },
  };
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;
