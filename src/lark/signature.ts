import { createHash, timingSafeEqual } from "node:crypto";

/** Lark rejects nothing for us: the SDK skips checks without a key and answers 204. We check here. */
export const MAX_REQUEST_AGE_SECONDS = 5 * 60;

export type SignatureCheck = { ok: true } | { ok: false; reason: "unsigned" | "forged" | "stale" };

export function larkSignature(timestamp: string, nonce: string, encryptKey: string, rawBody: string): string {
  return createHash("sha256")
    .update(timestamp + nonce + encryptKey + rawBody)
    .digest("hex");
}

/** sha256(timestamp + nonce + encryptKey + raw body) must equal X-Lark-Signature, and be fresh. */
export function checkSignature(
  headers: Record<string, string | string[] | undefined>,
  rawBody: string,
  encryptKey: string,
  now: Date,
): SignatureCheck {
  const timestamp = single(headers["x-lark-request-timestamp"]);
  const nonce = single(headers["x-lark-request-nonce"]);
  const signature = single(headers["x-lark-signature"]);
  if (!timestamp || !nonce || !signature) return { ok: false, reason: "unsigned" };
  const expected = Buffer.from(larkSignature(timestamp, nonce, encryptKey, rawBody), "utf8");
  const given = Buffer.from(signature, "utf8");
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: "forged" };
  const ageSeconds = now.getTime() / 1000 - Number(timestamp);
  // A clock a little ahead of ours is tolerated by the same margin.
  if (!Number.isFinite(ageSeconds) || Math.abs(ageSeconds) > MAX_REQUEST_AGE_SECONDS) {
    return { ok: false, reason: "stale" };
  }
  return { ok: true };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
