import { LarkApiError } from "../lark/api.js";

/** How to treat a failed send (Lark's error codes). */
export type FailureKind =
  // HTTP 429 / 99991400: wait for the reset; `quota` (x-ogw-ratelimit-limit) tells which limit
  | { kind: "rate-limited"; retryAfterMs: number; quota?: number }
  | { kind: "chat-busy" } // 230020: this chat is over its message limit: back off that chat
  | { kind: "transient" } // 5xx, network, token hiccups: exponential back-off
  | { kind: "permanent" }; // bot removed from chat, user not found, bad request: never retried

const RATE_LIMITED = 99991400;
const CHAT_BUSY = 230020;
/** Token and gateway errors that clear up on their own. */
const TRANSIENT_CODES = new Set([99991661, 99991663, 99991664, 99991665, 99991668, 1500, 1503]);

export function classifyFailure(error: unknown): FailureKind {
  if (!(error instanceof LarkApiError)) return { kind: "transient" }; // network error, timeout
  if (error.code === RATE_LIMITED || error.httpStatus === 429) {
    const retryAfterMs = Math.max(1, error.retryAfterSeconds ?? 1) * 1000;
    return error.rateLimit === undefined
      ? { kind: "rate-limited", retryAfterMs }
      : { kind: "rate-limited", retryAfterMs, quota: error.rateLimit };
  }
  if (error.code === CHAT_BUSY) return { kind: "chat-busy" };
  if ((error.httpStatus ?? 0) >= 500 || TRANSIENT_CODES.has(error.code)) return { kind: "transient" };
  return { kind: "permanent" };
}

/** Exponential back-off with full jitter: attempt 1 → up to 2 s, 2 → 4 s, … capped. */
export function backoffMs(attempt: number, baseMs = 1000, capMs = 5 * 60_000, random = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
