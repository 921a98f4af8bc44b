import { type AddressInfo } from "node:net";
import { type Server } from "node:http";
import Koa from "koa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browser, type Page } from "playwright-core";
import { playgroundStatic } from "../../src/playground/static.js";
import { artifact, launchChromium } from "./browser.js";
import { sampleCards } from "./sampleCards.js";

// The renderer alone: the bot's real cards drawn by src/playground/web/cards.js in Chromium,
// served by the playground's own static middleware (no bot, no database).
const TEST_PAGE = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<link rel="stylesheet" href="/playground/static/styles.css">
<script src="/playground/static/vchart.js"></script>
<script type="module">
  import { renderCard } from "/playground/static/cards.js";
  window.actions = [];
  window.toasts = [];
  window.show = (name, card, answer) => {
    const box = document.createElement("div");
    box.id = name;
    box.style.cssText = "display:inline-block;padding:8px;background:#f5f6f7";
    const draw = (c) => renderCard(c, {
      nameOf: (id) => ({ ou_000001: "党员1" })[id],
      showToast: (t) => window.toasts.push(t),
      onCard: (next) => box.replaceChildren(draw(next)),
      onAction: async (payload) => { window.actions.push(payload); return answer ?? {}; },
    });
    box.append(draw(card));
    document.body.append(box);
  };
  window.ready = true;
</script></head><body style="margin:0"></body></html>`;

let server: Server;
let browser: Browser;
let page: Page;
const cards = sampleCards();

/** What the page's renderer handed to onAction and showToast so far. */
async function recorded(): Promise<{ actions: Record<string, unknown>[]; toasts: unknown[] }> {
  return page.evaluate(() => {
    const w = globalThis as never as { actions: Record<string, unknown>[]; toasts: unknown[] };
    return { actions: w.actions, toasts: w.toasts };
  });
}

async function show(name: string, answer?: object) {
  await page.evaluate(
    ([n, c, a]) => (globalThis as never as { show: (...x: unknown[]) => void }).show(n, c, a),
    [name, cards[name], answer] as const,
  );
  return page.locator(`#${name}`);
}

