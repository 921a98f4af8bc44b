import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { createJobs, createScheduler } from "../../src/jobs/index.js";
import { contentText } from "../helpers/larkMock.js";
import type { TestBot } from "../helpers/testBot.js";
import { useBot } from "./harness.js";
import { confirmSyncedAsFull } from "../helpers/roles.js";

const CHAT = "oc_dues_branch";
const SECRETARY = { openId: "ou_sec_d", name: "陈书记" };
const A = { openId: "ou_a_d", name: "钱一" };
const B = { openId: "ou_b_d", name: "孙二" };
const C = { openId: "ou_c_d", name: "李三" };
// A distinctive income, so finding it anywhere (a log timestamp included) means it leaked.
const INCOME = "8517.36";
const INCOME_FEN = "851736";

const h = useBot("dues_story", {
  now: "2026-11-01T02:00:00Z",
  duesKey: randomBytes(32).toString("hex"),
});
let t: TestBot;
const say = (sender: string, text: string, chatType: "group" | "p2p" = "group") =>
  t.say({ sender, chatId: chatType === "group" ? CHAT : `oc_p2p_${sender}`, chatType, text });
const lastReply = () => t.lark.replyTexts().at(-1) ?? "";
async function runJob(name: string, localTime: string) {
  t.clock.set(localTime);
  const job = createJobs().find((j) => j.name === name)!;
  const scheduler = createScheduler({ deps: t.bot.deps, jobs: createJobs(), instanceId: "test" });
  const result = await scheduler.runOccurrence(job, t.clock.now());
  await t.bot.inbox.idle();
  return result;
}

beforeAll(async () => {
  t = h.t;
  t.lark
    .chatOwner(CHAT, SECRETARY.openId)
    .chatMembers(CHAT, [[SECRETARY, A, B, C]])
    .expectReply();
  await say(SECRETARY.openId, "/绑定 第四党支部");
  t.lark.chatMembers(CHAT, [[SECRETARY, A, B, C]]).expectReply();
  await say(SECRETARY.openId, "/党员 同步");
  await confirmSyncedAsFull(t, CHAT);
  expect(t.lark.pending()).toEqual([]);
});

