import type { Metrics } from "../metrics.js";
import { LarkApiError } from "./api.js";
import type { LarkApi } from "./types.js";

/** Lark's answer to a call over a rate limit: HTTP 429, or code 99991400 on HTTP 200. */
const RATE_LIMITED_CODE = 99991400;

/** Every method of LarkApi (the compiler checks the list is complete): the `api` label's values. */
const LARK_APIS = Object.keys({
  send: true,
  reply: true,
  patchCard: true,
  listChatMembers: true,
  getChatOwner: true,
  uploadFile: true,
  downloadMessageFile: true,
} satisfies Record<keyof LarkApi, true>) as (keyof LarkApi)[];

export function isRateLimited(error: unknown): boolean {
  return error instanceof LarkApiError && (error.httpStatus === 429 || error.code === RATE_LIMITED_CODE);
}

/**
 * The Lark API counting its failures for /metrics: 429s and other errors, labelled by the method
 * called (send, reply, patchCard…), a short bounded name, never a URL carrying ids.
 */
export function instrumentLarkApi(lark: LarkApi, metrics: Pick<Metrics, "larkErrors" | "larkRateLimited">) {
  const wrapped = {} as Record<string, unknown>;
  for (const api of LARK_APIS) {
    const method = lark[api] as (...args: unknown[]) => Promise<unknown>;
    wrapped[api] = async (...args: unknown[]) => {
      try {
        return await method.apply(lark, args);
      } catch (error) {
        (isRateLimited(error) ? metrics.larkRateLimited : metrics.larkErrors).inc({ api });
        throw error;
      }
    };
  }
  return wrapped as unknown as LarkApi;
}
