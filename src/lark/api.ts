import * as lark from "@larksuiteoapi/node-sdk";
import type { Config } from "../env.js";
import type { Logger } from "../logger.js";
import { sdkLogger } from "./dispatcher.js";
import type { Readable } from "node:stream";
import type { DownloadedFile, LarkApi, OutgoingContent, Target, UploadFileType } from "./types.js";

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

/** A token cache of its own: the SDK's default is process-wide per app id, which leaks across tests. */
export function createTokenCache(): lark.Cache {
  const store = new Map<string, { value: unknown; expiresAt?: number }>();
  // The SDK keys tokens by a Symbol plus a namespace (the app id); its Cache type says `Symbol`.
  // eslint-disable-next-line @typescript-eslint/no-wrapper-object-types
  const keyOf = (key: string | symbol | Symbol, namespace?: string) =>
    `${namespace ?? ""}:${typeof key === "string" ? key : key.toString()}`;
  return {
    async get(key, options) {
      const entry = store.get(keyOf(key, options?.namespace));
      if (!entry || (entry.expiresAt !== undefined && entry.expiresAt < Date.now())) return undefined;
      return entry.value;
    },
    async set(key, value, expiresAt, options) {
      store.set(keyOf(key, options?.namespace), { value, expiresAt });
      return true;
    },
  };
}

/** A stuck connection must not hold a command or a delivery forever (the SDK's default is none). */
const LARK_HTTP_TIMEOUT_MS = 10_000;

export function createLarkClient(config: Config, logger: Logger): lark.Client {
  lark.defaultHttpInstance.defaults.timeout = LARK_HTTP_TIMEOUT_MS;
  return new lark.Client({
    appId: config.LARK_APP_ID,
    appSecret: config.LARK_APP_SECRET,
    domain: config.LARK_DOMAIN,
    cache: createTokenCache(),
    loggerLevel: lark.LoggerLevel.warn,
    // Without it the SDK prints its own non-JSON lines to stdout with console.log.
    logger: sdkLogger(logger),
  });
}

function messageBody(content: OutgoingContent): { msg_type: string; content: string } {
  if ("card" in content) return { msg_type: "interactive", content: JSON.stringify(content.card) };
  if ("file" in content) return { msg_type: "file", content: JSON.stringify({ file_key: content.file }) };
  return { msg_type: "text", content: JSON.stringify({ text: content.text }) };
}

interface LarkResponse<T> {
  code?: number;
  msg?: string;
  data?: T;
}

/** Calls the SDK and turns both HTTP errors and `code != 0` answers into LarkApiError. */
async function call<T>(request: () => Promise<LarkResponse<T>>): Promise<T | undefined> {
  let response: LarkResponse<T>;
  try {
    response = await request();
  } catch (error) {
    const http = (
      error as {
        response?: { status?: number; data?: LarkResponse<unknown>; headers?: Record<string, unknown> };
      }
    ).response;
    if (http?.status) {
      const reset = Number(http.headers?.["x-ogw-ratelimit-reset"]);
      const quota = Number(http.headers?.["x-ogw-ratelimit-limit"]);
      const code = typeof http.data?.code === "number" ? http.data.code : 0;
      throw new LarkApiError(
        code,
        http.data?.msg ?? `HTTP ${http.status}`,
        http.status,
        reset >= 0 ? reset : undefined,
        quota > 0 ? quota : undefined,
      );
    }
    // No HTTP answer (network error, timeout): never rethrow the axios error itself, whose
    // `config` and `request` carry the message body and the bearer token into any log line.
    const { code, message } = error as { code?: unknown; message?: unknown };
    // eslint-disable-next-line preserve-caught-error -- the cause is exactly what must not reach a log
    throw new Error(`Lark request failed: ${String(code ?? message ?? "network error")}`);
  }
  if (response.code !== undefined && response.code !== 0) {
    throw new LarkApiError(response.code, response.msg ?? "");
  }
  return response.data;
}

