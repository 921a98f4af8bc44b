import { type AddressInfo } from "node:net";
import { type Server } from "node:http";
import Koa from "koa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browser, type Page } from "playwright-core";
import { meetingCard } from "../../src/cards/meeting.js";
import { playgroundStatic } from "../../src/playground/static.js";
import { artifact, launchChromium } from "./browser.js";
import { meetingView } from "./sampleCards.js";

// The page (app.js) against a small fake of the playground's JSON API (the contract the server
// side implements): who I am, my chats, polling, cards redrawn in place, toasts, clock, files.
// The real server is exercised by playground.e2e.test.ts.
const SECRETARY = {
  openId: "ou_sec",
  name: "王书记",
  status: "正式党员",
  branchName: "第一党支部",
  role: "书记",
};
const MEMBER = { openId: "ou_mem", name: "李党员", status: "预备党员", branchName: "第一党支部" };
const OTHER = {
  openId: "ou_oth",
  name: "赵委员",
  status: "正式党员",
  branchName: "第二党支部",
  role: "委员",
};

interface FakeMessage {
  seq: number;
  messageId: string;
  chatId: string;
  from: string;
  fromName: string;
  msgType: string;
  content: unknown;
  createTime: string;
  updatedAt: string;
  replyTo?: string;
}

const fake = {
  now: "2026-11-20T01:00:00.000Z",
  seq: 0,
  messages: [] as FakeMessage[],
  said: [] as unknown[],
  actions: [] as Record<string, unknown>[],
  clocks: [] as unknown[],
  files: [] as unknown[],
};

function post(chatId: string, from: string, msgType: string, content: unknown, replyTo?: string) {
  const message = {
    seq: ++fake.seq,
    messageId: `om_${fake.seq}`,
    chatId,
    from,
    fromName: from === "bot" ? "支部助手" : [SECRETARY, MEMBER].find((p) => p.openId === from)!.name,
    msgType,
    content,
    createTime: fake.now,
    updatedAt: fake.now,
    ...(replyTo ? { replyTo } : {}),
  };
  fake.messages.push(message);
  return message;
}

function fakeApi(): Koa.Middleware {
  return async (ctx, next) => {
    if (!ctx.path.startsWith("/playground/api/")) return next();
    const route = ctx.path.slice("/playground/api/".length);
    const body = ctx.method === "POST" ? JSON.parse(await readBody(ctx.req)) : {};
    if (route === "state") {
      ctx.body = {
        now: fake.now,
        org: { name: "机关党委" },
        people: [SECRETARY, MEMBER, OTHER],
        chats: [
          {
            chatId: "oc_g1",
            name: "第一党支部",
            kind: "group",
            memberOpenIds: ["ou_sec", "ou_mem"],
            ownerOpenId: "ou_sec",
          },
          { chatId: "oc_g2", name: "第二党支部", kind: "group", memberOpenIds: ["ou_oth"] },
          ...[SECRETARY, MEMBER, OTHER].map((p) => ({
            chatId: `oc_p2p_${p.openId}`,
            name: p.name,
            kind: "p2p",
            memberOpenIds: [p.openId],
            p2pOf: p.openId,
          })),
        ],
      };
    } else if (route === "messages") {
      const since = Number(ctx.query.since ?? 0);
      const messages = fake.messages.filter((m) => m.chatId === ctx.query.chatId && m.seq > since);
      ctx.body = { seq: fake.seq, messages };
    } else if (route === "say") {
      fake.said.push(body);
      const mine = post(body.chatId, body.as, "text", { text: body.text });
      if (body.text.includes("/会议"))
        post(body.chatId, "bot", "interactive", meetingCard(meetingView()), mine.messageId);
      if (body.text.includes("/导出"))
        post(body.chatId, "bot", "file", { file_key: "file_v1", file_name: "台账.xlsx" }, mine.messageId);
      ctx.body = { messageId: mine.messageId };
    } else if (route === "file") {
      fake.files.push(body);
      const mine = post(body.chatId, body.as, "file", { file_key: "file_in", file_name: body.fileName });
      ctx.body = { messageId: mine.messageId };
    } else if (route === "action") {
      fake.actions.push(body);
      const card = fake.messages.find((m) => m.messageId === body.messageId)!;
      // The bot PATCHes the card: same message id, a new seq.
      card.seq = ++fake.seq;
      card.updatedAt = new Date(Date.parse(fake.now) + fake.seq * 1000).toISOString();
      card.content = meetingCard(
        meetingView({ attending: [...meetingView().attending, { openId: "ou_sec", name: "王书记" }] }),
      );
      ctx.body = { toast: { type: "success", content: "已报名参加" } };
    } else if (route === "clock") {
      fake.clocks.push(body);
      fake.now = "2026-11-21T01:00:00.000Z";
      post("oc_p2p_ou_sec", "bot", "text", { text: `提醒：<at user_id="ou_sec"></at> 明天开会` });
      ctx.body = { now: fake.now };
    } else if (route === "files/file_v1") {
      ctx.set("Content-Disposition", `attachment; filename*=UTF-8''${encodeURIComponent("台账.xlsx")}`);
      ctx.type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
      ctx.body = Buffer.from("PK\x03\x04fake");
    } else {
      ctx.status = 404;
      ctx.body = { error: "no such route" };
    }
  };
}

function readBody(req: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    req.on("data", (chunk: Buffer) => (text += chunk.toString()));
    req.on("end", () => resolve(text));
  });
}

let server: Server;
let browser: Browser;
let page: Page;
const errors: string[] = [];

