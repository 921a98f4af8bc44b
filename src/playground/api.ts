/**
 * The playground page's JSON API (README "Playground"): the state (people, chats), the messages
 * of a chat, saying something, clicking a card, moving the clock, downloading a file. `say` and
 * `action` go to the bot the way Lark's do: an event built in Lark's shape, encrypted, signed and
 * POSTed to the bot's own webhook routes.
 */
import Router from "@koa/router";
import type { Context } from "koa";
import { z } from "zod";
import type { Member } from "../db/models/member.js";
import type { Models } from "../db/models/index.js";
import { currentExemption, EXEMPTION_ZH } from "../domain/roster.js";
import { statusOf, STATUS_ZH } from "../domain/whoCounts.js";
import { signedBody } from "../lark/signing.js";
import type { Clock } from "../domain/clock.js";
import { CLOCK_TARGETS, type ClockTarget } from "./clock.js";
import { DEMO_ORG } from "./demo.js";
import { cardActionEvent, messageEvent, type AppIdentity } from "./events.js";
import type { PlaygroundStore } from "./store.js";

export interface PlaygroundApiOptions {
  store: PlaygroundStore;
  models: Models;
  clock: Clock;
  app: AppIdentity & { encryptKey: string };
  timeZone: string;
  /** The bot's own address (known once it listens). */
  botUrl(): string;
  moveClock(to: ClockTarget): Promise<Date>;
}

const MAX_BODY_BYTES = 256 * 1024;
/** A file a person sends (base64 in JSON): Lark's limit for the bot's reading is far above the bot's 5 MB. */
const MAX_FILE_BYTES = 10 * 1024 * 1024;
const ROLE_ZH = { secretary: "书记", committee: "委员" } as const;

const openId = z.string().regex(/^ou_[A-Za-z0-9_-]{1,124}$/, "应为 ou_ 开头的 open id");
const chatId = z.string().regex(/^oc_[A-Za-z0-9_-]{1,124}$/, "应为 oc_ 开头的 chat id");
const messageId = z.string().regex(/^om_[A-Za-z0-9_-]{1,124}$/, "应为 om_ 开头的消息 id");
const record = z.record(z.string(), z.unknown());

const messagesQuery = z.object({
  chatId,
  as: openId.optional(),
  since: z.coerce.number().int().min(0).default(0),
});
const sayBody = z.object({
  as: openId,
  chatId,
  text: z.string().trim().min(1, "不能发送空消息").max(4000, "消息最多 4000 字"),
  mentionOpenIds: z.array(openId).max(50).optional(),
});
const actionBody = z.object({
  as: openId,
  messageId,
  value: record,
  formValue: record.optional(),
  inputValue: z.string().max(4000).optional(),
  option: z.string().max(200).optional(),
  name: z.string().max(200).optional(),
});
const clockBody = z.object({ to: z.enum(CLOCK_TARGETS) });
const fileBody = z.object({
  as: openId,
  chatId,
  fileName: z.string().trim().min(1, "缺少文件名").max(255, "文件名最多 255 字"),
  data: z
    .string()
    .min(1, "文件不能为空")
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, "应为 base64"),
});

class BadRequest extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

async function readJson(ctx: Context, limit = MAX_BODY_BYTES): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    const piece = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += piece.length;
    if (size > limit) throw new BadRequest("请求体过大", 413);
    chunks.push(piece);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
  } catch {
    throw new BadRequest("请求体不是 JSON");
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new BadRequest(`${issue.path.join(".") || "请求"}：${issue.message}`);
}

const contentTypes: Record<string, string> = {
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  xls: "application/vnd.ms-excel",
  pdf: "application/pdf",
  csv: "text/csv; charset=utf-8",
};

