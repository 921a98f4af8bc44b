import { LRUCache } from "lru-cache";
import { errorToast, runAction } from "./actions/run.js";
import { isCommandText } from "./commands/parse.js";
import type { AppDeps } from "./deps.js";
import type { Inbox } from "./inbox.js";
import type { EventHandlers } from "./lark/dispatcher.js";
import { normalizeCardAction, normalizeMessage } from "./lark/normalize.js";
import type { CardAction } from "./lark/types.js";

/**
 * The route step, one handler per Lark event type: normalise, drop what is not for the bot,
 * dedupe, then a message that is a command goes to the inbox (run after the answer) and a card
 * callback to its action (run before the answer, which carries the toast).
 */
export function createEventHandlers(deps: AppDeps, inbox: Pick<Inbox, "accept">): EventHandlers {
  const { logger } = deps;
  const count = (kind: "message" | "card", outcome: string) => deps.metrics?.events.inc({ kind, outcome });

  async function onMessage(raw: unknown): Promise<object> {
    const message = normalizeMessage(raw);
    if (!message) {
      logger.info({ kind: "message", outcome: "invalid" }, "event handled");
      count("message", "invalid");
      return {};
    }
    const log = logger.child({ eventId: message.eventId, messageId: message.messageId, kind: "message" });
    if (message.senderType !== "user") {
      log.info({ outcome: "ignored-bot" }, "event handled");
      count("message", "ignored-bot");
      return {};
    }
    // A file in the private chat is a roster import (src/commands/rosterImport.ts).
    if (!message.file && (!message.addressed || !isCommandText(message.text))) {
      log.info({ outcome: "ignored-not-command" }, "event handled");
      count("message", "ignored-not-command");
      return {};
    }
    if (await inbox.accept(message)) {
      count("message", "accepted");
    } else {
      log.info({ outcome: "duplicate" }, "event handled");
      count("message", "duplicate");
    }
    return {};
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
      count("card", "invalid");
      return errorToast("无法识别的卡片操作。");
    }
    const earlier = recentCardAnswers.get(action.eventId);
    if (earlier) {
      logger.info({ eventId: action.eventId, kind: "card", outcome: "duplicate" }, "event handled");
      count("card", "duplicate");
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
      count("card", outcome);
      return answer;
    } catch (error) {
      // Let a redelivery or a second click try again.
      recentCardAnswers.delete(action.eventId);
      log.error({ err: error, outcome: "failed" }, "event handled");
      count("card", "failed");
      return errorToast("操作失败，请稍后重试。");
    }
  }

  return {
    "im.message.receive_v1": onMessage,
    "card.action.trigger": onCardAction,
  };
}