export function createLarkApi(client: lark.Client): LarkApi {
  return {
    async send(target: Target, content: OutgoingContent, uuid?: string) {
      const receiveIdType = "chatId" in target ? "chat_id" : "open_id";
      const receiveId = "chatId" in target ? target.chatId : target.openId;
      const data = await call(() =>
        client.im.v1.message.create({
          params: { receive_id_type: receiveIdType },
          data: { receive_id: receiveId, ...messageBody(content), uuid },
        }),
      );
      return data?.message_id ?? "";
    },
    async reply(messageId: string, content: OutgoingContent, uuid?: string) {
      const data = await call(() =>
        client.im.v1.message.reply({
          path: { message_id: messageId },
          data: { ...messageBody(content), uuid },
        }),
      );
      return data?.message_id ?? "";
    },
    async patchCard(messageId: string, card: object) {
      await call(() =>
        client.im.v1.message.patch({
          path: { message_id: messageId },
          data: { content: JSON.stringify(card) },
        }),
      );
    },
    async listChatMembers(chatId: string) {
      const members: { openId: string; name: string }[] = [];
      let pageToken: string | undefined;
      do {
        const data = await call(() =>
          client.im.v1.chatMembers.get({
            path: { chat_id: chatId },
            params: { member_id_type: "open_id", page_size: 100, page_token: pageToken },
          }),
        );
        for (const item of data?.items ?? []) {
          if (item.member_id) members.push({ openId: item.member_id, name: item.name ?? "" });
        }
        pageToken = data?.has_more ? data.page_token : undefined;
      } while (pageToken);
      return members;
    },
    async getChatOwner(chatId: string) {
      const data = await call(() =>
        client.im.v1.chat.get({ path: { chat_id: chatId }, params: { user_id_type: "open_id" } }),
      );
      return data?.owner_id ?? null;
    },
    async uploadFile(fileName: string, data: Buffer, fileType: UploadFileType) {
      if (data.length === 0) throw new Error("Lark does not accept an empty file");
      // Unlike the other methods, the SDK unwraps this answer to its `data` (or null): a
      // non-zero code on HTTP 200 shows up as a missing file_key.
      const result = await call(async () => ({
        data: await client.im.v1.file.create({
          data: { file_type: fileType, file_name: fileName, file: data },
        }),
      }));
      const fileKey = result?.file_key;
      if (!fileKey) throw new LarkApiError(-1, "file upload answered no file_key");
      return fileKey;
    },
    async downloadMessageFile(messageId: string, fileKey: string, maxBytes: number): Promise<DownloadedFile> {
      const result = await call(async () => ({
        data: await client.im.v1.messageResource.get({
          path: { message_id: messageId, file_key: fileKey },
          params: { type: "file" },
        }),
      }));
      if (!result) throw new LarkApiError(-1, "file download answered nothing");
      const length = Number((result.headers as Record<string, unknown> | undefined)?.["content-length"]);
      const stream = result.getReadableStream() as Readable;
      if (length > maxBytes) {
        stream.destroy();
        return { kind: "too-large" };
      }
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of stream) {
        const piece = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
        total += piece.length;
        if (total > maxBytes) {
          stream.destroy();
          return { kind: "too-large" };
        }
        chunks.push(piece);
      }
      return { kind: "ok", data: Buffer.concat(chunks) };
    },
  };
}

/** Lark's answers to a tenant token request naming a wrong app: 10003 invalid app_id, 10014 app secret invalid. */
const REFUSED_CREDENTIAL_CODES = new Set([10003, 10014]);

export type CredentialCheck = { ok: true } | { ok: false; refused: boolean; reason: string };

/**
 * Asks Lark for a tenant access token once. `refused`: Lark rejected the app id or secret (the
 * start must stop); otherwise (network error, 5xx, another code) the caller retries.
 */
export async function checkCredentials(config: Config): Promise<CredentialCheck> {
  const client = new lark.Client({
    appId: config.LARK_APP_ID,
    appSecret: config.LARK_APP_SECRET,
    domain: config.LARK_DOMAIN,
    cache: createTokenCache(),
    loggerLevel: lark.LoggerLevel.error,
    logger: { error() {}, warn() {}, info() {}, debug() {}, trace() {} },
  });
  lark.defaultHttpInstance.defaults.timeout = LARK_HTTP_TIMEOUT_MS;
  try {
    const answer = await call(async () => {
      const response = (await client.auth.v3.tenantAccessToken.internal({
        data: { app_id: config.LARK_APP_ID, app_secret: config.LARK_APP_SECRET },
      })) as LarkResponse<unknown> & { tenant_access_token?: string };
      // This endpoint answers its token at the top level, not under `data`.
      return { ...response, data: response.tenant_access_token };
    });
    if (!answer) return { ok: false, refused: false, reason: "Lark answered no tenant_access_token" };
    return { ok: true };
  } catch (error) {
    if (error instanceof LarkApiError && REFUSED_CREDENTIAL_CODES.has(error.code)) {
      return {
        ok: false,
        refused: true,
        reason: `${error.code} ${error.message.replace(/^Lark API error \d+: /, "")}`,
      };
    }
    return { ok: false, refused: false, reason: (error as Error).message };
  }
}
