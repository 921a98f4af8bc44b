import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import ExcelJS from "exceljs";
import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browser, type Locator, type Page } from "playwright-core";
import { freePort } from "../../src/db/localServer.js";
import { DEMO_BRANCHES } from "../../src/playground/demo.js";
import { artifact, launchChromium } from "./browser.js";

// The whole playground as `npm start` runs it with no Lark app (a child process, the real bot behind
// signed webhooks, Lark played by the stand-in), driven through its page in headless Chromium.
const ROOT = path.resolve(import.meta.dirname, "../..");
const BRANCH = DEMO_BRANCHES[0]!;
const SECRETARY = BRANCH.people.find((p) => p.role === "secretary")!;
const MEMBER = BRANCH.people.find((p) => p.name === "张伟")!;
const ZONE = "Asia/Shanghai";

let child: ChildProcess;
let output = "";
let dataDir: string;
let base: string;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

/** Starts `src/main.ts` as `npm start` does and waits for the line with the page's address. */
async function startPlaygroundProcess(): Promise<string> {
  const port = await freePort();
  dataDir = mkdtempSync(path.join(tmpdir(), "zhibu-playground-e2e-"));
  child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "development",
      PORT: String(port),
      ZHIBU_DATA_DIR: dataDir,
      // No MONGODB_URI: as on a fresh clone, the playground starts its own local database under
      // the data directory (and so never touches a zhibu_playground database on a real server).
      TZ: ZONE,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the playground did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const address = /zhibu playground: (http:\/\/127\.0\.0\.1:\d+)\/playground/.exec(output);
      if (address) {
        clearTimeout(timer);
        resolve(address[1]!);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`the playground exited (${code}):\n${output}`)));
  });
}

