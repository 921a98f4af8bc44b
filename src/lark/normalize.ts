import type { CardAction, IncomingMessage, Mention } from "./types.js";

/** The merged `header + event` object the SDK dispatcher hands to a handler. */
interface RawMessageEvent {
  event_id?: string;
  sender?: { sender_id?: { open_id?: string }; sender_type?: string };
  message?: {
    message_id?: string;
    chat_id?: string;
    chat_type?: string;
    message_type?: string;
    content?: string;
    create_time?: string;
    mentions?: { key?: string; id?: { open_id?: string }; name?: string }[];
  };
}

/** Returns null for anything that is not a usable text message. */
export function normalizeMessage(raw: unknown): IncomingMessage | null {
  const event = raw as RawMessageEvent;
  const message = event.message;
  if (!message?.message_id || !message.chat_id) return null;
  let text = "";
  if (message.message_type === "text") {
    try {
      text = String((JSON.parse(message.content ?? "{}") as { text?: unknown }).text ?? "");
    } catch {
      text = "";
    }
  }
  const allMentions: Mention[] = (message.mentions ?? [])
    .filter((m) => m.key && m.id?.open_id)
    .map((m) => ({ key: m.key!, openId: m.id!.open_id!, name: m.name ?? "" }));

  // Mentions before the first word address the bot; they are stripped from the command text.
  let rest = text.trim();
  const leadingKeys = new Set<string>();
  // Longest key first, so "@_user_1" never matches the start of "@_user_10".
  const byKeyLength = [...allMentions].sort((a, b) => b.key.length - a.key.length);
  for (;;) {
    const mention = byKeyLength.find((m) => rest.startsWith(m.key));
    if (!mention) break;
    rest = rest.slice(mention.key.length).trimStart();
    leadingKeys.add(mention.key);
  }
  const chatType = message.chat_type === "p2p" ? "p2p" : "group";
  return {
    eventId: event.event_id ?? message.message_id,
    messageId: message.message_id,
    chatId: message.chat_id,
    chatType,
    senderOpenId: event.sender?.sender_id?.open_id ?? "",
    senderType: event.sender?.sender_type === "user" ? "user" : "app",
    text: rest,
    mentions: allMentions
      .filter((m) => !leadingKeys.has(m.key))
      .sort((a, b) => rest.indexOf(a.key) - rest.indexOf(b.key)),
    addressed: chatType === "p2p" || leadingKeys.size > 0,
    createdAt: new Date(Number(message.create_time ?? Date.now())),
  };
}

interface RawCardAction {
  event_id?: string;
  operator?: { open_id?: string };
  token?: string;
  action?: { value?: unknown; form_value?: unknown };
  context?: { open_message_id?: string; open_chat_id?: string };
}

export function normalizeCardAction(raw: unknown): CardAction | null {
  const event = raw as RawCardAction;
  if (!event.event_id || !event.operator?.open_id) return null;
  const value = event.action?.value;
  const formValue = event.action?.form_value;
  return {
    eventId: event.event_id,
    operatorOpenId: event.operator.open_id,
    value: isRecord(value) ? value : {},
    formValue: isRecord(formValue) ? formValue : {},
    messageId: event.context?.open_message_id ?? "",
    chatId: event.context?.open_chat_id ?? "",
    token: event.token ?? "",
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
