import ExcelJS from "exceljs";
import { beforeAll, describe, expect, it } from "vitest";
import { exportCommands } from "../../src/commands/stats.js";
import { larkUuid, replyKey } from "../../src/delivery/outbox.js";
import { createJobs, createScheduler } from "../../src/jobs/index.js";
import { contentText, captureFileUpload } from "../helpers/larkMock.js";
import { cardButtons, confirmSyncedAsFull } from "../helpers/roles.js";
import type { TestBot } from "../helpers/testBot.js";
import { useBot } from "./harness.js";

const CHAT = "oc_stats_branch";
const SECRETARY = { openId: "ou_sec_x", name: "何书记" };
const A = { openId: "ou_a_x", name: "许一" };
const B = { openId: "ou_b_x", name: "吕二" };
const ADMIN = "ou_admin_x";

const h = useBot("stats_export", { now: "2026-10-05T02:00:00Z", admins: [ADMIN] });
let t: TestBot;
const say = (sender: string, text: string, mentions?: { openId: string; name: string }[]) =>
  t.say({ sender, chatId: CHAT, text, mentions });
const lastReply = () => t.lark.replyTexts().at(-1) ?? "";

beforeAll(async () => {
  // Monday 2026-10-05 10:00 Asia/Shanghai.
  t = h.t;
  // 机关党委 is made by an admin, with the secretary also its secretary; joining it is approved.
  t.lark.expectReply(2);
  await t.say({ sender: ADMIN, chatId: "oc_p2p_admin", chatType: "p2p", text: "/组织 新建 机关党委" });
  await t.say({
    sender: ADMIN,
    chatId: "oc_p2p_admin",
    chatType: "p2p",
    text: "/组织 书记 机关党委 @何书记",
    mentions: [SECRETARY],
  });
  t.lark
    .chatOwner(CHAT, SECRETARY.openId)
    .chatMembers(CHAT, [[SECRETARY, A, B]])
    .expectReply()
    .expectSend();
  await say(SECRETARY.openId, "/绑定 第五党支部 上级=机关党委");
  const approve = cardButtons(t.lark.sent.at(-1)?.body).find((v) => v.decision === "approve")!;
  t.lark.expectSend();
  await t.click({
    operator: SECRETARY.openId,
    value: approve,
    messageId: "om_join_x",
    chatId: "oc_p2p_sec_x",
  });
  await t.bot.inbox.idle();
  expect(t.lark.pending()).toEqual([]);
  t.lark.sent.length = 0;
  t.lark.chatMembers(CHAT, [[SECRETARY, A, B]]).expectReply();
  await say(SECRETARY.openId, "/党员 同步");
  await confirmSyncedAsFull(t, CHAT);
  // A 支部党员大会 on 10-08 19:00: the secretary and A check in, B is absent; then closed.
  t.lark.expectSend(1, ["om_card_x1"]).expectReply();
  await say(SECRETARY.openId, "/会议 新建 支部党员大会 2026-10-08 19:00 季度党员大会 时长=60");
  t.lark.allowPatches();
  t.clock.set("2026-10-08T11:00:00Z");
  t.lark.expectReply();
  await say(SECRETARY.openId, "/会议 签到 M1 @何书记 @许一", [SECRETARY, A]);
  t.clock.set("2026-10-08T12:10:00Z");
  t.lark.expectReply();
  await say(SECRETARY.openId, "/会议 结束 M1 学习了季度工作安排");
  await t.bot.inbox.idle();
});