export function createPlaygroundApi(options: PlaygroundApiOptions): Router {
  const { store } = options;
  const router = new Router({ prefix: "/playground/api" });

  router.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (!(error instanceof BadRequest)) throw error;
      ctx.status = error.status;
      ctx.body = { error: error.message };
    }
  });

  const personOf = (id: string) => {
    const person = store.person(id);
    if (!person) throw new BadRequest(`没有这个人：${id}`, 404);
    return person;
  };
  const chatFor = (id: string, as: string) => {
    const chat = store.chat(id);
    if (!chat) throw new BadRequest(`没有这个会话：${id}`, 404);
    if (!chat.memberOpenIds.includes(as)) throw new BadRequest(`${personOf(as).name} 不在这个会话中`, 403);
    return chat;
  };
  /** POSTs `payload` to the bot as Lark would: encrypted, signed at the bot's time. */
  const postToBot = (path: string, payload: unknown) => {
    const signed = signedBody(payload, {
      encryptKey: options.app.encryptKey,
      timestamp: Math.floor(options.clock.now().getTime() / 1000),
    });
    return fetch(`${options.botUrl()}${path}`, {
      method: "POST",
      headers: signed.headers,
      body: signed.body,
    });
  };

  router.get("/state", async (ctx) => {
    const members = await options.models.Member.find({ active: true }).lean<Member[]>();
    const branches = await options.models.Branch.find({}, { name: 1, chatId: 1 }).lean<
      { _id: string; name: string }[]
    >();
    const branchName = new Map(branches.map((b) => [b._id, b.name]));
    const now = options.clock.now();
    ctx.body = {
      now: now.toISOString(),
      timeZone: options.timeZone, // the page shows the clock in the bot's zone
      org: { name: DEMO_ORG.name },
      people: store.allPeople().map((p) => {
        const member = members.find((m) => m.openId === p.openId);
        // The 党委书记 is on no branch's roster: shown under the 党委.
        if (!member) return { ...p, status: STATUS_ZH.full, branchName: DEMO_ORG.name, role: "党委书记" };
        const period = currentExemption(member, now);
        const status =
          STATUS_ZH[statusOf(member)] +
          (period ? `（${EXEMPTION_ZH[period.kind as keyof typeof EXEMPTION_ZH]}）` : "");
        const role = ROLE_ZH[member.role as keyof typeof ROLE_ZH];
        return { ...p, status, branchName: branchName.get(member.branchId) ?? "", ...(role ? { role } : {}) };
      }),
      chats: store.allChats().map((c) => ({
        chatId: c.chatId,
        name: c.name,
        kind: c.kind,
        memberOpenIds: c.memberOpenIds,
        ...(c.ownerOpenId ? { ownerOpenId: c.ownerOpenId } : {}),
        ...(c.p2pOf ? { p2pOf: c.p2pOf } : {}),
      })),
    };
  });

  router.get("/messages", (ctx) => {
    const query = parse(messagesQuery, ctx.query);
    if (query.as) chatFor(query.chatId, query.as);
    else if (!store.chat(query.chatId)) throw new BadRequest(`没有这个会话：${query.chatId}`, 404);
    ctx.body = {
      seq: store.lastSeq,
      messages: store.messagesOf(query.chatId, query.since).map(({ uuid: _uuid, ...m }) => m),
    };
  });

  router.post("/say", async (ctx) => {
    const body = parse(sayBody, await readJson(ctx));
    const chat = chatFor(body.chatId, body.as);
    // The person's own message, as their client shows it.
    const { message } = store.post({
      chatId: chat.chatId,
      from: body.as,
      msgType: "text",
      content: { text: body.text },
    });
    const event = messageEvent(options.app, {
      messageId: message.messageId,
      chat,
      sender: body.as,
      text: body.text,
      people: store.allPeople(),
      mentionOpenIds: body.mentionOpenIds,
      at: options.clock.now(),
    });
    const answer = await postToBot("/webhook/event", event);
    if (!answer.ok) throw new BadRequest(`机器人拒收了这条消息（HTTP ${answer.status}）`, 502);
    ctx.body = { messageId: message.messageId };
  });

  router.post("/file", async (ctx) => {
    const body = parse(fileBody, await readJson(ctx, Math.ceil((MAX_FILE_BYTES * 4) / 3) + 4096));
    const chat = chatFor(body.chatId, body.as);
    const data = Buffer.from(body.data, "base64");
    if (data.length > MAX_FILE_BYTES) throw new BadRequest("文件超过 10 MB", 413);
    const file = store.addFile({ fileName: body.fileName, fileType: "stream", data });
    const { message } = store.post({
      chatId: chat.chatId,
      from: body.as,
      msgType: "file",
      content: { file_key: file.fileKey, file_name: file.fileName },
    });
    store.attachFile(file.fileKey, message.messageId);
    const event = messageEvent(options.app, {
      messageId: message.messageId,
      chat,
      sender: body.as,
      text: "",
      people: store.allPeople(),
      file: { fileKey: file.fileKey, fileName: file.fileName },
      at: options.clock.now(),
    });
    const answer = await postToBot("/webhook/event", event);
    if (!answer.ok) throw new BadRequest(`机器人拒收了这个文件（HTTP ${answer.status}）`, 502);
    ctx.body = { messageId: message.messageId };
  });

  router.post("/action", async (ctx) => {
    const body = parse(actionBody, await readJson(ctx));
    const message = store.message(body.messageId);
    if (!message || message.msgType !== "interactive") throw new BadRequest("没有这张卡片", 404);
    chatFor(message.chatId, body.as);
    const event = cardActionEvent(options.app, {
      operator: body.as,
      messageId: message.messageId,
      chatId: message.chatId,
      value: body.value,
      formValue: body.formValue,
      inputValue: body.inputValue,
      option: body.option,
      name: body.name,
      timeZone: options.timeZone,
      at: options.clock.now(),
    });
    const answer = await postToBot("/webhook/card", event);
    if (!answer.ok) throw new BadRequest(`机器人拒收了这次点击（HTTP ${answer.status}）`, 502);
    const result = (await answer.json()) as { toast?: unknown; card?: { data?: unknown } };
    // A card in the answer replaces the clicked one, as Lark's client does.
    if (result.card?.data) store.updateCard(message.messageId, result.card.data);
    ctx.body = {
      ...(result.toast ? { toast: result.toast } : {}),
      ...(result.card?.data ? { card: result.card.data } : {}),
    };
  });

  router.post("/clock", async (ctx) => {
    const body = parse(clockBody, await readJson(ctx));
    const now = await options.moveClock(body.to);
    ctx.body = { now: now.toISOString() };
  });

  router.get("/files/:fileKey", (ctx) => {
    const file = store.file(String(ctx.params.fileKey));
    if (!file) throw new BadRequest("没有这个文件", 404);
    const extension = file.fileName.split(".").pop()?.toLowerCase() ?? "";
    ctx.set("Content-Disposition", `attachment; filename*=UTF-8''${encodeURIComponent(file.fileName)}`);
    ctx.type = contentTypes[extension] ?? "application/octet-stream";
    ctx.body = file.data;
  });

  return router;
}
