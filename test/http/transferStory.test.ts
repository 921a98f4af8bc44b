import { describe, expect, it } from "vitest";
import ExcelJS from "exceljs";
import type { Member } from "../../src/db/models/member.js";
import type { Transfer } from "../../src/db/models/transfer.js";
import { parsePeriod } from "../../src/domain/period.js";
import { meetingStanding } from "../../src/domain/whoCounts.js";
import { buildLedger } from "../../src/presenters/ledger.js";
import { seedMembers } from "../helpers/factories.js";
import { cardButtons } from "../helpers/roles.js";
import { businessSnapshot, useBot } from "./harness.js";

/**
 * 组织关系转接 through signed, encrypted webhooks: a member transferred between two branches of
 * one deployment (card to the receiving 书记, 接收 clicked twice), someone arriving from outside,
 * bad input refused with nothing written, and the ledger's 转接 sheet.
 */
const h = useBot("http_transfer_story");

const SEC_A = { openId: "ou_tr_sec_a", name: "王书记" };
const SEC_B = { openId: "ou_tr_sec_b", name: "李书记" };
const ZHANG = { openId: "ou_tr_zhang", name: "张三" };
const CHAT_A = "oc_tr_a";
const CHAT_B = "oc_tr_b";
const sayA = (text: string, mentions: { openId: string; name: string }[] = []) =>
  h.t.say({ text, sender: SEC_A.openId, chatId: CHAT_A, mentions });
const sayB = (text: string) => h.t.say({ text, sender: SEC_B.openId, chatId: CHAT_B });
const lastReply = () => h.lark.replyTexts().at(-1) ?? "";
const branchOf = async (chatId: string) => (await h.t.db.models.Branch.findOne({ chatId }).lean())!;
const memberIn = (branchId: string, openId: string) =>
  h.t.db.models.Member.findOne({ branchId, openId }).lean<Member>();

async function bind(chatId: string, people: { openId: string; name: string }[], name: string) {
  h.lark.chatOwner(chatId, people[0]!.openId).chatMembers(chatId, [people]).expectReply();
  await h.t.say({ text: `/绑定 ${name}`, sender: people[0]!.openId, chatId });
  const branch = await branchOf(chatId);
  for (const person of people.slice(1))
    if (!(await memberIn(branch._id, person.openId)))
      await seedMembers(h.t.db.models, [{ branchId: branch._id, ...person }]);
  await h.t.db.models.Member.updateMany({ branchId: branch._id }, { $set: { status: "full" } });
  return branch;
}

