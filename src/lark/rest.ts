import type { Config } from "../env.js";
import type { Logger } from "../logger.js";

/**
 * The few Open API calls the bot makes, over fetch, with the tenant token cached per client. The
 * SDK's client would do the same, but loading its 6 MB bundle (every Lark API) costs about 55 MB
 * of resident memory and half a second at every start; the SDK is loaded only for the long
 * connection (ws.ts).
 */

/** A Lark API answer with a non-zero code (or an HTTP error carrying one). */
export class LarkApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly httpStatus?: number,
    /** From `x-ogw-ratelimit-reset` on a rate-limited answer. */
    readonly retryAfterSeconds?: number,
    /** From `x-ogw-ratelimit-limit`: the quota that was exceeded (50 or 1000 per app, 5 per chat…). */
    readonly rateLimit?: number,
  ) {
    super(`Lark API error ${code}: ${message}`);
    this.name = "LarkApiError";
  }
}

/** A stuck connection must not hold a command or a delivery forever. */
export const LARK_HTTP_TIMEOUT_MS = 10_000;
/** A token is renewed this long before Lark says it expires. */
const TOKEN_MARGIN_MS = 3 * 60_000;
/** Answers meaning the token is no longer good: the next call fetches a new one. */
const STALE_TOKEN_CODES = new Set([99991661, 99991663, 99991664, 99991665, 99991668]);

interface LarkAnswer {
  code?: number;
  msg?: string;
  data?: unknown;
  tenant_access_token?: string;
  expire?: number;
}

export interface LarkRequest {
  method: "GET" | "POST" | "PATCH";
  /** `/open-apis/…`, path parameters already in it (encoded by the caller). */
  path: string;
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  form?: FormData;
  /** Without the bearer token (the token request itself). */
  anonymous?: boolean;
}

export interface LarkRestClient {
  /** The JSON answer's `data` (the whole answer for the token endpoint); LarkApiError otherwise. */
  json<T>(request: LarkRequest): Promise<T | undefined>;
  /** The raw answer of a download; a JSON error answer becomes a LarkApiError. */
  raw(request: LarkRequest): Promise<Response>;
}

export function createLarkClient(
  config: Pick<Config, "LARK_APP_ID" | "LARK_APP_SECRET" | "LARK_DOMAIN">,
  logger?: Logger,
): LarkRestClient {
  const base = config.LARK_DOMAIN.replace(/\/+$/, "");
  let token: { value: string; until: number } | null = null;
  let fetching: Promise<string> | null = null;

  async function send(request: LarkRequest): Promise<Response> {
    const url = new URL(base + request.path);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = {};
    if (!request.anonymous) headers.authorization = `Bearer ${await tenantToken()}`;
    let body: string | FormData | undefined;
    if (request.form) body = request.form;
    else if (request.json !== undefined) {
      headers["content-type"] = "application/json; charset=utf-8";
      body = JSON.stringify(request.json);
    }
    try {
      return await fetch(url, {
        method: request.method,
        headers,
        body,
        signal: AbortSignal.timeout(LARK_HTTP_TIMEOUT_MS),
      });
    } catch (error) {
      // Never the request itself in an error: its body holds message text, its headers the token.
      const { name, cause } = error as { name?: string; cause?: { code?: unknown } };
      // eslint-disable-next-line preserve-caught-error -- the cause is exactly what must not reach a log
      throw new Error(`Lark request failed: ${String(cause?.code ?? name ?? "network error")}`);
    }
  }

  /** Turns an HTTP error or a non-zero code into a LarkApiError. */
  function check(response: Response, answer: LarkAnswer | null): void {
    const code = typeof answer?.code === "number" ? answer.code : 0;
    if (response.ok && code === 0) return;
    if (STALE_TOKEN_CODES.has(code)) token = null;
    if (!response.ok) {
      const reset = Number(response.headers.get("x-ogw-ratelimit-reset") ?? NaN);
      const quota = Number(response.headers.get("x-ogw-ratelimit-limit") ?? NaN);
      throw new LarkApiError(
        code,
        answer?.msg ?? `HTTP ${response.status}`,
        response.status,
        reset >= 0 ? reset : undefined,
        quota > 0 ? quota : undefined,
      );
    }
    throw new LarkApiError(code, answer?.msg ?? "");
  }

  async function readAnswer(response: Response): Promise<LarkAnswer | null> {
    const text = await response.text();
    try {
      const parsed: unknown = JSON.parse(text);
      return parsed && typeof parsed === "object" ? (parsed as LarkAnswer) : null;
    } catch {
      return null;
    }
  }

  async function json<T>(request: LarkRequest): Promise<T | undefined> {
    const response = await send(request);
    const answer = await readAnswer(response);
    check(response, answer);
    return (request.anonymous ? answer : answer?.data) as T | undefined;
  }

  /** The tenant token, fetched once and shared by concurrent callers until shortly before it expires. */
  function tenantToken(): Promise<string> {
    if (token && token.until > Date.now()) return Promise.resolve(token.value);
    fetching ??= json<LarkAnswer>({
      method: "POST",
      path: "/open-apis/auth/v3/tenant_access_token/internal",
      json: { app_id: config.LARK_APP_ID, app_secret: config.LARK_APP_SECRET },
      anonymous: true,
    })
      .then((answer) => {
        if (!answer?.tenant_access_token) throw new LarkApiError(-1, "Lark answered no tenant_access_token");
        const lifetimeMs = (answer.expire ?? 7200) * 1000;
        token = {
          value: answer.tenant_access_token,
          until: Date.now() + Math.max(lifetimeMs - TOKEN_MARGIN_MS, lifetimeMs / 2),
        };
        return token.value;
      })
      .catch((error: unknown) => {
        logger?.warn({ error: (error as Error).message }, "could not get a Lark tenant token");
        throw error;
      })
      .finally(() => {
        fetching = null;
      });
    return fetching;
  }

  return {
    json,
    async raw(request) {
      const response = await send(request);
      const type = response.headers.get("content-type") ?? "";
      if (!response.ok || type.includes("application/json")) {
        check(response, await readAnswer(response));
        throw new LarkApiError(-1, "Lark answered JSON instead of the file");
      }
      return response;
    },
  };
}
