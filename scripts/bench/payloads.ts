import { randomUUID } from "node:crypto";
import { signedBody, type SignedBody } from "../../test/helpers/signing.js";

export type SignedRequest = SignedBody;

/** The body and headers Lark would POST for `payload`, signed now by the system clock. */
export function signedRequest(payload: unknown, encryptKey: string): SignedRequest {
  return signedBody(payload, { encryptKey });
}

let counter = 0;

/** A schema 2.0 card.action.trigger callback (the shape of test/fixtures/lark/card.action.trigger.json). */
export function cardClick(options: {
  token: string;
  operator: string;
  value: Record<string, unknown>;
  messageId: string;
  chatId: string;
}) {
  const eventId = `ev_bench_${Date.now().toString(16)}_${(++counter).toString(16).padStart(6, "0")}`;
  return {
    schema: "2.0",
    header: {
      event_id: eventId,
      token: options.token,
      create_time: String(Date.now() * 1000),
      event_type: "card.action.trigger",
      tenant_key: "2ca1d211f64f6438",
      app_id: "cli_be0c0000000000a1",
    },
    event: {
      operator: {
        tenant_key: "2ca1d211f64f6438",
        user_id: options.operator.replace(/^ou_/, ""),
        open_id: options.operator,
        union_id: `on_${options.operator.replace(/^ou_/, "")}`,
      },
      token: `c-${randomUUID()}`,
      action: {
        value: options.value,
        tag: "button",
        timezone: "Asia/Shanghai",
        name: "rsvp_attend",
        form_value: { reason: "" },
      },
      host: "im_message",
      delivery_type: "url_preview",
      context: {
        url: "",
        preview_token: "",
        open_message_id: options.messageId,
        open_chat_id: options.chatId,
      },
    },
  };
}

/** An im.message.receive_v1 event: `text` from `sender`, @-mentioning the bot in a group chat. */
export function textMessage(options: {
  token: string;
  sender: string;
  chatId: string;
  text: string;
  messageId: string;
  eventId?: string;
  /** The bot's LARK_APP_ID: the webhook refuses events for another app. */
  appId?: string;
}) {
  const eventId = options.eventId ?? `ev_bench_msg_${Date.now().toString(16)}_${(++counter).toString(16)}`;
  return {
    schema: "2.0",
    header: {
      event_id: eventId,
      event_type: "im.message.receive_v1",
      create_time: String(Date.now()),
      token: options.token,
      app_id: options.appId ?? "cli_be0c0000000000a1",
      tenant_key: "2ca1d211f64f6438",
    },
    event: {
      sender: {
        sender_id: { union_id: "", user_id: "", open_id: options.sender },
        sender_type: "user",
        tenant_key: "2ca1d211f64f6438",
      },
      message: {
        message_id: options.messageId,
        root_id: "",
        parent_id: "",
        create_time: String(Date.now()),
        update_time: String(Date.now()),
        chat_id: options.chatId,
        thread_id: "",
        chat_type: "group",
        message_type: "text",
        content: JSON.stringify({ text: `@_user_1 ${options.text}` }),
        mentions: [
          {
            key: "@_user_1",
            id: { union_id: "", user_id: "", open_id: "ou_bench_bot" },
            name: "支部助手",
            tenant_key: "2ca1d211f64f6438",
          },
        ],
      },
    },
  };
}