beforeAll(async () => {
  const app = new Koa();
  app.use(playgroundStatic());
  app.use((ctx) => {
    if (ctx.path === "/render-test") {
      ctx.type = "html";
      ctx.body = TEST_PAGE;
    }
  });
  server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 700, height: 900 }, locale: "zh-CN" });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/render-test`);
  await page.waitForFunction(() => (globalThis as never as { ready?: boolean }).ready === true);
  expect(errors).toEqual([]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

describe("the playground's card renderer (cards.js) in Chromium", () => {
  it("draws the meeting card: coloured header, escaped title, markdown, the 参加 / 请假 form", async () => {
    const box = await show("meeting-open");
    const header = box.locator(".lk-card-header");
    await expect(header.getAttribute("class")).resolves.toContain("lk-header-blue");
    // The title's ** and <at> were escaped by the bot and show as typed, not as bold or a mention.
    await expect(header.locator(".lk-card-title").textContent()).resolves.toBe(
      "【支部党员大会】学习贯彻全会精神 **不加粗** <at id=all></at>",
    );
    await expect(header.locator(".lk-card-subtitle").textContent()).resolves.toBe("请回复参加或请假");
    await expect(box.locator(".lk-md strong").first().textContent()).resolves.toBe("时间");
    await expect(box.locator(".lk-md ol li").allTextContents()).resolves.toEqual(["传达学习", "分组讨论"]);
    await expect(box.locator(".lk-mention").count()).resolves.toBe(0);
    await expect(box.locator("hr.lk-hr").count()).resolves.toBeGreaterThanOrEqual(2);
    await expect(box.locator(".lk-btn").allTextContents()).resolves.toEqual(["参加", "请假"]);
    await expect(box.locator(".lk-btn-primary").textContent()).resolves.toBe("参加");
    await expect(box.locator(".lk-column-set .lk-btn").count()).resolves.toBe(2);
    await expect(box.locator("input.lk-input").getAttribute("placeholder")).resolves.toBe(
      "请假事由（请假时必填）",
    );
    await expect(box.locator(".lk-unknown").count()).resolves.toBe(0);
    await box.screenshot({ path: artifact("card-meeting-open") });
  });

  it("submits the form: the button's callback value plus form_value, then the answer's toast", async () => {
    const box = await show("meeting-checkin", { toast: { type: "success", content: "已请假" } });
    await expect(box.locator(".lk-card-header").getAttribute("data-template")).resolves.toBe("red");
    await box.locator("input.lk-input").fill("出差");
    await box.getByRole("button", { name: "请假" }).click();
    await page.waitForFunction(() => (globalThis as never as { toasts: unknown[] }).toasts.length > 0);
    const { actions, toasts } = await recorded();
    expect(actions.at(-1)).toEqual({
      value: { action: "meeting.rsvp", meetingId: "M12", response: "leave" },
      formValue: { reason: "出差" },
      name: "rsvp_leave",
    });
    expect(toasts.at(-1)).toEqual({ type: "success", content: "已请假" });
    await box.getByRole("button", { name: "签到" }).click();
    await page.waitForFunction(() => (globalThis as never as { actions: unknown[] }).actions.length === 2);
    expect((await recorded()).actions.at(-1)).toEqual({
      value: { action: "meeting.checkin", meetingId: "M12" },
    });
    await box.screenshot({ path: artifact("card-meeting-checkin") });
  });

  it("draws closed (green) and cancelled (grey) meetings", async () => {
    const closed = await show("meeting-closed");
    await expect(closed.locator(".lk-card-header").getAttribute("class")).resolves.toContain(
      "lk-header-green",
    );
    await expect(closed.textContent()).resolves.toContain("应到 4 · 实到 2 · 请假 1 · 缺席 1");
    await expect(closed.locator(".lk-btn").count()).resolves.toBe(0);
    const cancelled = await show("meeting-cancelled");
    await expect(cancelled.locator(".lk-card-header").getAttribute("class")).resolves.toContain(
      "lk-header-grey",
    );
    await closed.screenshot({ path: artifact("card-meeting-closed") });
  });

  it("draws the new-meeting form: select, inputs, date and time pickers; refuses an empty required field", async () => {
    const created = { type: "raw", data: cards["meeting-closed"] };
    const box = await show("meeting-form", {
      toast: { type: "success", content: "已创建会议 M1" },
      card: created,
    });
    await expect(box.locator(".lk-card-title").textContent()).resolves.toBe("新建会议");
    const type = box.locator("select.lk-select").first();
    await expect(type.locator("option").count()).resolves.toBeGreaterThan(4);
    await expect(box.locator("input[type=date].lk-picker").count()).resolves.toBe(1);
    await expect(box.locator("input[type=time].lk-picker").count()).resolves.toBe(1);
    await expect(box.locator("textarea.lk-input").count()).resolves.toBe(1);
    await expect(box.locator("input.lk-input[data-field-name=duration]").inputValue()).resolves.toBe("90");
    await box.screenshot({ path: artifact("card-meeting-form") });

    const before = (await recorded()).actions.length;
    await box.getByRole("button", { name: "创建会议" }).click();
    expect((await recorded()).actions.length).toBe(before);
    await expect(box.locator(".lk-missing").count()).resolves.toBeGreaterThan(0);

    await type.selectOption("branch-assembly");
    await box.locator("input.lk-input[data-field-name=title]").fill("十一月党员大会");
    await box.locator("input[type=date]").fill("2026-11-24");
    await box.locator("input[type=time]").fill("14:30");
    await box.getByRole("button", { name: "创建会议" }).click();
    await page.waitForFunction(
      (n) => (globalThis as never as { actions: unknown[] }).actions.length > n,
      before,
    );
    const action = (await recorded()).actions.at(-1) as { value: unknown; formValue: Record<string, string> };
    expect(action.value).toEqual({ action: "meeting.create" });
    expect(action.formValue).toMatchObject({
      type: "branch-assembly",
      title: "十一月党员大会",
      duration: "90",
    });
    expect(action.formValue.date).toMatch(/^2026-11-24 [+-]\d{4}$/);
    expect(action.formValue.time).toMatch(/^14:30 [+-]\d{4}$/);
    expect(action.formValue).not.toHaveProperty("partyGroup");
    // The answer's card replaces the form in place.
    await expect(box.locator(".lk-card-header").getAttribute("class")).resolves.toContain("lk-header-green");
  });

  it("draws the statistics cards' charts with VChart (a canvas)", async () => {
    for (const name of ["branch-stats", "org-stats"]) {
      const box = await show(name);
      await box.locator(".lk-chart canvas").first().waitFor({ timeout: 15_000 });
      await expect(box.locator(".lk-chart").first().getAttribute("data-rendered")).resolves.toBe("true");
      await expect(box.locator(".lk-unknown").count()).resolves.toBe(0);
      await page.waitForTimeout(1000); // the chart's entry animation
      await box.screenshot({ path: artifact(`card-${name}`) });
    }
    const stats = page.locator("#branch-stats");
    await expect(stats.locator(".lk-card-title").textContent()).resolves.toBe(
      "「第一党支部」2026 年 组织生活统计",
    );
    await expect(stats.locator(".lk-card-header").getAttribute("class")).resolves.toContain(
      "lk-header-orange",
    );
  });

  it("draws study, study form and roster sync cards, links safe, nothing unknown", async () => {
    for (const name of ["study", "study-form", "roster-sync"]) {
      const box = await show(name);
      await expect(box.locator(".lk-unknown").count()).resolves.toBe(0);
      await box.screenshot({ path: artifact(`card-${name}`) });
    }
    const link = page.locator("#study a.lk-link").first();
    await expect(link.getAttribute("href")).resolves.toMatch(/^https:\/\/www\.12371\.cn\//);
    await expect(page.locator("#roster-sync select.lk-select").count()).resolves.toBe(2);
  });

  it("draws every other card the bot sends, with no unknown component", async () => {
    const drawn = ["meeting-open", "meeting-checkin", "meeting-closed", "meeting-cancelled", "meeting-form"];
    drawn.push("branch-stats", "org-stats", "study", "study-form", "roster-sync");
    for (const name of Object.keys(cards).filter((n) => !drawn.includes(n))) {
      const box = await show(name);
      await expect(box.locator(".lk-card-title").textContent(), name).resolves.not.toBe("");
      await expect(box.locator(".lk-unknown").count(), name).resolves.toBe(0);
      await box.screenshot({ path: artifact(`card-${name}`) });
    }
    await expect(page.locator("#dues-reminder .lk-btn").count()).resolves.toBeGreaterThan(0);
    await expect(page.locator("#member-edit .lk-field").count()).resolves.toBeGreaterThan(5);
  });

  it("shows an unknown component as a placeholder and never runs markup from text", async () => {
    await page.evaluate(() => {
      const w = globalThis as never as { show: (...x: unknown[]) => void };
      w.show("odd", {
        schema: "2.0",
        header: { title: { tag: "plain_text", content: "<img src=x onerror=alert(1)>" }, template: "purple" },
        body: {
          elements: [
            { tag: "fancy_widget" },
            {
              tag: "markdown",
              content:
                "<font color='red'>红字</font> <at id=ou_000001></at> [x](javascript:alert(1)) <b>b</b>",
            },
          ],
        },
      });
    });
    const box = page.locator("#odd");
    await expect(box.locator(".lk-unknown").textContent()).resolves.toBe("[不支持的组件：fancy_widget]");
    await expect(box.locator("img").count()).resolves.toBe(0);
    await expect(box.locator(".lk-card-title").textContent()).resolves.toBe("<img src=x onerror=alert(1)>");
    await expect(box.locator(".lk-font").getAttribute("style")).resolves.toContain("red");
    await expect(box.locator(".lk-mention").textContent()).resolves.toBe("@党员1");
    await expect(box.locator("a").count()).resolves.toBe(0);
    await expect(box.locator("b").count()).resolves.toBe(0);
  });
});
