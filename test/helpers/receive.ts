import type { Bot } from "../../src/bot.js";
import { TEST_TOKEN } from "./config.js";
import { cardActionEvent, messageEvent, type MessageOptions } from "./larkPayloads.js";
import type { ClickAnswer, TestBot } from "./testBot.js";

/** A Lark event as it is once decrypted: an im.message.receive_v1 or a card.action.trigger. */
export type LarkEvent = ReturnType<typeof messageEvent> | ReturnType<typeof cardActionEvent>;

/**
 * Hands the bot a decrypted event in-process, with no HTTP body to encrypt or sign: the path the
 * webhook takes once its checks passed (the SDK dispatcher, then the event handlers of src/events.ts). Waits
 * until the work the event started is done, and returns the answer the webhook would send.
 * For tests of what a command or card action does; transport is tested through signed webhooks.
 */
export async function receive(bot: Bot, event: LarkEvent): Promise<object> {
  const answer: unknown = await bot.dispatcher.invoke(event, { needCheck: false });
  await bot.inbox.idle();
  return answer && typeof answer === "object" ? answer : {};
}

/** A command message from `options.sender`, received in-process (see receive). */
export function receiveMessage(t: TestBot, options: Omit<MessageOptions, "token">): Promise<object> {
  return receive(t.bot, messageEvent({ ...options, token: TEST_TOKEN }));
}

/** A card action, received in-process (see receive); its answer as the tests read it. */
export async function receiveAction(
  t: TestBot,
  options: Omit<Parameters<typeof cardActionEvent>[0], "token">,
): Promise<ClickAnswer> {
  return (await receive(t.bot, cardActionEvent({ ...options, token: TEST_TOKEN }))) as ClickAnswer;
}
