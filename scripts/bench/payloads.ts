import { createCipheriv, createHash, randomBytes, randomUUID } from "node:crypto";
import { larkSignature } from "../../src/lark/signature.js";

/** Encrypts like Lark: AES-256-CBC, key sha256(encryptKey), base64(IV ‖ ciphertext). */
function encryptLark(payload: unknown, encryptKey: string): string {
  const key = createHash("sha256").update(encryptKey).digest();
  const iv = randomBytes(16);
  const cipher = createCipheriv("aes-256-cbc", key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(payload), "utf8"), cipher.final()]);
  return Buffer.concat([iv, body]).toString("base64");
}

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

/** The body and headers Lark would POST for `payload`, signed now by the system clock. */
export function signedRequest(payload: unknown, encryptKey: string): SignedRequest {
  const body = JSON.stringify({ encrypt: encryptLark(payload, encryptKey) });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomUUID();
  return {
    body,
    headers: {
      "content-type": "application/json",
      "x-lark-request-timestamp": timestamp,
      "x-lark-request-nonce": nonce,
      "x-lark-signature": larkSignature(timestamp, nonce, encryptKey, body),
    },
  };
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
      app_id: "cli_bench_app",
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
