import { cardActionSchema, fileContentSchema, messageEventSchema, recordOrEmpty } from "./schemas.js";
import type { CardAction, IncomingMessage, Mention } from "./types.js";

/**
 * Returns null for anything that is not a usable message: a body that does not match Lark's
 * documented shape (see schemas.ts) never reaches a command or the database.
 */
export function normalizeMessage(raw: unknown): IncomingMessage | null {
  const parsed = messageEventSchema.safeParse(raw);
  if (!parsed.success) return null;
  const event = parsed.data;
  const message = event.message;
  let text = "";
  if (message.message_type === "text") {
    try {
      text = String((JSON.parse(message.content ?? "{}") as { text?: unknown }).text ?? "");
    } catch {
      text = "";
    }
  }
  // A file is taken in the private chat only (in a group a file message cannot address the bot).
  let file: IncomingMessage["file"];
  if (message.message_type === "file" && message.chat_type === "p2p") {
    let content: unknown;
    try {
      content = JSON.parse(message.content ?? "null");
    } catch {
      content = null;
    }
    const parsedFile = fileContentSchema.safeParse(content);
    if (parsedFile.success) file = { fileKey: parsedFile.data.file_key, fileName: parsedFile.data.file_name };
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
    ...(file ? { file } : {}),
  };
}

/** Returns null for a callback that does not match Lark's documented shape (see schemas.ts). */
export function normalizeCardAction(raw: unknown): CardAction | null {
  const parsed = cardActionSchema.safeParse(raw);
  if (!parsed.success) return null;
  const event = parsed.data;
  return {
    eventId: event.event_id,
    operatorOpenId: event.operator.open_id,
    value: recordOrEmpty(event.action?.value),
    formValue: recordOrEmpty(event.action?.form_value),
    messageId: event.context?.open_message_id ?? "",
    chatId: event.context?.open_chat_id ?? "",
    token: event.token ?? "",
  };
}
