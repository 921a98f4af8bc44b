import type { RateLimits } from "../src/delivery/rateLimiter.js";

/**
 * Lark Open API limits for sending (im/v1/messages create, reply, PATCH), from Lark's rate-limit
 * documentation: 50 requests/s and 1000/min per app; 5/s per chat and per user receiving;
 * 5 PATCH/s per card. With several instances the per-app budget is divided between them
 * (ZHIBU_INSTANCES); the per-chat/user/card limits rely on the 230020 back-off.
 */
export const LARK_RATE_LIMITS: RateLimits = {
  appPerSecond: 50,
  appPerMinute: 1000,
  perChatPerSecond: 5,
  perUserPerSecond: 5,
  perCardPerSecond: 5,
};

/** Attempts before an outbox item is dead-lettered (and the secretary told once). */
export const DELIVERY_MAX_ATTEMPTS = 8;

/** How often each instance looks for due outbox items (it is also woken on every enqueue). */
export const DELIVERY_POLL_MS = 1000;