beforeAll(async () => {
  const app = new Koa();
  app.use(fakeApi());
  app.use(playgroundStatic());
  server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  browser = await launchChromium();
  page = await browser.newPage({
    viewport: { width: 1280, height: 900 },
    locale: "zh-CN",
    acceptDownloads: true,
  });
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/playground`);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

describe("the playground page (app.js) against the JSON API", () => {
  it("starts as the 书记 and lists only their chats", async () => {
    await page.locator(".pg-chat-item").first().waitFor();
    expect(await page.locator("#pg-as").inputValue()).toBe("ou_sec");
    expect(await page.locator("#pg-as option:checked").textContent()).toBe(
      "王书记（第一党支部 · 正式党员 · 书记）",
    );
    expect(await page.locator(".pg-chat-item .pg-chat-name").allTextContents()).toEqual([
      "第一党支部",
      "支部助手",
    ]);
    expect(await page.locator("#pg-org").textContent()).toBe("机关党委");
    expect(await page.locator("#pg-now").textContent()).toBe("2026年11月20日 周五 09:00");
  });

  it("sends a command, shows the card, clicks 参加 and redraws the card in place", async () => {
    await page.locator(".pg-chat-item", { hasText: "第一党支部" }).click();
    await page.locator("#pg-input").fill("/会议 新建");
    await page.locator("#pg-input").press("Enter");
    const card = page.locator(".pg-msg[data-msg-type=interactive]");
    await card.waitFor();
    expect(fake.said.at(-1)).toEqual({ as: "ou_sec", chatId: "oc_g1", text: "/会议 新建" });
    await expect(page.locator(".pg-msg.pg-mine .pg-bubble").last().textContent()).resolves.toBe("/会议 新建");
    await expect(card.locator(".pg-reply-to").textContent()).resolves.toBe("回复 王书记：/会议 新建");
    await expect(card.locator(".lk-md", { hasText: "参加 2 · 请假 1" }).count()).resolves.toBe(1);
    const id = await card.getAttribute("data-message-id");

    await card.getByRole("button", { name: "参加" }).click();
    await page.locator(".pg-toast", { hasText: "已报名参加" }).waitFor();
    expect(fake.actions.at(-1)).toEqual({
      as: "ou_sec",
      messageId: id,
      value: { action: "meeting.rsvp", meetingId: "M12", response: "attend" },
      formValue: { reason: "" },
      name: "rsvp_attend",
    });
    await page.locator(".pg-msg[data-msg-type=interactive] .lk-md", { hasText: "参加 3 · 请假 1" }).waitFor();
    expect(await page.locator(`.pg-msg[data-message-id="${id}"]`).count()).toBe(1);
    await page.screenshot({ path: artifact("page-fake-api") });
  });

  it("offers @ mentions of the chat's members", async () => {
    await page.locator("#pg-input").fill("");
    await page.locator("#pg-input").pressSequentially("你好 @李");
    await page.locator("#pg-hint div", { hasText: "李党员" }).dispatchEvent("mousedown");
    expect(await page.locator("#pg-input").inputValue()).toBe("你好 @李党员 ");
    await page.locator("#pg-send").click();
    await expect
      .poll(() => fake.said.at(-1))
      .toEqual({ as: "ou_sec", chatId: "oc_g1", text: "你好 @李党员" });
  });

  it("offers the file the bot sent for download", async () => {
    await page.locator("#pg-input").fill("/导出");
    await page.locator("#pg-input").press("Enter");
    const link = page.locator(".pg-file a");
    await link.waitFor();
    expect(await link.getAttribute("href")).toBe("/playground/api/files/file_v1");
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    expect(download.suggestedFilename()).toBe("台账.xlsx");
  });

  it("sends a file the person picks as a file message (base64 to /file)", async () => {
    await page.locator("#pg-file").setInputFiles({
      name: "名册.xlsx",
      mimeType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      buffer: Buffer.from("PK\x03\x04roster"),
    });
    await page.locator(".pg-msg.pg-mine .pg-file a", { hasText: "名册.xlsx" }).waitFor();
    expect(fake.files).toEqual([
      {
        as: "ou_sec",
        chatId: "oc_g1",
        fileName: "名册.xlsx",
        data: Buffer.from("PK\x03\x04roster").toString("base64"),
      },
    ]);
  });

  it("moves the clock and shows the reminder in the private chat, mentions by name", async () => {
    await page.locator("[data-clock=tomorrow-0900]").click();
    await page.locator(".pg-toast", { hasText: "时间已调到" }).waitFor();
    expect(fake.clocks).toEqual([{ to: "tomorrow-0900" }]);
    expect(await page.locator("#pg-now").getAttribute("data-now")).toBe("2026-11-21T01:00:00.000Z");
    // The reminder arrived in the private chat while the group was open: a badge until it is read.
    const privateChat = page.locator(".pg-chat-item[data-chat-id=oc_p2p_ou_sec]");
    await privateChat.locator(".pg-unread", { hasText: "1" }).waitFor({ timeout: 10_000 });
    expect(await page.locator(".pg-chat-item[data-chat-id=oc_g1] .pg-unread").count()).toBe(0);
    await privateChat.click();
    await page.locator(".pg-msg .lk-mention").waitFor();
    expect(await privateChat.locator(".pg-unread").count()).toBe(0);
    expect(await page.locator(".pg-msg .pg-bubble").last().textContent()).toBe("提醒：@王书记 明天开会");
  });

  it("switches person: another member sees their own chats", async () => {
    await page.locator("#pg-as").selectOption("ou_oth");
    await expect
      .poll(() => page.locator(".pg-chat-item .pg-chat-name").allTextContents())
      .toEqual(["第二党支部", "支部助手"]);
    expect(errors).toEqual([]);
  });
});