beforeAll(async () => {
  base = await startPlaygroundProcess();
  browser = await launchChromium();
  page = await browser.newPage({
    viewport: { width: 1280, height: 1000 },
    locale: "zh-CN",
    acceptDownloads: true,
  });
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(`${base}/playground`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

async function say(text: string) {
  await page.locator("#pg-input").fill(text);
  await page.locator("#pg-input").press("Enter");
  // The person's own message shows first.
  await page.locator(".pg-msg.pg-mine .pg-bubble", { hasText: text }).last().waitFor();
}

async function openChat(name: string) {
  await page.locator(".pg-chat-item", { hasText: name }).click();
  await page.locator("#pg-chat-title", { hasText: name }).waitFor();
}

async function beAs(openId: string) {
  await page.locator("#pg-as").selectOption(openId);
}

/** The bot's latest answer to my message `text`. */
function botReplyTo(text: string): Locator {
  const quoted = new RegExp(`：${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
  return page
    .locator(".pg-msg:not(.pg-mine)", { has: page.locator(".pg-reply-to", { hasText: quoted }) })
    .last();
}

/** The latest card whose header title contains `title`. */
function cardTitled(title: string): Locator {
  return page
    .locator(".pg-msg[data-msg-type=interactive]", {
      has: page.locator(".lk-card-title", { hasText: title }),
    })
    .last();
}

/**
 * Saves a screenshot of the card in message `row`: the window is made tall enough for the whole
 * card (the message list scrolls inside the page), then put back.
 */
async function shoot(row: Locator, name: string) {
  const card = row.locator(".lk-card").first();
  const height = (await card.boundingBox())?.height ?? 0;
  const viewport = page.viewportSize()!;
  await page.setViewportSize({
    width: viewport.width,
    height: Math.max(viewport.height, Math.ceil(height) + 400),
  });
  await card.scrollIntoViewIfNeeded();
  await card.screenshot({ path: artifact(name) });
  await page.setViewportSize(viewport);
}

/** Clicks a clock button and waits until the page shows the new time. */
async function moveClock(to: "hour" | "tomorrow-0900" | "next-month-1st") {
  const before = await page.locator("#pg-now").getAttribute("data-now");
  await page.locator(`[data-clock=${to}]`).click();
  await expect
    .poll(() => page.locator("#pg-now").getAttribute("data-now"), { timeout: 30_000 })
    .not.toBe(before);
}

async function toast(text: string) {
  await page.locator(".pg-toast", { hasText: text }).last().waitFor({ timeout: 15_000 });
}

// The first meeting starts a little over an hour from now: two clicks on 一小时后 reach it.
const soon = DateTime.now().setZone(ZONE).plus({ minutes: 65 });
const inTwoWeeks = DateTime.now().setZone(ZONE).plus({ days: 14 }).toFormat("yyyy-MM-dd");

describe("the playground in a browser", () => {
  it("opens as the 书记 of the first branch, with the branch group and the private chat", async () => {
    await page.locator(".pg-chat-item").first().waitFor({ timeout: 15_000 });
    expect(await page.locator("#pg-as").inputValue()).toBe(SECRETARY.openId);
    expect(await page.locator(".pg-chat-item .pg-chat-name").allTextContents()).toEqual([
      BRANCH.name,
      "支部助手",
    ]);
    expect(await page.locator("#pg-org").textContent()).toBe("示范学院党委");
  });

  it("/党员 同步 and /党员 answer in the group (the demo branch is bound already)", async () => {
    await openChat(BRANCH.name);
    await say("/党员 同步");
    await botReplyTo("/党员 同步").waitFor({ timeout: 20_000 });
    await say("/党员");
    const roster = botReplyTo("/党员");
    await roster.waitFor({ timeout: 20_000 });
    expect(await roster.textContent()).toContain(MEMBER.name);
  });

  it("a command typed without @ gives the meeting card; 参加 and 请假 change its counts in place", async () => {
    await openChat(BRANCH.name);
    await say(
      `/会议 新建 支部党员大会 ${soon.toFormat("yyyy-MM-dd")} ${soon.toFormat("HH:mm")} 学习贯彻全会精神 地点=三楼会议室`,
    );
    const card = cardTitled("学习贯彻全会精神");
    await card.waitFor({ timeout: 20_000 });
    const header = card.locator(".lk-card-header");
    expect(await header.getAttribute("class")).toContain("lk-header-blue");
    expect(await card.locator(".lk-card-title").textContent()).toBe("【支部党员大会】学习贯彻全会精神");
    await card.locator(".lk-md", { hasText: /^参加 0 · 请假 0 · 未回复 \d+/ }).waitFor();
    const messageId = await card.getAttribute("data-message-id");
    await shoot(card, "e2e-meeting-card");

    await card.getByRole("button", { name: "参加" }).click();
    await toast("已登记：参加");
    const same = page.locator(`.pg-msg[data-message-id="${messageId}"]`);
    await same.locator(".lk-md", { hasText: /^参加 1 · 请假 0/ }).waitFor({ timeout: 15_000 });
    expect(await same.locator(".lk-md", { hasText: `参加：${SECRETARY.name}` }).count()).toBe(1);

    // Another member, in their own view of the same group: a 请假 with a reason.
    await beAs(MEMBER.openId);
    await openChat(BRANCH.name);
    const theirs = page.locator(`.pg-msg[data-message-id="${messageId}"]`);
    await theirs.waitFor({ timeout: 15_000 });
    await theirs.locator("input.lk-input").fill("出差在外地");
    await theirs.getByRole("button", { name: "请假" }).click();
    await toast("已登记：请假");
    await theirs.locator(".lk-md", { hasText: /^参加 1 · 请假 1/ }).waitFor({ timeout: 15_000 });
    expect(await page.locator(`.pg-msg[data-message-id="${messageId}"]`).count()).toBe(1);
    await shoot(theirs, "e2e-meeting-card-answered");
    await beAs(SECRETARY.openId);
    await openChat(BRANCH.name);
  });

  it("submits the new-meeting form: the form becomes 会议已创建 and the new card is posted", async () => {
    await say("@支部助手 /会议 新建");
    const form = cardTitled("新建会议");
    await form.waitFor({ timeout: 20_000 });
    const formId = await form.getAttribute("data-message-id");
    await form.locator("select[data-field-name=type]").selectOption({ label: "党课" });
    await form.locator("input[data-field-name=title]").fill("党史专题党课");
    await form.locator("input[type=date]").fill(inTwoWeeks);
    await form.locator("input[type=time]").fill("15:00");
    await form.locator("input[data-field-name=place]").fill("报告厅");
    await shoot(form, "e2e-meeting-form");
    await form.getByRole("button", { name: "创建会议" }).click();
    await toast("已创建会议");
    const created = page.locator(`.pg-msg[data-message-id="${formId}"]`);
    await created.locator(".lk-card-title", { hasText: "会议已创建" }).waitFor({ timeout: 15_000 });
    expect(await created.locator(".lk-card-header").getAttribute("class")).toContain("lk-header-green");
    const lecture = cardTitled("党史专题党课");
    await lecture.waitFor({ timeout: 20_000 });
    expect(await lecture.locator(".lk-card-title").textContent()).toBe("【党课】党史专题党课");
    expect(await lecture.textContent()).toContain("报告厅");
  });

  it("moves the clock past the meeting's start; closing it freezes the record; /统计 draws its chart", async () => {
    const before = await page.locator("#pg-now").getAttribute("data-now");
    const meeting = cardTitled("学习贯彻全会精神");
    await moveClock("hour");
    // Half an hour before the start the card turns red with its 签到 button.
    await meeting.locator(".lk-card-header.lk-header-red").waitFor({ timeout: 20_000 });
    expect(await meeting.locator(".lk-card-subtitle").textContent()).toBe("签到进行中");
    await shoot(meeting, "e2e-meeting-checkin");
    await meeting.getByRole("button", { name: "签到" }).click();
    await toast("签到成功");
    await meeting
      .locator(".lk-md", { hasText: /已签到 1/ })
      .first()
      .waitFor({ timeout: 15_000 });
    await moveClock("hour");
    const after = await page.locator("#pg-now").getAttribute("data-now");
    expect(Date.parse(after!) - Date.parse(before!)).toBeGreaterThanOrEqual(2 * 3600_000);
    await say("/会议 结束 M1 传达学习了全会精神");
    const closed = cardTitled("学习贯彻全会精神");
    await closed.locator(".lk-card-header.lk-header-green").waitFor({ timeout: 20_000 });
    expect(await closed.locator(".lk-card-subtitle").textContent()).toBe("已结束");
    expect(await closed.textContent()).toMatch(/应到 \d+ · 实到 1 · 请假 1 · 缺席 \d+/);
    expect(await closed.locator(".lk-btn").count()).toBe(0);
    await shoot(closed, "e2e-meeting-closed");

    await say("/统计");
    const stats = cardTitled("组织生活统计");
    await stats.waitFor({ timeout: 20_000 });
    await stats.locator(".lk-chart canvas").waitFor({ timeout: 15_000 });
    await page.waitForTimeout(1000); // the chart's entry animation
    await shoot(stats, "e2e-branch-stats");
  });

  it("/导出 sends the ledger as a file message that downloads as an xlsx workbook", async () => {
    await say("/导出");
    const file = page.locator(".pg-msg[data-msg-type=file]").last();
    await file.waitFor({ timeout: 60_000 });
    const link = file.locator(".pg-file a");
    expect(await link.textContent()).toMatch(/\.xlsx$/);
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    expect(download.suggestedFilename()).toMatch(/\.xlsx$/);
    const saved = path.join(dataDir, "ledger.xlsx");
    await download.saveAs(saved);
    const bytes = readFileSync(saved);
    expect(bytes.subarray(0, 2).toString("latin1")).toBe("PK");
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
    const sheets = workbook.worksheets.map((sheet) => sheet.name);
    expect(sheets).toEqual(expect.arrayContaining(["名册", "会议"]));
    const meetings = workbook.getWorksheet("会议")!;
    const cells: string[] = [];
    meetings.eachRow((row) => row.eachCell((cell) => cells.push(String(cell.value))));
    expect(cells.join(" ")).toContain("学习贯彻全会精神");
    expect(cells.join(" ")).toContain("传达学习了全会精神");
    await page.screenshot({ path: artifact("e2e-page") });
  });

  it("下月1日 brings the dues reminder to a member's private chat", async () => {
    await moveClock("next-month-1st");
    const now = await page.locator("#pg-now").getAttribute("data-now");
    const moved = DateTime.fromISO(now!).setZone(ZONE);
    expect([moved.day, moved.toFormat("HH:mm")]).toEqual([1, "09:00"]);
    await beAs(MEMBER.openId);
    await openChat("支部助手");
    const reminder = cardTitled("党费缴纳提醒");
    await reminder.waitFor({ timeout: 30_000 });
    expect(await reminder.locator(".lk-btn").allTextContents()).toContain("我已缴纳");
    await shoot(reminder, "e2e-dues-reminder");
    await page.screenshot({ path: artifact("e2e-private-chat") });
    expect(pageErrors).toEqual([]);
  });
});
