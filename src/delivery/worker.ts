import type { Models } from "../db/models/index.js";
import type { OutboxItem } from "../db/models/outbox.js";
import type { Clock } from "../domain/clock.js";
import type { LarkApi, OutgoingContent, Target } from "../lark/types.js";
import type { Logger } from "../logger.js";
import { backoffMs, classifyFailure } from "./errors.js";
import { enqueueMessage, isOfflineTarget, OFFLINE_REFUSAL, type RenderSpec } from "./outbox.js";
import { randomUUID } from "node:crypto";
import {
  APP_RATE_KEY,
  cardRateKey,
  chatRateKey,
  rulesFor,
  userRateKey,
  type RateLimiter,
  type RateLimits,
} from "./rateLimiter.js";
import { escapeText } from "../cards/escape.js";
import { trusted } from "../db/connection.js";
import { createCardRefresher } from "./cardRefresh.js";

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
  /**
   * Length of a claim's lease, ms: renewed every third of it while the item is being sent, so an
   * item whose lease lapsed belongs to a dead instance and is taken over (default 15 s).
   */
  leaseMs?: number;
  /** Former name of `leaseMs`. */
  staleClaimMs?: number;
  /** Written on this worker's leases (default: random); renewals match on it. */
  instanceId?: string;
}

/** Default lease of an outbox claim: a restarted or surviving instance resumes within seconds. */
export const OUTBOX_LEASE_MS = 15_000;

/**
 * Sends what the outbox holds. Each item is claimed by compare-and-set (so with several
 * instances one sends it), paced by the shared rate limiter, sent with Lark's uuid
 * de-duplication, and marked sent; failures are retried by kind or dead-lettered.
 */
