import ExcelJS from "exceljs";
import { beforeAll, describe, expect, it } from "vitest";
import { trusted } from "../../src/db/connection.js";
import type { TestBot } from "../helpers/testBot.js";
import { contentText, captureFileUpload } from "../helpers/larkMock.js";
import { buildMember, seedMembers } from "../helpers/factories.js";
import { useBot } from "./harness.js";

/**
 * Who counts, through signed webhooks: a branch chat holding a 正式, a 预备, an 入党积极分子, a
 * 群众 and an exempt member, plus a retiree on no chat. 应到 counts the Party members not exempt
 * (the secretary, 正式, 预备 and the retiree); the activist is shown as 列席 and the exempt member
 * as 自愿参加, neither counted; the 群众 may not answer.
 */
const CHAT = "oc_counts_chat";
const SECRETARY = { openId: "ou_c_sec", name: "周书记" };
const FULL = { openId: "ou_c_full", name: "吴正式" };
const PROBATIONARY = { openId: "ou_c_prob", name: "郑预备" };
const ACTIVIST = { openId: "ou_c_act", name: "冯积极" };
const NON_PARTY = { openId: "ou_c_mass", name: "陈群众" };
const EXEMPT = { openId: "ou_c_exempt", name: "褚免学" };
const OFFLINE = { openId: "offline_c_liu", name: "老刘" };
const CHAT_ROSTER = [SECRETARY, FULL, PROBATIONARY, ACTIVIST, NON_PARTY, EXEMPT];
const CARD = "om_card_counts";
const ACCEPTED = new Date("2026-05-01T00:00:00Z");

const h = useBot("denominators", { now: "2026-11-23T02:00:00Z" });
let t: TestBot;
const say = (sender: string, text: string, mentions?: { openId: string; name: string }[]) =>
  t.say({ sender, chatId: CHAT, text, mentions });
const click = (operator: string, value: Record<string, unknown>, reason = "") =>
  t.click({ operator, value, formValue: { reason }, messageId: CARD, chatId: CHAT });
const rsvp = (operator: string) =>
  click(operator, { action: "meeting.rsvp", meetingId: "M1", response: "attend" });
const lastReply = () => t.lark.replyTexts().at(-1) ?? "";
const lastCard = () => String(t.lark.patches.at(-1)?.body.content ?? t.lark.sent.at(-1)?.body.content ?? "");

beforeAll(async () => {
  t = h.t;
  t.lark.chatOwner(CHAT, SECRETARY.openId).chatMembers(CHAT, [CHAT_ROSTER]).expectReply();
  await say(SECRETARY.openId, "/绑定 第九党支部");
  t.lark.chatMembers(CHAT, [CHAT_ROSTER]).expectReply();
  await say(SECRETARY.openId, "/党员 同步");
  const branchId = (await t.db.models.Branch.findOne({ chatId: CHAT }).lean())!._id;
  // Statuses as the roster holds them (written directly: the roster commands are not under test).
  const set = (who: { openId: string }, fields: Record<string, unknown>) =>
    t.db.models.Member.updateOne({ branchId, openId: who.openId }, { $set: fields });
  await set(SECRETARY, { status: "full" });
  await set(FULL, { status: "full", "profile.phone": "13812345678", "profile.gender": "女" });
  await set(PROBATIONARY, {
    status: "probationary",
    statusSince: ACCEPTED,
    "profile.joinedAt": ACCEPTED,
    statusHistory: [
      {
        status: "activist",
        since: new Date("2025-03-01T00:00:00Z"),
        by: "import",
        at: new Date("2025-03-01T00:00:00Z"),
        reason: "",
      },
      { status: "probationary", since: ACCEPTED, by: SECRETARY.openId, at: ACCEPTED, reason: "支部大会接收" },
    ],
  });
  await set(ACTIVIST, { status: "activist" });
  await set(NON_PARTY, { status: "non-party" });
  await set(EXEMPT, {
    status: "full",
    exemptions: [
      {
        id: "X1",
        kind: "exempt",
        from: new Date("2026-01-01T00:00:00Z"),
        until: null,
        where: "",
        reason: "长期患病",
        by: SECRETARY.openId,
        at: new Date("2026-01-01T00:00:00Z"),
        lastContactAt: null,
      },
    ],
  });
  await seedMembers(t.db.models, [buildMember({ branchId, ...OFFLINE, onFeishu: false, status: "full" })]);
  expect(t.lark.pending()).toEqual([]);
  t.lark.sent.length = 0;
});

