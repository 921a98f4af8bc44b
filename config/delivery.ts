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

/**
 * Margin added to every rate window, ms. The limiter counts a send when it admits it; Lark counts
 * it on arrival, which on a busy machine can be a few hundred ms later when many waiters are
 * released at once. 20 ms still drew 429s in the fan-out benchmark under load; 100–150 ms drew none
 * at load 7–9 on two cores, and 250 ms leaves room for worse,
 * and costs little because the 1000/min budget caps sustained throughput anyway.
 */
export const RATE_SAFETY_MS = 250;
