/**
 * A stand-in for the part of the Lark Open API the bot uses (src/lark/api.ts), on 127.0.0.1:
 * the tenant token, message send / reply / card PATCH, a chat and its members (paged), file
 * upload (multipart) and message resources. Answers have Lark's shapes (`code`, `msg`, `data`),
 * so the official SDK runs against it unchanged (LARK_DOMAIN = its URL). Everything goes into the
 * playground's store, where the page reads it.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { p2pChatId, type MessageType, type PlaygroundStore } from "./store.js";

export interface StandInOptions {
  store: PlaygroundStore;
  appId: string;
  appSecret: string;
  /** Members per page at most (Lark: 100); smaller in tests, to exercise paging. */
  maxPageSize?: number;
  port?: number;
}

export interface StandIn {
  url: string;
  close(): Promise<void>;
}

/** Lark's codes for the refusals the bot can meet here. */
const CODES = {
  invalidAppId: 10003,
  badSecret: 10014,
  badToken: 99991663,
  badRequest: 9499,
  noSuchChat: 232011,
  noSuchMessage: 230001,
  notACard: 230099,
  noSuchFile: 234003,
} as const;

const MAX_BODY_BYTES = 35 * 1024 * 1024; // a 30 MB file and its multipart framing

class LarkRefusal extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

function json(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const piece = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += piece.length;
    if (size > MAX_BODY_BYTES) throw new LarkRefusal(CODES.badRequest, "request body too large", 413);
    chunks.push(piece);
  }
  return Buffer.concat(chunks);
}

function parseJson(raw: Buffer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(raw.toString("utf8") || "{}");
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new LarkRefusal(CODES.badRequest, "invalid JSON body");
}

/**
 * The fields of a multipart/form-data body, as bytes. The SDK sends the file part without a
 * filename, which makes WHATWG FormData read it as text; so the parts are split here.
 */
export function parseMultipart(raw: Buffer, contentType: string): Map<string, Buffer> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!boundary) throw new LarkRefusal(CODES.badRequest, "expected multipart/form-data");
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const fields = new Map<string, Buffer>();
  let start = raw.indexOf(delimiter);
  while (start >= 0) {
    const partStart = start + delimiter.length + 2; // past the CRLF after the delimiter
    const next = raw.indexOf(delimiter, partStart);
    if (next < 0) break;
    const part = raw.subarray(partStart, next - 2); // the CRLF before the next delimiter
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd >= 0) {
      const name = /name="([^"]*)"/i.exec(part.subarray(0, headerEnd).toString("utf8"))?.[1];
      if (name) fields.set(name, part.subarray(headerEnd + 4));
    }
    start = next;
  }
  return fields;
}

const text = (value: unknown) => (typeof value === "string" ? value : undefined);