describe("denominators follow who counts, through signed webhooks", () => {
  it("announces a meeting counting 应到 only: the four Party members not exempt", async () => {
    t.lark.expectSend(1, [CARD]).expectReply();
    await say(SECRETARY.openId, "/会议 新建 支部党员大会 2026-11-24 14:30 年度组织生活 时长=120");
    expect(t.lark.pending()).toEqual([]);
    const card = contentText(t.lark.sent.at(-1)!.body);
    expect(card).toContain("未回复 4");
    for (const counted of [SECRETARY, FULL, PROBATIONARY, OFFLINE]) expect(card).toContain(counted.name);
    for (const notCounted of [ACTIVIST, NON_PARTY, EXEMPT]) expect(card).not.toContain(notCounted.name);
  });

  it("lets the activist (列席) and the exempt member (自愿参加) answer, not counted; refuses the 群众", async () => {
    t.lark.allowPatches();
    expect((await rsvp(ACTIVIST.openId)).body.toast.type).toBe("success");
    expect((await rsvp(EXEMPT.openId)).body.toast.type).toBe("success");
    expect((await rsvp(FULL.openId)).body.toast.type).toBe("success");
    const refused = await rsvp(NON_PARTY.openId);
    expect(refused.body.toast.type).toBe("error");
    await t.bot.inbox.idle();
    expect(await t.db.models.Attendance.countDocuments({ meetingId: "M1", openId: NON_PARTY.openId })).toBe(
      0,
    );
    const card = lastCard();
    expect(card).toContain("参加 1 · 请假 0 · 未回复 3");
    expect(card).toMatch(new RegExp(`列席（不计应到）：${ACTIVIST.name}`));
    expect(card).toMatch(new RegExp(`自愿参加（不计应到）：${EXEMPT.name}`));
  });

  it("reminds only counted members on Feishu who have not answered", async () => {
    t.lark.expectSend();
    await say(SECRETARY.openId, "/会议 提醒 M1");
    expect(t.lark.pending()).toEqual([]);
    const text = contentText(t.lark.sent.at(-1)!.body);
    expect(text).toContain(`<at user_id="${SECRETARY.openId}"></at>`);
    expect(text).toContain(`<at user_id="${PROBATIONARY.openId}"></at>`);
    for (const other of [FULL, ACTIVIST, NON_PARTY, EXEMPT, OFFLINE])
      expect(text).not.toContain(other.openId);
  });

  it("checks in the member on no chat by name (代签), and the activist and exempt member themselves", async () => {
    t.clock.set("2026-11-24T06:10:00Z");
    t.lark.expectReply(2).allowPatches();
    await say(SECRETARY.openId, "/会议 签到 M1 老刘");
    expect(lastReply()).toContain(`签到成功：${OFFLINE.name}`);
    const offline = await t.db.models.Attendance.findOne({ meetingId: "M1", openId: OFFLINE.openId }).lean();
    expect(offline).toMatchObject({ checkedInBy: SECRETARY.openId, response: "attend" });
    await say(FULL.openId, "/会议 签到 M1 老刘");
    expect(lastReply()).toContain("只有书记和支委");
    for (const who of [ACTIVIST, EXEMPT, FULL]) {
      const r = await click(who.openId, { action: "meeting.checkin", meetingId: "M1" });
      expect(r.body.toast).toEqual({ type: "success", content: "签到成功" });
    }
    await t.bot.inbox.idle();
    expect(
      await t.db.models.Attendance.countDocuments({ meetingId: "M1", checkedInAt: trusted({ $ne: null }) }),
    ).toBe(4);
  });

  it("freezes 应到 at close with each person's status, 列席 and 自愿参加 apart", async () => {
    t.clock.set("2026-11-24T08:40:00Z");
    t.lark.expectReply().allowPatches();
    await say(SECRETARY.openId, "/会议 结束 M1 年度组织生活会");
    expect(lastReply()).toContain("应到 4，实到 2，请假 0，缺席 2（另有列席 1，自愿参加 1，不计应到）");
    const record = (await t.db.models.Meeting.findById("M1").lean())!.record!;
    expect([...record.expected].sort()).toEqual(
      [SECRETARY, FULL, PROBATIONARY, OFFLINE].map((p) => p.openId).sort(),
    );
    expect([...record.present].sort()).toEqual([FULL.openId, OFFLINE.openId].sort());
    expect(record.observers).toEqual([ACTIVIST.openId]);
    expect(record.voluntary).toEqual([EXEMPT.openId]);
    const statuses = Object.fromEntries(record.statuses!.map((s) => [s.openId, s]));
    expect(statuses[PROBATIONARY.openId]).toMatchObject({ status: "probationary", standing: "expected" });
    expect(statuses[ACTIVIST.openId]).toMatchObject({ status: "activist", standing: "observer" });
    expect(statuses[EXEMPT.openId]).toMatchObject({
      status: "full",
      standing: "voluntary",
      exemption: "exempt",
    });
    expect(statuses[NON_PARTY.openId]).toBeUndefined();
    // Later changes of status leave the frozen record alone.
    await t.db.models.Member.updateOne({ openId: ACTIVIST.openId }, { $set: { status: "target" } });
    await t.bot.inbox.idle();
    const final = lastCard();
    expect(final).toContain("应到 4 · 实到 2 · 请假 0 · 缺席 2");
    expect(final).toContain(`列席（不计应到）：${ACTIVIST.name}`);
    expect((await t.db.models.Meeting.findById("M1").lean())!.record!.statuses!.length).toBe(6);
  });

  it("exports the ledger: 名册 with status and roster fields, the phone masked, and 身份变更", async () => {
    const uploaded = captureFileUpload("file_v2_counts");
    t.lark.expectReply();
    await say(SECRETARY.openId, "/导出 2026");
    expect(t.lark.pending()).toEqual([]);
    expect(uploaded.body().includes(Buffer.from("13812345678"))).toBe(false);
    const start = uploaded.body().indexOf(Buffer.from("PK\u0003\u0004", "latin1"));
    const end = uploaded.body().lastIndexOf(Buffer.from("\r\n--", "latin1"));
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(uploaded.body().subarray(start, end) as unknown as ArrayBuffer);
    const records = (name: string) => {
      const rows: unknown[][] = [];
      workbook.getWorksheet(name)!.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
      // Row 1 is the sheet's title, row 2 its header; the 合计 row closes it.
      const [, header, ...data] = rows;
      return data
        .filter((row) => row[0] !== "合计")
        .map((row) => Object.fromEntries(header!.map((h, i) => [String(h), row[i] ?? null])));
    };
    const roster = records("名册");
    const byName = (name: string) => roster.find((r) => r.姓名 === name);
    expect(byName(FULL.name)).toMatchObject({ 政治面貌: "正式党员", 联系方式: "138****5678", 性别: "女" });
    expect(byName(PROBATIONARY.name)).toMatchObject({ 政治面貌: "预备党员", 入党日期: "2026-05-01" });
    expect(byName(ACTIVIST.name)).toMatchObject({ 政治面貌: "发展对象" });
    expect(byName(NON_PARTY.name)).toMatchObject({ 政治面貌: "群众" });
    expect(byName(OFFLINE.name)).toMatchObject({ 飞书: "否" });
    for (const header of ["入党日期", "转正日期", "党小组", "性别", "民族", "出生年月", "学历", "党内职务"]) {
      expect(Object.keys(roster[0]!)).toContain(header);
    }
    const history = records("身份变更");
    expect(history).toEqual([
      expect.objectContaining({
        姓名: PROBATIONARY.name,
        政治面貌: "入党积极分子",
        起始日期: "2025-03-01",
        记录人: "import",
      }),
      expect.objectContaining({
        姓名: PROBATIONARY.name,
        政治面貌: "预备党员",
        起始日期: "2026-05-01",
        原因: "支部大会接收",
        记录人: SECRETARY.name,
      }),
    ]);
    const meetings = records("会议");
    expect(meetings[0]).toMatchObject({ 应到: 4, 列席人员: ACTIVIST.name, 自愿参加人员: EXEMPT.name });
  });
});
