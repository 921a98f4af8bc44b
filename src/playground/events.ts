/**
 * The events the playground's Lark sends the bot, in the shapes Lark sends them (schema 2.0
 * im.message.receive_v1 and card.action.trigger), before encryption and signing.
 */
import { randomBytes } from "node:crypto";
import { BOT_NAME, BOT_OPEN_ID, type PlaygroundChat, type PlaygroundPerson } from "./store.js";

export interface AppIdentity {
  appId: string;
  verificationToken: string;
}

const TENANT_KEY = "playground";
const eventId = () => randomBytes(16).toString("hex");
const userId = (openId: string) => ({ union_id: "", user_id: "", open_id: openId });

function header(app: AppIdentity, eventType: string, at: Date) {
  return {
    event_id: eventId(),
    event_type: eventType,
    create_time: String(at.getTime()),
    token: app.verificationToken,
    app_id: app.appId,
    tenant_key: TENANT_KEY,
  };
}

/**
 * Lark's text content and mentions for what a person typed: `@姓名` of a known person (longest
 * names first) and `mentionOpenIds` become `@_user_N` keys; in a group the bot is mentioned
 * first when the text does not already start with `@支部助手`, so commands work with or without it.
 */
export function mentionsOf(
  text: string,
  chat: Pick<PlaygroundChat, "kind">,
  people: PlaygroundPerson[],
  mentionOpenIds: string[] = [],
): {
  text: string;
  mentions: { key: string; id: ReturnType<typeof userId>; name: string; tenant_key: string }[];
} {
  const mentions: { key: string; id: ReturnType<typeof userId>; name: string; tenant_key: string }[] = [];
  const add = (openId: string, name: string) => {
    const key = `@_user_${mentions.length + 1}`;
    mentions.push({ key, id: userId(openId), name, tenant_key: TENANT_KEY });
    return key;
  };
  let body = text.trim();
  if (chat.kind === "group") {
    const botKey = add(BOT_OPEN_ID, BOT_NAME);
    body = body.startsWith(`@${BOT_NAME}`)
      ? `${botKey}${body.slice(BOT_NAME.length + 1)}`
      : `${botKey} ${body}`;
  }
  const byName = [...people].sort((a, b) => b.name.length - a.name.length);
  for (const person of byName) {
    if (!person.name || !body.includes(`@${person.name}`)) continue;
    const key = add(person.openId, person.name);
    body = body.split(`@${person.name}`).join(key);
  }
  for (const openId of mentionOpenIds) {
    if (mentions.some((m) => m.id.open_id === openId)) continue;
    const person = people.find((p) => p.openId === openId);
    if (person) body = `${body} ${add(person.openId, person.name)}`;
  }
  return { text: body, mentions };
}

export function messageEvent(
  app: AppIdentity,
  input: {
    messageId: string;
    chat: PlaygroundChat;
    sender: string;
    text: string;
    people: PlaygroundPerson[];
    mentionOpenIds?: string[];
    /** A file message instead of text (as sent from a Lark client; `text` is then ignored). */
    file?: { fileKey: string; fileName: string };
    at: Date;
  },
) {
  const typed = input.file ? null : mentionsOf(input.text, input.chat, input.people, input.mentionOpenIds);
  const ms = String(input.at.getTime());
  return {
    schema: "2.0",
    header: header(app, "im.message.receive_v1", input.at),
    event: {
      sender: { sender_id: userId(input.sender), sender_type: "user", tenant_key: TENANT_KEY },
      message: {
        message_id: input.messageId,
        root_id: "",
        parent_id: "",
        create_time: ms,
        update_time: ms,
        chat_id: input.chat.chatId,
        thread_id: "",
        chat_type: input.chat.kind,
        message_type: input.file ? "file" : "text",
        content: JSON.stringify(
          input.file
            ? { file_key: input.file.fileKey, file_name: input.file.fileName }
            : { text: typed!.text },
        ),
        mentions: typed?.mentions ?? [],
        user_agent: "zhibu-playground",
      },
    },
  };
}

export function cardActionEvent(
  app: AppIdentity,
  input: {
    operator: string;
    messageId: string;
    chatId: string;
    value: Record<string, unknown>;
    formValue?: Record<string, unknown>;
    inputValue?: string;
    option?: string;
    name?: string;
    timeZone: string;
    at: Date;
  },
) {
  const action: Record<string, unknown> = {
    value: input.value,
    tag: input.formValue ? "button" : input.option !== undefined ? "select_static" : "button",
    timezone: input.timeZone,
  };
  if (input.name) action.name = input.name;
  if (input.formValue) action.form_value = input.formValue;
  if (input.inputValue !== undefined) action.input_value = input.inputValue;
  if (input.option !== undefined) action.option = input.option;
  return {
    schema: "2.0",
    header: header(app, "card.action.trigger", input.at),
    event: {
      operator: { tenant_key: TENANT_KEY, ...userId(input.operator) },
      token: `c-${randomBytes(20).toString("hex")}`,
      action,
      host: "im_message",
      context: { url: "", preview_token: "", open_message_id: input.messageId, open_chat_id: input.chatId },
    },
  };
}
