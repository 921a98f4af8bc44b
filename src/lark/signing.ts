/**
 * What Lark sends, built the way Lark builds it: the inverse of webhook.ts (which decrypts and
 * checks the signature). The bot never calls this; the playground (which plays Lark on 127.0.0.1)
 * and the tests do.
 */
import { createCipheriv, createHash, randomBytes, randomUUID } from "node:crypto";
import { larkSignature } from "./signature.js";

/** Encrypts like Lark: AES-256-CBC, key sha256(encryptKey), base64(IV ‖ ciphertext). */
export function encryptLark(payload: unknown, encryptKey: string): string {
  const key = createHash("sha256").update(encryptKey).digest();
  const iv = randomBytes(16);
  const cipher = createCipheriv("aes-256-cbc", key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(payload), "utf8"), cipher.final()]);
  return Buffer.concat([iv, body]).toString("base64");
}

export interface SignedBody {
  body: string;
  headers: Record<string, string>;
}

/**
 * The body and headers Lark would POST for `payload`: encrypted, signed at `timestamp` (seconds;
 * default now by the system clock) with `nonce` (default a random UUID).
 */
export function signedBody(
  payload: unknown,
  options: { encryptKey: string; timestamp?: number; nonce?: string },
): SignedBody {
  const body = JSON.stringify({ encrypt: encryptLark(payload, options.encryptKey) });
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = options.nonce ?? randomUUID();
  return {
    body,
    headers: {
      "content-type": "application/json",
      "x-lark-request-timestamp": timestamp,
      "x-lark-request-nonce": nonce,
      "x-lark-signature": larkSignature(timestamp, nonce, options.encryptKey, body),
    },
  };
}