describe("Party dues through signed webhooks", () => {
  it("takes income only in a private chat, from the secretary", async () => {
    t.lark.expectReply(2);
    await say(SECRETARY.openId, `/党费 设置 钱一 在职 ${INCOME}`);
    expect(lastReply()).toContain("私聊");
    await say(A.openId, `/党费 设置 钱一 在职 ${INCOME}`, "p2p");
    expect(lastReply()).toContain("仅限支部书记");
    expect(await t.db.models.DuesProfile.countDocuments()).toBe(0);
  });

  it("sets profiles by the rule table and keeps the income sealed everywhere", async () => {
    t.lark.expectReply(3);
    await say(SECRETARY.openId, `/党费 设置 钱一 在职 ${INCOME} 起始=2026-09`, "p2p");
    expect(lastReply()).toContain("每月 127.76 元"); // 8517.36 × 1.5 % = 127.7604
    await say(SECRETARY.openId, "/dues set 孙二 student from=2026-11", "p2p");
    expect(lastReply()).toContain("0.20 元");
    await say(SECRETARY.openId, "/党费 设置 李三 农民 5 起始=2026-11", "p2p");
    expect(lastReply()).toMatch(/0.20 元.*1.00 元/);

    for (const collection of ["dues_profiles", "inbound_events"]) {
      const raw = JSON.stringify(await t.db.connection.collection(collection).find().toArray());
      expect(raw).not.toContain(INCOME);
      expect(raw).not.toContain(INCOME_FEN);
    }
    expect(t.rawLogs.join("\n")).not.toContain(INCOME);
    expect(t.rawLogs.join("\n")).not.toContain(INCOME_FEN);
  });

  it("takes the same settings from the form card, secretary only", async () => {
    t.lark.expectReply();
    await say(SECRETARY.openId, "/党费 设置", "p2p");
    expect(String(t.lark.replies.at(-1)!.body.content)).toContain('"action":"dues.set"');
    const submit = (operator: string, amount: string) =>
      t.click({
        operator,
        value: { action: "dues.set" },
        formValue: { member: "李三", category: "farmer", amount, from: "2026-12", reason: "" },
        messageId: "om_dues_form",
        chatId: `oc_p2p_${operator}`,
      });
    expect((await submit(A.openId, "0.5")).body.toast.type).toBe("error");
    const saved = await submit(SECRETARY.openId, "0.5");
    expect(saved.body.toast).toMatchObject({ type: "success" });
    expect(saved.body.toast.content).toContain("每月 0.50 元");
    expect(await t.db.models.DuesProfile.countDocuments({ openId: C.openId })).toBe(1);
  });

  it("creates each month's dues once, however often the job runs", async () => {
    expect(await runJob("dues-monthly", "2026-10-31T16:10:00Z")).toBe("ran"); // 11-01 00:10 local
    const again = createScheduler({ deps: t.bot.deps, jobs: createJobs(), instanceId: "other" });
    const job = createJobs().find((j) => j.name === "dues-monthly")!;
    expect(await again.runOccurrence(job, new Date("2026-10-31T16:10:00Z"))).toBe("taken");
    await t.bot.deps.models.Due.db.collection("job_runs").deleteMany({});
    expect(await runJob("dues-monthly", "2026-10-31T16:10:00Z")).toBe("ran");
    const dues = await t.db.models.Due.find({ month: "2026-11" }).lean();
    expect(dues.map((d) => [d.openId, d.amountFen]).sort()).toEqual([
      [A.openId, 12776],
      [B.openId, 20],
    ]);
  });

  it("records range payments and refuses wrong amounts with the expected figure", async () => {
    t.lark.expectReply(3);
    await say(SECRETARY.openId, "/党费 缴纳 钱一 2026-09..2026-11 300");
    expect(lastReply()).toContain("383.28 元");
    await say(SECRETARY.openId, "/党费 缴纳 钱一 2026-09..2026-11 383.28");
    expect(lastReply()).toContain("共 383.28 元");
    await say(SECRETARY.openId, "/党费 缴纳 钱一 2026-01..2026-04");
    expect(lastReply()).toContain("补缴最多 6 个月");
    const paid = await t.db.models.Due.find({ openId: A.openId, status: "paid" }).lean();
    expect(paid.map((d) => d.month).sort()).toEqual(["2026-09", "2026-10", "2026-11"]);
  });

  it("reminds unpaid members by DM on the reminder day, summarises for the secretary, and takes 我已缴纳", async () => {
    t.lark.expectSend(2); // B's reminder card and the secretary's summary
    expect(await runJob("dues-reminders", "2026-11-10T01:00:00Z")).toBe("ran"); // 09:00 local on the 10th
    expect(t.lark.pending()).toEqual([]);
    const toB = t.lark.sent.find((s) => s.body.receive_id === B.openId)!;
    expect(toB.receiveIdType).toBe("open_id");
    expect(String(toB.body.content)).toContain("0.20 元");
    expect(t.lark.sent.some((s) => s.body.receive_id === A.openId)).toBe(false); // A has paid
    const summary = contentText(t.lark.sent.find((s) => s.body.receive_id === SECRETARY.openId)!.body);
    expect(summary).toContain("已缴 1 / 2");
    expect(t.lark.sent.every((s) => s.receiveIdType === "open_id")).toBe(true); // nothing in the group
    for (const s of t.lark.sent) expect(JSON.stringify(s.body)).not.toContain(INCOME);

    t.lark.expectSend(); // the secretary is told
    const tap = await t.click({
      operator: B.openId,
      value: { action: "dues.claim", branchId: "B1", months: ["2026-11"] },
      messageId: "om_dm_b",
      chatId: `oc_p2p_${B.openId}`,
    });
    expect(tap.body.toast).toEqual({ type: "success", content: "已提交，待书记确认" });
    await t.bot.inbox.idle();
    expect(t.lark.pending()).toEqual([]);
    expect((await t.db.models.Due.findOne({ openId: B.openId, month: "2026-11" }).lean())!.status).toBe(
      "pending",
    );

    t.lark.expectReply(2);
    await say(SECRETARY.openId, "/党费 2026-11");
    expect(lastReply()).toContain("已缴 1 / 2，待确认 1");
    await say(A.openId, "/我的党费", "p2p");
    expect(lastReply()).toContain("2026-09　127.76 元　已缴");
  });
});