export async function startStandIn(options: StandInOptions): Promise<StandIn> {
  const { store } = options;
  const maxPageSize = options.maxPageSize ?? 100;
  const tenantToken = `t-playground-${randomBytes(12).toString("hex")}`;
  const tenantKey = "playground";

  /** The message object Lark answers a send or reply with. */
  const messageData = (messageId: string) => {
    const m = store.message(messageId)!;
    const ms = String(Date.parse(m.createTime));
    return {
      message_id: m.messageId,
      root_id: m.replyTo ?? "",
      parent_id: m.replyTo ?? "",
      msg_type: m.msgType,
      create_time: ms,
      update_time: String(Date.parse(m.updatedAt)),
      deleted: false,
      updated: false,
      chat_id: m.chatId,
      sender: { id: options.appId, id_type: "app_id", sender_type: "app", tenant_key: tenantKey },
      body: { content: JSON.stringify(m.content) },
    };
  };

  /** The content of a bot message as the store keeps it (parsed), checked like Lark checks it. */
  const contentOf = (msgType: unknown, raw: unknown): { msgType: MessageType; content: unknown } => {
    if (msgType !== "text" && msgType !== "post" && msgType !== "interactive" && msgType !== "file")
      throw new LarkRefusal(CODES.badRequest, `unsupported msg_type ${String(msgType)}`);
    let content: unknown;
    try {
      content = JSON.parse(text(raw) ?? "");
    } catch {
      throw new LarkRefusal(CODES.badRequest, "content is not a JSON string");
    }
    if (msgType === "file") {
      const fileKey = text((content as { file_key?: unknown }).file_key) ?? "";
      const file = store.file(fileKey);
      if (!file) throw new LarkRefusal(CODES.noSuchFile, "file_key not found");
      content = { file_key: fileKey, file_name: file.fileName };
    }
    return { msgType, content };
  };

  const postBot = (chatId: string, body: Record<string, unknown>, replyTo?: string) => {
    const { msgType, content } = contentOf(body.msg_type, body.content);
    const { message } = store.post({ chatId, from: "bot", msgType, content, replyTo, uuid: text(body.uuid) });
    if (msgType === "file") store.attachFile((content as { file_key: string }).file_key, message.messageId);
    return messageData(message.messageId);
  };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://stand-in");
    const p = url.pathname.split("/").filter(Boolean); // ["open-apis", "im", "v1", …]
    const method = req.method ?? "GET";
    const raw = await readBody(req);
    const ok = (data: object) => json(res, 200, { code: 0, msg: "success", data });

    if (method === "POST" && url.pathname === "/open-apis/auth/v3/tenant_access_token/internal") {
      const body = parseJson(raw);
      // Lark answers HTTP 400 with the code: 10003 for an unknown app, 10014 for a wrong secret.
      if (body.app_id !== options.appId)
        return json(res, 400, { code: CODES.invalidAppId, msg: "invalid param" });
      if (body.app_secret !== options.appSecret)
        return json(res, 400, { code: CODES.badSecret, msg: "app secret invalid" });
      return json(res, 200, { code: 0, msg: "ok", tenant_access_token: tenantToken, expire: 7200 });
    }
    if (req.headers.authorization !== `Bearer ${tenantToken}`) {
      throw new LarkRefusal(CODES.badToken, "Invalid access token for authorization.", 400);
    }
    if (p[0] !== "open-apis" || p[1] !== "im" || p[2] !== "v1") {
      throw new LarkRefusal(404, "not found", 404);
    }
    const [, , , resource, id, sub, key] = p;

    if (resource === "messages" && method === "POST" && !id) {
      const body = parseJson(raw);
      const receiveId = text(body.receive_id) ?? "";
      const type = url.searchParams.get("receive_id_type");
      let chatId: string;
      if (type === "chat_id") chatId = receiveId;
      else if (type === "open_id" && store.person(receiveId)) chatId = p2pChatId(receiveId);
      else throw new LarkRefusal(CODES.badRequest, `unknown receiver ${receiveId} (${String(type)})`);
      if (!store.chat(chatId)) throw new LarkRefusal(CODES.noSuchChat, "chat not found");
      return ok(postBot(chatId, body));
    }
    if (resource === "messages" && id && sub === "reply" && method === "POST") {
      const parent = store.message(id);
      if (!parent) throw new LarkRefusal(CODES.noSuchMessage, "message not found");
      return ok(postBot(parent.chatId, parseJson(raw), id));
    }
    if (resource === "messages" && id && !sub && method === "PATCH") {
      const message = store.message(id);
      if (!message) throw new LarkRefusal(CODES.noSuchMessage, "message not found");
      if (message.from !== "bot" || message.msgType !== "interactive")
        throw new LarkRefusal(CODES.notACard, "only the bot's own cards can be updated");
      store.updateCard(id, contentOf("interactive", parseJson(raw).content).content);
      return ok({});
    }
    if (resource === "messages" && id && sub === "resources" && key && method === "GET") {
      const file = store.file(key);
      if (!file || file.messageId !== id) throw new LarkRefusal(CODES.noSuchFile, "file not found", 404);
      res.writeHead(200, {
        "content-type": "application/octet-stream",
        "content-length": String(file.data.length),
        "content-disposition": `attachment; filename*=UTF-8''${encodeURIComponent(file.fileName)}`,
      });
      res.end(file.data);
      return;
    }
    if (resource === "chats" && id && method === "GET") {
      const chat = store.chat(id);
      if (!chat || chat.kind !== "group") throw new LarkRefusal(CODES.noSuchChat, "chat not found");
      if (!sub) {
        return ok({
          name: chat.name,
          description: "",
          owner_id: chat.ownerOpenId ?? "",
          owner_id_type: "open_id",
          chat_mode: "group",
          chat_type: "private",
          user_count: String(chat.memberOpenIds.length),
          bot_count: "1",
          tenant_key: tenantKey,
        });
      }
      if (sub === "members") {
        const size = Math.min(maxPageSize, Number(url.searchParams.get("page_size")) || 20);
        const start = Number(url.searchParams.get("page_token") || 0) || 0;
        const page = chat.memberOpenIds.slice(start, start + size);
        const more = start + size < chat.memberOpenIds.length;
        return ok({
          items: page.map((openId) => ({
            member_id_type: "open_id",
            member_id: openId,
            name: store.person(openId)?.name ?? "",
            tenant_key: tenantKey,
          })),
          page_token: more ? String(start + size) : "",
          has_more: more,
          member_total: chat.memberOpenIds.length,
        });
      }
    }
    if (resource === "files" && !id && method === "POST") {
      const form = parseMultipart(raw, String(req.headers["content-type"] ?? ""));
      const data = form.get("file");
      const fileName = form.get("file_name")?.toString("utf8");
      if (!data || !fileName) throw new LarkRefusal(CODES.badRequest, "file and file_name are required");
      if (data.length === 0) throw new LarkRefusal(CODES.badRequest, "the file is empty");
      const fileType = form.get("file_type")?.toString("utf8") || "stream";
      return ok({ file_key: store.addFile({ fileName, fileType, data }).fileKey });
    }
    throw new LarkRefusal(404, `no such API: ${method} ${url.pathname}`, 404);
  }

  const server: Server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (res.headersSent) return res.destroy();
      if (error instanceof LarkRefusal)
        return json(res, error.status, { code: error.code, msg: error.message });
      json(res, 500, { code: 500, msg: error instanceof Error ? error.message : "internal error" });
    });
  });
  server.listen(options.port ?? 0, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    server.once("listening", () => resolve());
    server.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
