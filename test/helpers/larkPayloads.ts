import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export { encryptLark, signedBody, type SignedBody } from "./signing.js";

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/lark");

export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(path.join(fixtures, `${name}.json`), "utf8")) as T;
}

let counter = 0;
const nextId = (prefix: string) =>
  `${prefix}${Date.now().toString(16)}${(++counter).toString(16).padStart(6, "0")}`;

export interface MessageOptions {
  text: string;
  sender: string;
  chatId: string;
  chatType?: "group" | "p2p";
  /** People mentioned after the command, as [key, openId, name]; the bot mention is added first. */
  mentions?: { openId: string; name: string }[];
  messageId?: string;
  eventId?: string;
  senderType?: "user" | "app";
  token: string;
}

/** An im.message.receive_v1 event in its real shape, addressed to the bot in a group. */
export function messageEvent(options: MessageOptions) {
  const event = fixture<{
    header: Record<string, unknown>;
    event: { sender: Record<string, unknown>; message: Record<string, unknown> };
  }>("im.message.receive_v1");
  const chatType = options.chatType ?? "group";
  const botMention = (event.event.message.mentions as Record<string, unknown>[])[0]!;
  const others = (options.mentions ?? []).map((m, i) => ({
    key: `@_user_${i + 2}`,
    id: { union_id: "", user_id: "", open_id: m.openId },
    name: m.name,
    tenant_key: "736588c9260f175e",
  }));
  // Mentions in the text are written @name by callers; replace them by their keys as Lark does.
  let text = options.text;
  for (const [i, m] of (options.mentions ?? []).entries())
    text = text.replace(`@${m.name}`, `@_user_${i + 2}`);
  event.header.event_id = options.eventId ?? nextId("ev_");
  event.header.token = options.token;
  event.event.sender = {
    ...event.event.sender,
    sender_id: { union_id: "", user_id: "", open_id: options.sender },
    sender_type: options.senderType ?? "user",
  };
  event.event.message = {
    ...event.event.message,
    message_id: options.messageId ?? nextId("om_"),
    chat_id: options.chatId,
    chat_type: chatType,
    content: JSON.stringify({ text: chatType === "group" ? `@_user_1 ${text}` : text }),
    mentions: chatType === "group" ? [botMention, ...others] : others,
  };
  return event;
}

/** A card.action.trigger callback in its real shape. */
export function cardActionEvent(options: {
  operator: string;
  value: Record<string, unknown>;
  formValue?: Record<string, unknown>;
  messageId: string;
  chatId: string;
  eventId?: string;
  token: string;
}) {
  const event = fixture<{ header: Record<string, unknown>; event: Record<string, unknown> }>(
    "card.action.trigger",
  );
  event.header.event_id = options.eventId ?? nextId("ev_");
  event.header.token = options.token;
  event.event.operator = { ...(event.event.operator as object), open_id: options.operator };
  event.event.action = {
    ...(event.event.action as object),
    value: options.value,
    form_value: options.formValue ?? {},
  };
  event.event.context = {
    ...(event.event.context as object),
    open_message_id: options.messageId,
    open_chat_id: options.chatId,
  };
  return event;
}