export function createDeliveryWorker(options: DeliveryOptions) {
  const { models, clock, logger, limiter } = options;
  const concurrency = options.concurrency ?? 50;
  const leaseMs = options.leaseMs ?? options.staleClaimMs ?? OUTBOX_LEASE_MS;
  const owner = options.instanceId ?? `worker:${randomUUID()}`;
  const inFlight = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | null = null;
  let again = false;
  /** Items this worker is sending, whose leases the heartbeat renews. */
  const leased = new Set<string>();
  let heartbeat: NodeJS.Timeout | undefined;
  /** When retries this worker scheduled fall due (ms on the injected clock), to take them first. */
  const retryTimes: number[] = [];
  let warmedUp: Promise<void> | null = null;
  /** Card refreshes asked for by answers, written to the outbox a round at a time (cardRefresh.ts). */
  const refresher = createCardRefresher({ models, clock, logger, wake: () => wake() });

  const leaseEnd = () => new Date(clock.now().getTime() + leaseMs);

  /** Renews the lease of every item this worker is sending (the heartbeat; callable by tests). */
  async function renewLeases(): Promise<number> {
    if (leased.size === 0) return 0;
    const result = await models.Outbox.updateMany(
      { owner, status: "sending", _id: trusted({ $in: [...leased] }) },
      { $set: { leaseUntil: leaseEnd() } },
    );
    return result.modifiedCount;
  }

  function hold(id: string): void {
    leased.add(id);
    if (heartbeat) return;
    heartbeat = setInterval(
      () => {
        renewLeases().catch((error: unknown) =>
          logger.error({ err: error }, "delivery: lease renewal failed"),
        );
      },
      Math.max(1, Math.floor(leaseMs / 3)),
    );
    heartbeat.unref();
  }

  function release(id: string): void {
    leased.delete(id);
    if (leased.size > 0 || !heartbeat) return;
    clearInterval(heartbeat);
    heartbeat = undefined;
  }

  /**
   * Once per worker, before its first send: counts what was sent in the last minute (by any
   * instance, the previous process included: `sentAt` is in the database) against the per-app
   * budget, so a restart during heavy traffic cannot pass the per-minute limit. With several
   * instances, this one counts its share of them.
   */
  function warmUp(): Promise<void> {
    // Until the last minute is known nothing is sent (the drain fails and is tried again).
    warmedUp ??= (async () => {
      const now = clock.now().getTime();
      const recent = await models.Outbox.find(
        { sentAt: trusted({ $gt: new Date(now - 60_000 - 1000) }) },
        { sentAt: 1 },
      ).lean<{ sentAt: Date }[]>();
      const offset = Date.now() - now; // the limiter runs on real time, sentAt on the clock
      const share = Math.max(1, Math.floor(options.share));
      const times = recent
        .map((item) => new Date(item.sentAt).getTime() + offset)
        .sort((a, b) => a - b)
        .filter((_, i) => i % share === 0);
      const appRules = rulesFor({ kind: "send", chatId: "-" }, options.limits, options.share).filter(
        (rule) => rule.key === APP_RATE_KEY,
      );
      limiter.seed(appRules, times);
    })().catch((error: unknown) => {
      warmedUp = null;
      throw error;
    });
    return warmedUp;
  }

  async function claim(item: OutboxItem): Promise<boolean> {
    const now = clock.now();
    const result = await models.Outbox.updateOne(
      {
        _id: item._id,
        status: item.status,
        attempts: item.attempts,
        requested: item.requested,
        // Taking over a lapsed lease: only if its owner did not renew it since we read it.
        leaseUntil: item.leaseUntil ?? null,
      },
      { $set: { status: "sending", claimedAt: now, leaseUntil: leaseEnd(), owner }, $inc: { attempts: 1 } },
    );
    return result.modifiedCount === 1;
  }

  /** Due retries first (each is due at its back-off time), then lapsed leases, then fresh items. */
  async function dueItems(limit: number): Promise<OutboxItem[]> {
    const now = clock.now();
    const nowMs = now.getTime();
    for (let i = retryTimes.length - 1; i >= 0; i--) if (retryTimes[i]! <= nowMs) retryTimes.splice(i, 1);
    const retries = await models.Outbox.find({
      status: "pending",
      notBefore: trusted({ $lte: now }),
      attempts: trusted({ $gt: 0 }),
    })
      .sort({ notBefore: 1 })
      .limit(limit)
      .lean<OutboxItem[]>();
    if (retries.length >= limit) return retries;
    const lapsed = await models.Outbox.find({
      status: "sending",
      $or: [{ leaseUntil: trusted({ $lt: now }) }, { leaseUntil: null }],
    })
      .limit(limit - retries.length)
      .lean<OutboxItem[]>();
    const taken = retries.length + lapsed.length;
    if (taken >= limit) return [...retries, ...lapsed];
    const fresh = await models.Outbox.find({
      status: "pending",
      notBefore: trusted({ $lte: now }),
      attempts: 0,
    })
      .sort({ notBefore: 1 })
      .limit(limit - taken)
      .lean<OutboxItem[]>();
    return [...retries, ...lapsed, ...fresh];
  }

  /** A retry this worker scheduled has fallen due: fetch again so it goes before the rest. */
  const retryDue = () => {
    const nowMs = clock.now().getTime();
    return retryTimes.some((t) => t <= nowMs);
  };

  /** The per-chat, per-user or per-card key an item's sends count against. */
  function targetKey(item: OutboxItem): string {
    if (item.kind === "card-refresh") return cardRateKey(item.messageId ?? "");
    const target = item.target as { chatId?: string; openId?: string } | null;
    return target?.chatId ? chatRateKey(target.chatId) : userRateKey(target?.openId ?? "");
  }

  async function deliver(item: OutboxItem): Promise<void> {
    // Our claim: a worker whose request outlived a lease takeover must not overwrite the new owner's state.
    const mine = { _id: item._id, status: "sending" as const, attempts: item.attempts + 1 };
    const log = logger.child({ outboxId: item._id, kind: item.kind });
    // A person waiting for an answer, or a retry due now, goes before the queue in the limiter.
    const priority = { priority: Boolean(item.replyTo) || item.attempts > 0 };
    hold(item._id);
    try {
      if (item.kind === "card-refresh") {
        const card = await render(item.render as RenderSpec);
        if (card) {
          await limiter.acquire(
            rulesFor({ kind: "patch", messageId: item.messageId! }, options.limits, options.share),
            priority,
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
            { _id: item._id, status: "sending", owner },
            { $set: { status: "pending" } },
          );
        }
      } else {
        const target = item.target as Target;
        if (isOfflineTarget(target)) {
          // Never sent to a person on no chat: an item that got past enqueueMessage is dropped.
          await models.Outbox.updateOne(mine, { $set: { status: "cancelled", lastError: OFFLINE_REFUSAL } });
          log.warn({ outcome: "refused-offline" }, "delivery: target is a person on no chat");
          return;
        }
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
        await limiter.acquire(rulesFor(op, options.limits, options.share), priority);
        const messageId = item.replyTo
          ? await options.lark.reply(item.replyTo, content, item.uuid)
          : await options.lark.send(target, content, item.uuid);
        await models.Outbox.updateOne(mine, {
          $set: { status: "sent", sentAt: clock.now(), sentMessageId: messageId, lastError: null },
        });
        const hook = item.onSent as { type: string; id: string } | null;
        if (hook) await options.hooks[hook.type]?.(hook.id, messageId);
      }
      log.info({ outcome: "sent", attempts: item.attempts + 1 }, "delivery");
    } catch (error) {
      await fail(item, error, log);
    } finally {
      release(item._id);
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
    const mine = { _id: item._id, status: "sending" as const, attempts };
    const message = error instanceof Error ? error.message : String(error);
    if (failure.kind === "permanent" || attempts >= options.maxAttempts) {
      const died = await models.Outbox.updateOne(mine, {
        $set: { status: "dead", deadAt: clock.now(), lastError: message },
        $inc: { deaths: 1 },
      });
      log.error({ outcome: "dead-letter", attempts, failure: failure.kind, error: message }, "delivery");
      if (died.modifiedCount === 1) {
        await tellSecretary(item, message, (item.deaths ?? 0) + 1).catch((e) =>
          log.error({ err: e }, "could not report a dead letter"),
        );
      }
      return;
    }
    let delay = backoffMs(attempts);
    if (failure.kind === "rate-limited") {
      delay = failure.retryAfterMs;
      // Block only the limit that was hit: the quota header (x-ogw-ratelimit-limit) tells the
      // per-chat, per-user and per-card limits (5/s) from the per-app ones (50/s, 1000/min).
      // Without it, the gateway's 429 is taken to be the app's, as Lark documents 99991400.
      const perTarget = Math.max(
        options.limits.perChatPerSecond,
        options.limits.perUserPerSecond,
        options.limits.perCardPerSecond,
      );
      const appWide = failure.quota === undefined || failure.quota > perTarget;
      limiter.block(appWide ? APP_RATE_KEY : targetKey(item), Date.now() + delay);
    } else if (failure.kind === "chat-busy") {
      limiter.block(targetKey(item), Date.now() + delay);
    }
    const dueAt = clock.now().getTime() + delay;
    await models.Outbox.updateOne(mine, {
      $set: { status: "pending", notBefore: new Date(dueAt), lastError: message },
    });
    retryTimes.push(dueAt);
    log.warn({ outcome: "will-retry", attempts, failure: failure.kind, delayMs: delay }, "delivery");
  }

  /**
   * One DM to each secretary of the branch per death of an item (the key makes it once): an
   * item that dies again after /reminders retry is reported again.
   */
  async function tellSecretary(item: OutboxItem, reason: string, death: number): Promise<void> {
    if (!item.branchId || item._id.startsWith("dead-letter:")) return;
    const secretaries = await models.Member.find({
      branchId: item.branchId,
      role: "secretary",
      active: true,
    }).lean();
    const again = death > 1 ? `（第 ${death} 次）` : "";
    for (const secretary of secretaries) {
      await enqueueMessage(models, clock, {
        key:
          death > 1
            ? `dead-letter:${item._id}:${death}:${secretary.openId}`
            : `dead-letter:${item._id}:${secretary.openId}`,
        branchId: item.branchId,
        target: { openId: secretary.openId },
        content: {
          text: escapeText(
            `支部助手有一条消息发送失败${again}，已停止重试：${item.description || item._id}。原因：${reason.slice(0, 200)}。可发送 /提醒 查看，或 /提醒 重试 <编号> 重新发送。`,
          ),
        },
        description: `发送失败通知：${item.description || item._id}`,
      });
    }
    wake();
  }

  /** Sends one claimed item, counted in flight. */
  function launch(item: OutboxItem): Promise<void> {
    // deliver() handles Lark's failures; what escapes it (the database failing while the outcome
    // is recorded) must not become an unhandled rejection: the item stays claimed, and is
    // taken over when its lease lapses.
    const work = deliver(item).catch((error: unknown) =>
      logger.error({ err: error, outboxId: item._id }, "delivery: could not record the outcome"),
    );
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
    return work;
  }

  /** Claims and sends every due item; returns how many were handled. */
  async function drain(): Promise<number> {
    await warmUp();
    let handled = 0;
    for (;;) {
      const items = await dueItems(concurrency * 2);
      let progressed = false;
      for (const item of items) {
        while (inFlight.size >= concurrency) await Promise.race(inFlight);
        // A retry fell due meanwhile: fetch again rather than making it wait behind this batch.
        if (retryDue()) {
          progressed = true;
          break;
        }
        // Being sent by this worker (a card asked for a newer state meanwhile): wait for that send,
        // so two PATCHes of one card never race and the older state never lands last.
        if (leased.has(item._id)) continue;
        if (!(await claim(item))) continue;
        progressed = true;
        handled++;
        void launch(item);
      }
      if (!progressed) {
        if (inFlight.size === 0) return handled;
        // Nothing to claim now: wait for a send to finish (it may schedule a retry) or for a
        // scheduled retry to fall due, then look again, so a retry never waits for the round.
        await nextEvent();
      }
    }
  }

  async function nextEvent(): Promise<void> {
    const nowMs = clock.now().getTime();
    const due = retryTimes.length > 0 ? Math.min(...retryTimes) : Number.POSITIVE_INFINITY;
    let timer: NodeJS.Timeout | undefined;
    const retry =
      due === Number.POSITIVE_INFINITY
        ? null
        : new Promise<void>((resolve) => {
            timer = setTimeout(resolve, Math.max(0, due - nowMs));
          });
    try {
      await Promise.race(retry ? [...inFlight, retry] : [...inFlight]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Sends one item now if it is due and nobody has it (a command's reply: a person is waiting),
   * through the limiter like every other send; resolves when it is sent or rescheduled.
   */
  async function deliverNow(id: string): Promise<void> {
    try {
      await warmUp();
      const item = await models.Outbox.findById(id).lean<OutboxItem>();
      if (!item || item.status !== "pending" || item.notBefore.getTime() > clock.now().getTime()) return;
      if (!(await claim(item))) return;
      await launch(item);
    } catch (error) {
      // Still in the outbox: the worker's next round sends it.
      logger.error({ err: error, outboxId: id }, "delivery: could not send at once");
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
    deliverNow,
    refreshCard: refresher.request,
    refresher,
    renewLeases,
    warmUp,
    start(intervalMs = 1000) {
      timer ??= setInterval(() => {
        wake().catch((error) => logger.error({ err: error }, "delivery loop failed"));
      }, intervalMs);
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
    /** This worker's name on its leases. */
    owner,
    /**
     * Writes the card refreshes still waiting, drains what is due now and resolves when nothing
     * due is left (tests, graceful stop).
     */
    async idle(): Promise<void> {
      await refresher.flush();
      for (;;) {
        await (running ?? wake());
        if (!running && !again) break;
      }
      await Promise.all(inFlight);
    },
  };
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;
