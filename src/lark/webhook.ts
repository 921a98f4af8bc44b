import * as lark from "@larksuiteoapi/node-sdk";
import type { Middleware } from "koa";
import type { Clock } from "../domain/clock.js";
import type { Logger } from "../logger.js";
import { checkSignature } from "./signature.js";

const MAX_BODY_BYTES = 1024 * 1024;

export interface WebhookOptions {
  /** LARK_APP_ID: a decrypted event for another app is refused. */
  appId: string;
  encryptKey: string;
  verificationToken: string;
  clock: Clock;
  logger: Logger;
}

/**
 * Koa handler for Lark's event and card-callback URLs. We check the signature on the raw body
 * ourselves (the SDK re-serialises the parsed body and answers a failure with an empty 204),
 * answer 401 to unsigned, forged or stale requests, then hand the body to the SDK dispatcher.
 * Every accepted request gets 200 with a JSON body.
 */
export function larkWebhook(dispatcher: lark.EventDispatcher, options: WebhookOptions): Middleware {
  const cipher = new lark.AESCipher(options.encryptKey);
  return async (ctx) => {
    const rawBody = await readBody(ctx.req);
    if (rawBody === null) {
      ctx.status = 413;
      ctx.body = { error: "body too large" };
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawBody);
    } catch {
      parsed = undefined;
    }
    // Lark always posts a JSON object; `null`, an array or a number is a bad request.
    if (!isRecord(parsed)) {
      ctx.status = 400;
      ctx.body = { error: "invalid JSON" };
      return;
    }
    const body = parsed;
    const decrypted = decryptBody(cipher, body);
    const check = checkSignature(ctx.req.headers, rawBody, options.encryptKey, options.clock.now());

    // Lark's URL check: answered only when it decrypts with our key and carries our token.
    if (decrypted?.type === "url_verification") {
      if (decrypted.token !== options.verificationToken || (!check.ok && check.reason !== "unsigned")) {
        ctx.status = 401;
        ctx.body = { error: "verification failed" };
        return;
      }
      ctx.body = { challenge: decrypted.challenge };
      return;
    }
    if (!check.ok) {
      options.logger.warn({ path: ctx.path, outcome: "rejected", reason: check.reason }, "webhook rejected");
      ctx.status = 401;
      ctx.body = { error: `signature check failed: ${check.reason}` };
      return;
    }
    const token = (decrypted?.header as { token?: unknown } | undefined)?.token ?? decrypted?.token;
    if (!decrypted || token !== options.verificationToken) {
      options.logger.warn({ path: ctx.path, outcome: "rejected", reason: "token" }, "webhook rejected");
      ctx.status = 401;
      ctx.body = { error: "verification token mismatch" };
      return;
    }
    if (eventAppId(decrypted) !== options.appId) {
      options.logger.warn({ path: ctx.path, outcome: "rejected", reason: "app_id" }, "webhook rejected");
      ctx.status = 401;
      ctx.body = { error: "app_id mismatch" };
      return;
    }
    // Already decrypted and checked: the dispatcher gets the plain event (it would decrypt the
    // body a second time, a cost every card click paid on the answer path).
    const data = Object.assign(Object.create({ headers: ctx.req.headers }), decrypted);
    const result: unknown = await dispatcher.invoke(data, { needCheck: false });
    ctx.status = 200;
    ctx.body = result && typeof result === "object" ? result : {};
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The app an event is for: `header.app_id` (schema 2.0), `event.app_id` (schema 1.0). */
function eventAppId(decrypted: Record<string, unknown>): unknown {
  const header = decrypted.header;
  if (isRecord(header)) return header.app_id;
  const event = decrypted.event;
  return isRecord(event) ? event.app_id : undefined;
}

function decryptBody(cipher: lark.AESCipher, body: Record<string, unknown>): Record<string, unknown> | null {
  if (typeof body.encrypt !== "string") return null; // we require encryption: plain bodies are refused
  try {
    const decrypted: unknown = JSON.parse(cipher.decrypt(body.encrypt));
    return isRecord(decrypted) ? decrypted : null;
  } catch {
    return null;
  }
}

async function readBody(req: NodeJS.ReadableStream): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
