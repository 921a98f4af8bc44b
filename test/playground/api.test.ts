import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import { playgroundClock } from "../../src/playground/clock.js";
import { DEMO_BRANCHES, seedDemoOrganisation } from "../../src/playground/demo.js";
import { generateSecrets, startPlayground, type Playground } from "../../src/playground/playground.js";
import { p2pChatId, PlaygroundStore, type StoredMessage } from "../../src/playground/store.js";
import { openTestDb, type TestDb } from "../helpers/db.js";

/** The playground's JSON API end to end: the real bot behind signed webhooks, Lark played by the stand-in. */
const START = "2027-03-10T02:00:00Z"; // Wednesday 10:00 in Shanghai
const BRANCH = DEMO_BRANCHES[0]!;
const SECRETARY = BRANCH.people.find((p) => p.role === "secretary")!;
const MEMBER = BRANCH.people.find((p) => p.name === "张伟")!;

let db: TestDb;
let playground: Playground;
const clock = playgroundClock(Date.parse(START) - Date.now());
const store = new PlaygroundStore(clock);

const api = (path: string, body?: unknown) =>
  fetch(`${playground.url}/playground/api${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

interface MessagesAnswer {
  seq: number;
  messages: StoredMessage[];
}
const messages = async (chatId: string, as: string, since = 0) =>
  (await (await api(`/messages?chatId=${chatId}&as=${as}&since=${since}`)).json()) as MessagesAnswer;

/** Polls /messages (as the page does) until a message matches. */
async function waitForMessage(
  chatId: string,
  as: string,
  since: number,
  match: (m: StoredMessage) => boolean,
  what: string,
): Promise<StoredMessage> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = (await messages(chatId, as, since)).messages.find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`${what}: not seen in /messages`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The callback value of the first element whose value matches. */
function findValue(
  node: unknown,
  match: (value: Record<string, unknown>) => boolean,
): Record<string, unknown> | null {
  if (!node || typeof node !== "object") return null;
  const value = (node as { value?: unknown }).value;
  if (value && typeof value === "object" && match(value as Record<string, unknown>))
    return value as Record<string, unknown>;
  for (const child of Object.values(node)) {
    const found = findValue(child, match);
    if (found) return found;
  }
  return null;
}

const say = (as: string, chatId: string, text: string) => api("/say", { as, chatId, text });

beforeAll(async () => {
  db = await openTestDb("playground_api");
  playground = await startPlayground({
    env: { NODE_ENV: "test", TZ: "Asia/Shanghai", LOG_LEVEL: "silent" },
    connection: db.connection,
    store,
    clock,
    secrets: generateSecrets(),
    logger: createLogger("silent"),
    port: 0,
    maxPageSize: 4, // a roster sync pages through the chat's members
  });
});
afterAll(async () => {
  await playground?.stop();
  await db?.close();
});

describe("the playground's API", () => {
  it("shows the demo organisation: people of every status, the branch groups and private chats", async () => {
    const state = (await (await api("/state")).json()) as {
      now: string;
      timeZone: string;
      org: { name: string };
      people: { openId: string; name: string; status: string; branchName: string; role?: string }[];
      chats: {
        chatId: string;
        kind: string;
        memberOpenIds: string[];
        ownerOpenId?: string;
        p2pOf?: string;
      }[];
    };
    expect(Date.parse(state.now)).toBeGreaterThanOrEqual(Date.parse(START));
    expect(state.org.name).toBe("示范学院党委");
    expect(state.timeZone).toBe("Asia/Shanghai");
    const statuses = new Set(state.people.map((p) => p.status));
    for (const status of ["正式党员", "预备党员", "发展对象", "入党积极分子", "入党申请人", "群众"])
      expect(statuses).toContain(status);
    expect(statuses).toContain("正式党员（免于要求）");
    expect(statuses).toContain("正式党员（外出）");
    expect(state.people.find((p) => p.openId === SECRETARY.openId)).toMatchObject({
      role: "书记",
      branchName: "第一党支部",
    });
    const group = state.chats.find((c) => c.chatId === BRANCH.chatId)!;
    expect(group).toMatchObject({ kind: "group", ownerOpenId: SECRETARY.openId });
    expect(group.memberOpenIds).toHaveLength(BRANCH.people.length);
    expect(state.chats.find((c) => c.p2pOf === MEMBER.openId)).toMatchObject({
      chatId: p2pChatId(MEMBER.openId),
      kind: "p2p",
    });
  });

  it("seeds the demo once: a second start changes no record", async () => {
    const snapshot = async () => ({
      orgs: await db.models.Organisation.find({}, { updatedAt: 0 }).lean(),
      branches: await db.models.Branch.find({}, { updatedAt: 0 }).sort({ _id: 1 }).lean(),
      members: await db.models.Member.find({}, { updatedAt: 0 }).sort({ branchId: 1, openId: 1 }).lean(),
      profiles: await db.models.DuesProfile.find({}, { updatedAt: 0 }).sort({ openId: 1 }).lean(),
      dues: await db.models.Due.countDocuments({}),
    });
    const before = await snapshot();
    expect(before.branches.map((b) => [b.name, b.orgId])).toEqual([
      ["第一党支部", before.orgs[0]!._id],
      ["第二党支部", before.orgs[0]!._id],
    ]);
    await seedDemoOrganisation(playground.bot.deps);
    expect(await snapshot()).toEqual(before);
  });

  it("syncs the roster through the stand-in's chat members, page by page", async () => {
    const answer = await say(SECRETARY.openId, BRANCH.chatId, "/党员 同步");
    const { messageId } = (await answer.json()) as { messageId: string };
    const reply = await waitForMessage(
      BRANCH.chatId,
      SECRETARY.openId,
      0,
      (m) => m.replyTo === messageId,
      "/党员 同步",
    );
    expect(reply.content).toEqual({
      text: `名册已同步：在册 ${BRANCH.people.length} 人，新增 0 人，离群转为不在册 0 人。`,
    });
  });

  it("answers /帮助 typed without the @ in a branch group, as a reply", async () => {
    const answer = await say(SECRETARY.openId, BRANCH.chatId, "/帮助");
    expect(answer.status).toBe(200);
    const { messageId } = (await answer.json()) as { messageId: string };
    const reply = await waitForMessage(
      BRANCH.chatId,
      SECRETARY.openId,
      0,
      (m) => m.replyTo === messageId,
      "/帮助",
    );
    expect(reply.from).toBe("bot");
    expect(JSON.stringify(reply.content)).toContain("/会议");
    const own = (await messages(BRANCH.chatId, SECRETARY.openId)).messages.find(
      (m) => m.messageId === messageId,
    );
    expect(own).toMatchObject({
      from: SECRETARY.openId,
      fromName: SECRETARY.name,
      content: { text: "/帮助" },
    });
  });

  it("posts a meeting card; 参加 answers a toast and the card is PATCHed in place with a new seq", async () => {
    const { seq } = await messages(BRANCH.chatId, SECRETARY.openId);
    await say(
      SECRETARY.openId,
      BRANCH.chatId,
      "@支部助手 /会议 新建 支部党员大会 2027-03-12 14:30 学习党章 地点=党员活动室",
    );
    const card = await waitForMessage(
      BRANCH.chatId,
      SECRETARY.openId,
      seq,
      (m) => m.msgType === "interactive" && !m.replyTo,
      "the meeting card",
    );
    const attend = findValue(card.content, (v) => v.action === "meeting.rsvp" && v.response === "attend");
    expect(attend).not.toBeNull();

    // A person clicks once the card is on screen and the bot has recorded which message it is.
    const deadline = Date.now() + 10_000;
    while (!(await db.models.Meeting.exists({ cardMessageId: card.messageId })) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const clicked = await api("/action", {
      as: MEMBER.openId,
      messageId: card.messageId,
      value: attend,
      formValue: { reason: "" },
    });
    expect(clicked.status).toBe(200);
    expect(((await clicked.json()) as { toast?: { type: string } }).toast?.type).toBe("success");
    const patched = await waitForMessage(
      BRANCH.chatId,
      SECRETARY.openId,
      card.seq,
      (m) => m.messageId === card.messageId,
      "the PATCHed card",
    );
    expect(patched.seq).toBeGreaterThan(card.seq);
    expect(patched.content).not.toEqual(card.content);
    expect(JSON.stringify(patched.content)).toContain(MEMBER.name);
  });

  it("refuses bad input with a clear message and writes nothing", async () => {
    const empty = await say(SECRETARY.openId, BRANCH.chatId, "   ");
    expect(empty.status).toBe(400);
    expect(await empty.json()).toEqual({ error: "text：不能发送空消息" });
    const stranger = await say(MEMBER.openId, DEMO_BRANCHES[1]!.chatId, "/帮助");
    expect(stranger.status).toBe(403);
    expect((await api("/clock", { to: "yesterday" })).status).toBe(400);
  });

  it("sends the Excel ledger of /导出 as a file message the files route serves", async () => {
    const { seq } = await messages(BRANCH.chatId, SECRETARY.openId);
    await say(SECRETARY.openId, BRANCH.chatId, "/导出 2027");
    const file = await waitForMessage(
      BRANCH.chatId,
      SECRETARY.openId,
      seq,
      (m) => m.msgType === "file",
      "the ledger",
    );
    const { file_key: fileKey, file_name: fileName } = file.content as {
      file_key: string;
      file_name: string;
    };
    expect(fileName).toMatch(/\.xlsx$/);
    const download = await api(`/files/${fileKey}`);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-disposition")).toBe(
      `attachment; filename*=UTF-8''${encodeURIComponent(fileName)}`,
    );
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await download.arrayBuffer()) as never);
    expect(book.worksheets.length).toBeGreaterThan(1);
    expect((await api("/files/file_v3_missing")).status).toBe(404);
  });

  it("takes a file a person sends in the private chat: the roster template back as an import preview", async () => {
    const chat = p2pChatId(SECRETARY.openId);
    const { seq } = await messages(chat, SECRETARY.openId);
    await say(SECRETARY.openId, chat, "/党员 模板");
    const template = await waitForMessage(
      chat,
      SECRETARY.openId,
      seq,
      (m) => m.msgType === "file",
      "the template",
    );
    const { file_key: fileKey } = template.content as { file_key: string };
    const data = Buffer.from(await (await api(`/files/${fileKey}`)).arrayBuffer()).toString("base64");

    const sent = await api("/file", { as: SECRETARY.openId, chatId: chat, fileName: "名册.xlsx", data });
    expect(sent.status).toBe(200);
    const { messageId } = (await sent.json()) as { messageId: string };
    const own = (await messages(chat, SECRETARY.openId)).messages.find((m) => m.messageId === messageId);
    expect(own).toMatchObject({
      from: SECRETARY.openId,
      msgType: "file",
      content: { file_name: "名册.xlsx" },
    });
    // The bot downloaded it from the stand-in (message resources) and answered with its preview.
    const preview = await waitForMessage(
      chat,
      SECRETARY.openId,
      own!.seq,
      (m) => m.from === "bot",
      "the preview",
    );
    expect(preview.msgType).toBe("interactive");
    expect(JSON.stringify(preview.content)).toContain("名册.xlsx");
    expect(
      (await api("/file", { as: SECRETARY.openId, chatId: chat, fileName: "x.xlsx", data: "%%" })).status,
    ).toBe(400);
  });

  it("moves the clock to the 1st of next month and the dues reminders arrive by private message", async () => {
    const chat = p2pChatId(MEMBER.openId);
    const { seq } = await messages(chat, MEMBER.openId);
    const moved = await api("/clock", { to: "next-month-1st" });
    const { now } = (await moved.json()) as { now: string };
    expect(now).toBe("2027-04-01T01:00:00.000Z"); // 09:00 in Shanghai
    const reminder = await waitForMessage(
      chat,
      MEMBER.openId,
      seq,
      (m) => m.from === "bot" && JSON.stringify(m.content).includes("党费"),
      "the dues reminder",
    );
    expect(reminder.chatId).toBe(chat);
    // Forward only: an hour later than that, never back.
    const later = (await (await api("/clock", { to: "hour" })).json()) as { now: string };
    expect(Date.parse(later.now)).toBeGreaterThanOrEqual(Date.parse(now) + 3600_000);
  });
});