describe("组织关系转接 over HTTP", () => {
  it("moves a member to another branch of the deployment once its 书记 accepts (twice: one effect)", async () => {
    const a = await bind(CHAT_A, [SEC_A, ZHANG], "第一支部");
    const b = await bind(CHAT_B, [SEC_B], "第二支部");
    // 张三 has a development history and dues paid to December (one month ahead).
    await h.t.db.models.Member.updateOne(
      { branchId: a._id, openId: ZHANG.openId },
      {
        $set: {
          "profile.joinedAt": new Date("2020-06-30T16:00:00Z"),
          "profile.fullAt": new Date("2021-06-30T16:00:00Z"),
        },
      },
    );
    await h.t.db.models.Development.create({
      branchId: a._id,
      openId: ZHANG.openId,
      steps: [
        {
          id: "s1",
          step: "application",
          date: new Date("2019-03-01T16:00:00Z"),
          by: SEC_A.openId,
          at: new Date(),
        },
      ],
      rev: 1,
    });
    for (const month of ["2026-10", "2026-11", "2026-12"])
      await h.t.db.models.Due.create({
        branchId: a._id,
        openId: ZHANG.openId,
        month,
        amountFen: 3000,
        status: "paid",
        paidFen: 3000,
        paidAt: new Date("2026-10-05T02:00:00Z"),
        recordedBy: SEC_A.openId,
      });

    // /转出 in branch A: the reply, and the card to B's 书记.
    h.lark.expectReply().expectSend();
    await sayA("/转出 @张三 第二支部 A-2026-07", [ZHANG]);
    const reply = lastReply();
    expect(reply).toContain("已登记转出：张三 → 第二支部（Z1）");
    expect(reply).toContain("介绍信编号：A-2026-07　开具日期：2026-11-23　有效期至：2027-02-20");
    expect(reply).toContain("党费交至：2026-12");
    expect(reply).toContain("已请「第二支部」的书记接收（1 人）");
    const card = h.lark.sent.find((s) => s.body.receive_id === SEC_B.openId)!;
    expect(JSON.stringify(card.body)).toContain("组织关系转入，待接收");
    const accept = cardButtons(card.body).find((v) => v.decision === "accept")!;

    // Before acceptance A stays responsible: still on its roster, no longer in its counts.
    const pending = (await memberIn(a._id, ZHANG.openId))!;
    expect(pending.active).toBe(true);
    expect(meetingStanding(pending, { type: "branch-assembly" }, h.t.clock.now())).toBe("none");
    expect(meetingStanding(pending, { type: "branch-assembly" }, new Date("2026-11-22T02:00:00Z"))).toBe(
      "expected",
    );
    h.lark.expectReply(2);
    await sayA("/转接");
    expect(lastReply()).toContain("Z1 张三 → 第二支部　介绍信 A-2026-07");
    expect(lastReply()).toContain("待接收");
    await sayB("/transfers");
    expect(lastReply()).toContain("Z1 张三 ← 「第一支部」");

    // Someone else cannot accept.
    const refused = await h.t.click({
      operator: SEC_A.openId,
      value: accept,
      messageId: "om_tr_card",
      chatId: `oc_p2p_${SEC_A.openId}`,
    });
    expect(refused.body.toast.content).toContain("只有接收支部的书记");

    // 接收, twice: A's 书记 is told once, the record moves once.
    h.lark.expectSend();
    const first = await h.t.click({
      operator: SEC_B.openId,
      value: accept,
      messageId: "om_tr_card",
      chatId: `oc_p2p_${SEC_B.openId}`,
    });
    await h.t.bot.inbox.idle();
    expect(first.body.toast).toEqual({ type: "success", content: "已接收 张三" });
    const second = await h.t.click({
      operator: SEC_B.openId,
      value: accept,
      messageId: "om_tr_card",
      chatId: `oc_p2p_${SEC_B.openId}`,
    });
    await h.t.bot.inbox.idle();
    expect(second.body.toast.content).toBe("此转接已处理。");
    const told = h.lark.sent.filter((s) => s.body.receive_id === SEC_A.openId);
    expect(told).toHaveLength(1);
    expect(JSON.stringify(told[0]!.body)).toContain("已接收 张三（Z1），回执已自动登记");

    const moved = (await memberIn(b._id, ZHANG.openId))!;
    expect(moved).toMatchObject({ active: true, status: "full", role: "member", transferOut: null });
    expect(moved.profile.fullAt).toEqual(new Date("2021-06-30T16:00:00Z"));
    expect(moved.transferIn).toMatchObject({ id: "Z1", from: "第一支部", duesPaidTo: "2026-12" });
    expect(moved.statusHistory.filter((e) => e.reason.includes("转入"))).toHaveLength(1);
    const record = await h.t.db.models.Development.findOne({ branchId: b._id, openId: ZHANG.openId }).lean();
    expect(record?.steps.map((s) => s.step)).toEqual(["application"]);
    expect(await h.t.db.models.Due.find({ branchId: b._id, openId: ZHANG.openId }).lean()).toMatchObject([
      { month: "2026-12", status: "paid" },
    ]);
    const left = (await memberIn(a._id, ZHANG.openId))!;
    expect(left.active).toBe(false);
    const transfer = (await h.t.db.models.Transfer.findById("Z1").lean<Transfer>())!;
    expect(transfer.state).toBe("received");
    expect(transfer.receiptAt).not.toBeNull();

    // The rosters: in B's, out of A's.
    h.lark.expectReply(3);
    await sayB("/党员");
    expect(lastReply()).toContain("张三");
    await sayA("/党员");
    expect(lastReply()).not.toContain("张三");
    await sayA("/转接");
    expect(lastReply()).toBe("本支部没有未完成的组织关系转接。");

    // 张三 is still in A's group: a sync does not bring him back to A's roster.
    h.lark.chatMembers(CHAT_A, [[SEC_A, ZHANG]]).expectReply(2);
    await sayA("/党员 同步");
    expect((await memberIn(a._id, ZHANG.openId))!.active).toBe(false);
    // /帮助 lists /转入 once, though /transfer in reaches it too.
    await sayA("/帮助");
    expect(lastReply().split("/转入 姓名").length - 1).toBe(1);
    expect(lastReply()).toContain("/转接　未完成的组织关系转接");
  });

  it("records someone arriving from outside, and refuses bad input writing nothing", async () => {
    const before = await businessSnapshot(h.t);
    h.lark.expectReply(4);
    await sayA("/转出 @张三", [ZHANG]);
    expect(lastReply()).toContain("参数有误：请写去向");
    expect(lastReply()).toContain("/转出 @某人|姓名 <去向> [介绍信编号] [YYYY-MM-DD]");
    await sayA("/转入 小刘 某县委组织部 2026-13-40");
    expect(lastReply()).toContain("不是有效日期");
    await sayA("/转入 小刘 某县委组织部 党费交至=2026-1");
    expect(lastReply()).toContain("党费交至须为 YYYY-MM");
    await sayA("/转出 回执 Z99");
    expect(lastReply()).toContain("本支部没有「Z99」的转出记录");
    expect(await businessSnapshot(h.t)).toEqual(before);

    h.lark.expectReply(2);
    await sayA("/转入 小刘 某县委组织部 No.88 2019-07-01 2020-07-01 党费交至 2026-10");
    expect(lastReply()).toContain("已登记转入：小刘 ← 某县委组织部（Z2），已列入本支部名册。");
    expect(lastReply()).toContain("身份：正式党员　入党日期：2019-07-01　转正日期：2020-07-01");
    const a = await branchOf(CHAT_A);
    const arrived = (await h.t.db.models.Member.findOne({ branchId: a._id, name: "小刘" }).lean<Member>())!;
    expect(arrived).toMatchObject({ active: true, onFeishu: false, status: "full" });
    expect(arrived.transferIn).toMatchObject({ id: "Z2", from: "某县委组织部", duesPaidTo: "2026-10" });
    await h.t.say({
      text: "/党员 信息 小刘",
      sender: SEC_A.openId,
      chatId: `oc_p2p_${SEC_A.openId}`,
      chatType: "p2p",
    });
    expect(lastReply()).toContain("组织关系转入：自 某县委组织部（Z2");

    // Out of the deployment: the 回执 is recorded by hand; then 小刘 leaves the roster.
    h.lark.expectReply(2);
    await sayA("/转出 小刘 外省某支部 B-9");
    expect(lastReply()).toContain("收到回执后发送 /转出 回执 Z3");
    await sayA("/transfer receipt 小刘");
    expect(lastReply()).toContain("已登记回执：小刘 → 外省某支部（Z3），回执日期 2026-11-23。");
    expect(
      (await h.t.db.models.Member.findOne({ branchId: a._id, name: "小刘" }).lean<Member>())!.active,
    ).toBe(false);

    // The ledger's 转接 sheet, read back.
    const { buffer, rows } = await buildLedger(h.t.db.models, {
      branchId: a._id,
      period: parsePeriod("2026", "Asia/Shanghai")!,
      timeZone: "Asia/Shanghai",
      now: h.t.clock.now(),
    });
    expect(rows.转接).toBe(3);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(buffer as never);
    const roster = book.getWorksheet("名册")!;
    const rosterRows = roster.getRows(3, roster.rowCount - 2)!.map((r) => r.values as unknown[]);
    expect(rosterRows.find((r) => r.includes("张三"))).toContain("已转出");
    const sheet = book.getWorksheet("转接")!;
    expect(sheet.getRow(1).getCell(1).value).toContain("第一支部 · 转接 · 2026");
    expect(sheet.getRow(2).values).toEqual([
      undefined,
      "编号",
      "姓名",
      "方向",
      "去向/来自",
      "介绍信编号",
      "开具日期",
      "有效期至",
      "党费交至",
      "回执日期",
      "状态",
    ]);
    const z1 = sheet.getRow(3).values as unknown[];
    expect(z1).toEqual([
      undefined,
      "Z1",
      "张三",
      "转出",
      "第二支部",
      "A-2026-07",
      "2026-11-23",
      "2027-02-20",
      "2026-12",
      "2026-11-23",
      "已回执",
    ]);
    expect(sheet.getRow(4).values).toContain("某县委组织部");
    expect(sheet.getRow(6).values).toEqual(
      expect.arrayContaining(["合计", "转出 2 · 转入 1", "回执 2", "未完成 0"]),
    );
  });

  it("不接收: the person counts in the old branch again and its 书记 is told", async () => {
    const a = await branchOf(CHAT_A);
    h.lark.expectReply(2).expectSend();
    await sayA("/党员 添加 老周");
    await sayA("/转出 老周 第二支部");
    expect(lastReply()).toContain("已请「第二支部」的书记接收（1 人）");
    const card = h.lark.sent.find((s) => s.body.receive_id === SEC_B.openId)!;
    expect(JSON.stringify(card.body)).toContain("老周");
    // The group sees that 老周 is leaving, not where to; the 书记 privately sees both.
    h.lark.expectReply(2);
    await sayA("/党员");
    expect(lastReply()).toMatch(/老周.*转出中$/m);
    expect(lastReply()).not.toContain("第二支部");
    await h.t.say({ text: "/党员", sender: SEC_A.openId, chatId: `oc_p2p_${SEC_A.openId}`, chatType: "p2p" });
    expect(lastReply()).toMatch(/老周.*转出中（Z\d+ → 第二支部）/);
    h.lark.expectReply();
    await sayA("/党员 信息 老周");
    expect(lastReply()).toContain("组织关系转出中（自 2026-11-23 起不计入本支部）");
    expect(lastReply()).not.toContain("第二支部");
    const decline = cardButtons(card.body).find((v) => v.decision === "decline")!;
    const away = (await h.t.db.models.Member.findOne({ branchId: a._id, name: "老周" }).lean<Member>())!;
    expect(meetingStanding(away, { type: "branch-assembly" }, h.t.clock.now())).toBe("none");

    h.lark.expectSend();
    const answer = await h.t.click({
      operator: SEC_B.openId,
      value: decline,
      messageId: "om_tr_card2",
      chatId: `oc_p2p_${SEC_B.openId}`,
    });
    await h.t.bot.inbox.idle();
    expect(answer.body.toast).toEqual({ type: "success", content: "已拒绝接收 老周" });
    expect(JSON.stringify(answer.body.card)).toContain("未接收");
    const told = h.lark.sent.filter((s) => s.body.receive_id === SEC_A.openId);
    expect(JSON.stringify(told.at(-1)!.body)).toContain("未接收 老周");
    const back = (await h.t.db.models.Member.findOne({ branchId: a._id, name: "老周" }).lean<Member>())!;
    expect(back).toMatchObject({ active: true, transferOut: null });
    expect(meetingStanding(back, { type: "branch-assembly" }, h.t.clock.now())).toBe("expected");
    const b = await branchOf(CHAT_B);
    expect(await h.t.db.models.Member.exists({ branchId: b._id, openId: back.openId })).toBeNull();
  });

  it("撤销: a letter withdrawn before acceptance or 回执 counts the person again; the other 书记 is told once", async () => {
    const a = await branchOf(CHAT_A);
    h.lark.expectReply(2).expectSend();
    await sayA("/党员 添加 老吴");
    await sayA("/转出 老吴 第二支部 A-WRONG");
    const card = h.lark.sent.filter((s) => s.body.receive_id === SEC_B.openId).at(-1)!;
    expect(JSON.stringify(card.body)).toContain("老吴");
    const accept = cardButtons(card.body).find((v) => v.decision === "accept")!;
    const id = String(accept.transferId);

    // Withdrawn by the sending 书记: a reply, and a DM to the receiving 书记.
    h.lark.expectReply().expectSend();
    await sayA("/转出 取消 A-WRONG 介绍信开错");
    expect(lastReply()).toContain(`已撤销转出：老吴 → 第二支部（${id}），原因：介绍信开错。`);
    expect(lastReply()).toContain("已告知「第二支部」的书记（1 人）");
    await h.t.bot.inbox.idle();
    const told = h.lark.sent.filter((s) => s.body.receive_id === SEC_B.openId).at(-1)!;
    expect(JSON.stringify(told.body)).toContain(`已撤销 老吴（${id}）的转接`);
    const back = (await h.t.db.models.Member.findOne({ branchId: a._id, name: "老吴" }).lean<Member>())!;
    expect(back).toMatchObject({ active: true, transferOut: null });
    expect(meetingStanding(back, { type: "branch-assembly" }, h.t.clock.now())).toBe("expected");
    expect(await h.t.db.models.Transfer.findById(id).lean<Transfer>()).toMatchObject({
      state: "cancelled",
      cancelledBy: SEC_A.openId,
      cancelReason: "介绍信开错",
    });

    // The old card: nothing to decide; nothing moves to B.
    const answer = await h.t.click({
      operator: SEC_B.openId,
      value: accept,
      messageId: "om_tr_card3",
      chatId: `oc_p2p_${SEC_B.openId}`,
    });
    expect(answer.body.toast).toEqual({ type: "info", content: "转出支部已撤销此转接，无需处理。" });
    expect(JSON.stringify(answer.body.card)).toContain("已撤销此转接");
    expect(JSON.stringify(answer.body.card)).not.toContain('"接收"');
    const b = await branchOf(CHAT_B);
    expect(await h.t.db.models.Member.exists({ branchId: b._id, openId: back.openId })).toBeNull();

    // Again: nothing changes, no second DM; a transfer already received cannot be withdrawn.
    const before = await businessSnapshot(h.t);
    h.lark.expectReply(2);
    await sayA(`/transfer cancel ${id}`);
    expect(lastReply()).toContain(`老吴（${id}）的转出已于`);
    expect(lastReply()).toContain("撤销，未作更改。");
    await sayA("/转出 取消 Z1");
    expect(lastReply()).toContain("「第二支部」已接收此转接，不能撤销。");
    expect(await businessSnapshot(h.t)).toEqual(before);
  });
});