describe("statistics and the Excel ledger through signed webhooks", () => {
  it("shows the branch's compliance, participation and a monthly chart", async () => {
    t.lark.expectReply();
    await say(SECRETARY.openId, "/统计 2026-Q4");
    const card = JSON.parse(String(t.lark.replies.at(-1)!.body.content));
    const text = JSON.stringify(card);
    expect(card.schema).toBe("2.0");
    expect(text).toContain("第五党支部");
    expect(text).toContain("2/3"); // 实到 / 应到 of the 支部党员大会
    const chart = JSON.stringify(card).match(/"tag":"chart"/);
    expect(chart).not.toBeNull();
    expect(text).toContain('"month":"2026-10"');
    // Each member's 学时 never goes to the group.
    expect(text).not.toContain("党员学时");
    expect(t.lark.pending()).toEqual([]);
  });

  it("lists each member's 学时 to a secretary in a private chat", async () => {
    t.lark.expectReply();
    await t.say({
      sender: SECRETARY.openId,
      chatId: `oc_p2p_${SECRETARY.openId}`,
      chatType: "p2p",
      text: "/统计 2026-Q4",
    });
    const text = String(t.lark.replies.at(-1)!.body.content);
    expect(text).toContain("党员学时（年度目标 32 学时，最低的在前）");
    expect(text).toContain("许一");
    expect(t.lark.pending()).toEqual([]);
  });

  it("rolls up the parent organisation for its secretary, attention first with why, and refuses members", async () => {
    t.lark.expectReply(2);
    const privately = (sender: string, text: string) =>
      t.say({ sender, chatId: `oc_p2p_${sender}`, chatType: "p2p", text });
    await privately(SECRETARY.openId, "/统计 党委 2026-Q4");
    const rollUp = String(t.lark.replies.at(-1)!.body.content);
    // On 10-08 nothing is overdue yet; 2 of 3 came to the 大会: attendance is the reason to look.
    expect(rollUp).toContain("⚠️ **第五党支部**：参会率 66.7%");
    expect(rollUp).toContain("会议：支部党员大会 1｜党员：正式 3");
    // The 支部体检 and 发展党员 line: 3 full members, no committee needed, nobody in the pipeline.
    expect(rollUp).toContain("体检无问题 · 发展：无");
    expect(rollUp).toContain('"seriesField":"series"');
    expect(rollUp).not.toMatch(/排名第|第\s*1\s*名/);
    await privately(A.openId, "/统计 党委");
    expect(lastReply()).toContain("仅限");
  });

  it("exports the ledger as an .xlsx uploaded to Lark and sent in the chat", async () => {
    const uploaded = captureFileUpload("file_v2_ledger");
    t.lark.expectReply();
    await say(SECRETARY.openId, "/导出 2026");
    expect(t.lark.pending()).toEqual([]);
    const reply = t.lark.replies.at(-1)!.body;
    expect(reply).toMatchObject({
      msg_type: "file",
      content: JSON.stringify({ file_key: "file_v2_ledger" }),
    });
    // Like every other answer: through the outbox (and so the shared rate limiter), as the
    // command's first reply, with that reply's uuid, so a run again after a crash sends no second file.
    const command = t.lark.replies.at(-1)!.messageId;
    expect(await t.db.models.Outbox.findById(replyKey(command, 1)).lean()).toMatchObject({
      status: "sent",
      replyTo: command,
      content: { file: "file_v2_ledger" },
    });
    expect(reply.uuid).toBe(larkUuid(replyKey(command, 1)));
    // The multipart body carries the workbook: read it back.
    const start = uploaded.body().indexOf(Buffer.from("PK\u0003\u0004", "latin1"));
    const end = uploaded.body().lastIndexOf(Buffer.from("\r\n--", "latin1"));
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(uploaded.body().subarray(start, end) as unknown as ArrayBuffer);
    expect(workbook.worksheets.map((w) => w.name)).toEqual([
      "名册",
      "身份变更",
      "会议",
      "学习",
      "学习汇总",
      "学时",
      "党费",
      "党费台账",
      "合规",
      "发展",
      "转接",
    ]);
    const meetings = workbook.getWorksheet("会议")!;
    // Row 1 is the title (branch, sheet, period, date made by the bot's clock), row 2 the header.
    expect(String(meetings.getRow(1).getCell(1).value)).toMatch(/ · 会议 · 2026 · 制表日期 2026-10-08$/);
    expect(JSON.stringify(meetings.getRow(3).values)).toContain("季度党员大会");

    t.lark.expectReply();
    await say(A.openId, "/导出 2026");
    expect(lastReply()).toContain("仅限支部书记");
  });

  it("names a year, a quarter and a month in the /导出 usage (all three work)", () => {
    expect(exportCommands.subcommands[0]!.usage).toEqual([
      "/导出 [2026 | 2026-Q4 | 2026-11]",
      "/export [YYYY | YYYY-Qn | YYYY-MM]",
    ]);
  });

  it("warns the secretary once when a quarter is two thirds through with requirements open", async () => {
    // Q4 2026 has 92 days: two thirds have passed at the start of 2 December (local).
    t.clock.set("2026-12-01T16:00:00Z");
    t.lark.expectSend();
    const job = createJobs().find((j) => j.name === "compliance")!;
    const schedulers = ["a", "b"].map((id) =>
      createScheduler({ deps: t.bot.deps, jobs: createJobs(), instanceId: id }),
    );
    const results = await Promise.all(
      schedulers.map((s) => s.runOccurrence(job, new Date("2026-12-01T16:00:00Z"))),
    );
    await t.bot.inbox.idle();
    expect(results.sort()).toEqual(["ran", "taken"]);
    expect(t.lark.pending()).toEqual([]);
    const warning = t.lark.sent.at(-1)!;
    expect(warning.body.receive_id).toBe(SECRETARY.openId);
    expect(contentText(warning.body)).toContain("第 4 季度已过三分之二");
    // Monthly rules month by month: October and November are missed, December is still to come.
    expect(contentText(warning.body)).toContain("支委会 达标 0/3 个月（缺 10月、11月）");
  });
});
