import { runAction, errorToast } from "./actions/dispatch.js";
import { runCommand } from "./commands/dispatch.js";
import { isCommandText } from "./commands/parse.js";
import { isDuplicateKeyError } from "./db/connection.js";
import type { AppDeps } from "./deps.js";
import type { EventHandlers } from "./lark/dispatcher.js";
import { normalizeCardAction, normalizeMessage } from "./lark/normalize.js";
import type { CardAction, IncomingMessage } from "./lark/types.js";
import { LRUCache } from "lru-cache";

const MAX_ATTEMPTS = 3;
const RETRY_DELAYS_MS = [1_000, 10_000];
/** A claim older than this is taken to belong to a crashed instance. */
const STALE_CLAIM_MS = 5 * 60_000;
/** Commands older than this are not worth running after a restart. */
const RECOVERY_WINDOW_MS = 60 * 60_000;

/**
 * The route step: dedupe, then command / card action. Messages are answered 200 at once and run
 * after the answer from the inbox (so nothing is lost when a command fails or the process dies);
 * card callbacks run before the answer because the answer carries the toast.
 */
export function createRouter(deps: AppDeps) {
  const { models, logger, clock } = deps;
  const running = new Set<Promise<void>>();

  // A command may carry an income (/党费 设置 … 8500): with a dues key the stored text is sealed.
  const sealText = (message: IncomingMessage) =>
    deps.dues.box ? { ...message, text: deps.dues.box.seal(message.text), sealed: true } : message;
  const openText = ({ sealed, ...stored }: IncomingMessage & { sealed?: boolean }): IncomingMessage => ({
    ...stored,
    text: sealed && deps.dues.box ? deps.dues.box.open(stored.text) : stored.text,
    createdAt: new Date(stored.createdAt),
  });

  const track = (work: Promise<void>) => {
    running.add(work);
    void work.finally(() => running.delete(work));
  };

  async function onMessage(raw: unknown): Promise<object> {
    const message = normalizeMessage(raw);
    if (!message) {
      logger.info({ kind: "message", outcome: "invalid" }, "event handled");
      return {};
    }
    const log = logger.child({ eventId: message.eventId, messageId: message.messageId, kind: "message" });
    if (message.senderType !== "user") {
      log.info({ outcome: "ignored-bot" }, "event handled");
      return {};
    }
    if (!message.addressed || !isCommandText(message.text)) {
      log.info({ outcome: "ignored-not-command" }, "event handled");
      return {};
    }
    try {
      await models.InboundEvent.create({
        _id: `msg:${message.messageId}`,
        kind: "message",
        payload: sealText(message),
        receivedAt: clock.now(),
      });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      log.info({ outcome: "duplicate" }, "event handled");
      return {};
    }
    track(processMessage(`msg:${message.messageId}`));
    return {};
  }

  /** Claims an inbox item (compare-and-set, so one instance runs it), runs it, records the outcome. */
  async function processMessage(id: string): Promise<void> {
    const now = clock.now();
    const claim = await models.InboundEvent.updateOne(
      {
        _id: id,
        attempts: { $lt: MAX_ATTEMPTS },
        $or: [
          { status: "received" },
          { status: "processing", claimedAt: { $lt: new Date(now.getTime() - STALE_CLAIM_MS) } },
        ],
      },
      { $set: { status: "processing", claimedAt: now }, $inc: { attempts: 1 } },
    );
    if (claim.modifiedCount !== 1) return;
    const item = await models.InboundEvent.findById(id).lean();
    if (!item?.payload) return;
    const message = openText(item.payload as IncomingMessage & { sealed?: boolean });
    const log = logger.child({ eventId: message.eventId, messageId: message.messageId, kind: "command" });
    const started = Date.now();
    try {
      const outcome = await runCommand(deps, message);
      await models.InboundEvent.updateOne({ _id: id }, { $set: { status: "done" }, $unset: { payload: 1 } });
      log.info({ outcome, ms: Date.now() - started }, "event handled");
    } catch (error) {
      const attempts = item.attempts;
      const finalAttempt = attempts >= MAX_ATTEMPTS;
      await models.InboundEvent.updateOne(
        { _id: id },
        { $set: { status: finalAttempt ? "failed" : "received", error: String(error) } },
      );
      log.error({ err: error, outcome: finalAttempt ? "failed" : "will-retry", attempts }, "event handled");
      if (finalAttempt) {
        await reportFailure(message).catch((e) => log.error({ err: e }, "could not report failure"));
      } else {
        const delay = RETRY_DELAYS_MS[attempts - 1] ?? 10_000;
        track(new Promise((resolve) => setTimeout(resolve, delay)).then(() => processMessage(id)));
      }
    }
  }

  async function reportFailure(message: IncomingMessage) {
    await deps.lark.reply(
      message.messageId,
      { text: "抱歉，这条命令处理失败（已重试），请稍后再发一次。如果一直失败，请联系管理员。" },
      `${message.messageId}:failed`,
    );
  }

  /**
   * Card callbacks answered recently, by event_id: a redelivery gets the same answer with no
   * second effect. Kept in memory because every card action is idempotent in the database too
   * (one attendance per person, one meeting per form), which covers a redelivery that reaches
   * another instance; this keeps the answer path to the action's own few queries.
   */
  const recentCardAnswers = new LRUCache<string, Promise<object>>({ max: 20_000, ttl: 2 * 3600_000 });

  async function onCardAction(raw: unknown): Promise<object> {
    const action = normalizeCardAction(raw);
    if (!action) {
      logger.info({ kind: "card", outcome: "invalid" }, "event handled");
      return errorToast("无法识别的卡片操作。");
    }
    const earlier = recentCardAnswers.get(action.eventId);
    if (earlier) {
      logger.info({ eventId: action.eventId, kind: "card", outcome: "duplicate" }, "event handled");
      return earlier;
    }
    const answer = answerCardAction(action);
    recentCardAnswers.set(action.eventId, answer);
    return answer;
  }

  async function answerCardAction(action: CardAction): Promise<object> {
    const log = logger.child({ eventId: action.eventId, kind: "card", action: action.value.action });
    const started = Date.now();
    try {
      const { answer, outcome } = await runAction(deps, action);
      log.info({ outcome, ms: Date.now() - started }, "event handled");
      return answer;
    } catch (error) {
      // Let a redelivery or a second click try again.
      recentCardAnswers.delete(action.eventId);
      log.error({ err: error, outcome: "failed" }, "event handled");
      return errorToast("操作失败，请稍后重试。");
    }
  }

  /** After a restart: run commands that were accepted but never finished. */
  async function recover(): Promise<number> {
    const since = new Date(clock.now().getTime() - RECOVERY_WINDOW_MS);
    const pending = await models.InboundEvent.find(
      { kind: "message", status: { $in: ["received", "processing"] }, receivedAt: { $gte: since } },
      { _id: 1 },
    ).lean();
    for (const item of pending) track(processMessage(item._id));
    return pending.length;
  }

  const handlers: EventHandlers = {
    "im.message.receive_v1": onMessage,
    "card.action.trigger": onCardAction,
  };

  return {
    handlers,
    recover,
    /** Resolves when all work started after an answer has finished (tests, graceful stop). */
    async idle(): Promise<void> {
      while (running.size > 0) await Promise.allSettled([...running]);
      await deps.delivery.idle();
    },
  };
}

export type Router = ReturnType<typeof createRouter>;
