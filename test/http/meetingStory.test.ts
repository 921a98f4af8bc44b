import { beforeAll, describe, expect, it } from "vitest";
import type { TestBot } from "../helpers/testBot.js";
import { useBot } from "./harness.js";
import { contentText } from "../helpers/larkMock.js";
import { larkUuid } from "../../src/delivery/outbox.js";
import { acceptRoleOffer, confirmSyncedAsFull } from "../helpers/roles.js";
import { trusted } from "../../src/db/connection.js";
import { tagged } from "../cards/helpers.js";
import { seedMembers } from "../helpers/factories.js";

const CHAT = "oc_branch_chat_0001";
const SECRETARY = { openId: "ou_secretary", name: "王书记" };
const COMMITTEE = { openId: "ou_committee", name: "李委员" };
const MEMBERS = [
  { openId: "ou_member_a", name: "张三" },
  { openId: "ou_member_b", name: "李四" },
  { openId: "ou_member_c", name: "王五" },
];
const OUTSIDER = "ou_not_a_member";
const ROSTER = [SECRETARY, COMMITTEE, ...MEMBERS];
const CARD_M1 = "om_card_m1";

const h = useBot("meeting_story", { now: "2026-11-23T02:00:00Z" });
let t: TestBot;
const say = (sender: string, text: string, mentions?: { openId: string; name: string }[]) =>
  t.say({ sender, chatId: CHAT, text, mentions });
const rsvp = (operator: string, response: "attend" | "leave", reason = "", eventId?: string) =>
  t.click({
    operator,
    value: { action: "meeting.rsvp", meetingId: "M1", response },
    formValue: { reason },
    messageId: CARD_M1,
    chatId: CHAT,
    eventId,
  });
const lastReply = () => t.lark.replyTexts().at(-1) ?? "";

beforeAll(async () => {
  // Monday 2026-11-23 10:00 in Shanghai.
  t = h.t;
  t.lark.chatOwner(CHAT, SECRETARY.openId).chatMembers(CHAT, [ROSTER]).expectReply();
  await say(SECRETARY.openId, "/绑定 第一党支部");
  t.lark.chatMembers(CHAT, [ROSTER]).expectReply();
  await say(SECRETARY.openId, "/党员 同步");
  await confirmSyncedAsFull(t, CHAT);
  // The role waits for the person's own confirmation: the card by DM, 接受, the secretary told.
  t.lark.expectReply().expectSend();
  await say(SECRETARY.openId, "/角色 @李委员 支委", [COMMITTEE]);
  t.lark.expectSend();
  await acceptRoleOffer(t, COMMITTEE.openId);
  expect(t.lark.pending()).toEqual([]);
  t.lark.sent.length = 0;
});

describe("a meeting from announcement to record, through signed webhooks", () => {
  it("creates a meeting from the one-line command and posts its card to the branch chat", async () => {
    t.lark.expectSend(1, [CARD_M1]).expectReply();
    const response = await say(
      COMMITTEE.openId,
      "/会议 新建 支部党员大会 2026-11-24 14:30 学习二十届四中全会精神 地点=三楼会议室 时长=120",
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    expect(t.lark.pending()).toEqual([]);

    const meeting = await t.db.models.Meeting.findById("M1").lean();
    expect(meeting).toMatchObject({
      type: "branch-assembly",
      title: "学习二十届四中全会精神",
      place: "三楼会议室",
      durationMin: 120,
      status: "scheduled",
      cardMessageId: CARD_M1,
    });
    expect(meeting!.startAt.toISOString()).toBe("2026-11-24T06:30:00.000Z");

    const sent = t.lark.sent[0]!;
    expect(sent.receiveIdType).toBe("chat_id");
    expect(sent.body).toMatchObject({
      receive_id: CHAT,
      msg_type: "interactive",
      uuid: larkUuid("meeting:M1:card"),
    });
    const card = JSON.parse(String(sent.body.content));
    expect(card.schema).toBe("2.0");
    expect(JSON.stringify(card)).toContain('"meetingId":"M1"');
    expect(JSON.stringify(card)).toContain("未回复 5");
    expect(lastReply()).toContain("已创建会议 M1");
  });

  it("records answers from the card, the latest wins, and refreshes the card", async () => {
    t.lark.allowPatches();
    const a = await rsvp(MEMBERS[0]!.openId, "attend");
    expect(a).toMatchObject({ status: 200, body: { toast: { type: "success" } } });

    const noReason = await rsvp(MEMBERS[1]!.openId, "leave", "  ");
    expect(noReason.body.toast.type).toBe("error");
    expect(await t.db.models.Attendance.countDocuments({ openId: MEMBERS[1]!.openId })).toBe(0);

    const leave = await rsvp(MEMBERS[1]!.openId, "leave", "出差");
    expect(leave.body.toast.type).toBe("success");
    await rsvp(MEMBERS[0]!.openId, "leave", "临时有事");
    await rsvp(MEMBERS[0]!.openId, "attend");
    await t.bot.inbox.idle();

    const answers = await t.db.models.Attendance.find({ meetingId: "M1" }).lean();
    expect(Object.fromEntries(answers.map((x) => [x.openId, x.response]))).toEqual({
      ou_member_a: "attend",
      ou_member_b: "leave",
    });
    // Coalesced: fewer PATCHes than answers, and the last one shows the latest state.
    const patches = t.lark.patches.filter((p) => p.messageId === CARD_M1);
    expect(patches.length).toBeGreaterThanOrEqual(1);
    expect(patches.length).toBeLessThanOrEqual(4);
    const latest = String(patches.at(-1)!.body.content);
    expect(latest).toContain("参加 1");
    expect(latest).toContain("请假 1");
    expect(latest).toContain("未回复 3");
  });

  it("refuses someone outside the branch and writes nothing", async () => {
    const refused = await rsvp(OUTSIDER, "attend");
    expect(refused.status).toBe(200);
    expect(refused.body.toast.type).toBe("error");
    expect(await t.db.models.Attendance.countDocuments({ openId: OUTSIDER })).toBe(0);
  });

  it("makes one record of 100 concurrent identical clicks", async () => {
    t.lark.allowPatches();
    const clicks = await Promise.all(Array.from({ length: 100 }, () => rsvp(MEMBERS[2]!.openId, "attend")));
    expect(clicks.every((c) => c.status === 200 && c.body.toast.type === "success")).toBe(true);
    expect(await t.db.models.Attendance.countDocuments({ meetingId: "M1", openId: MEMBERS[2]!.openId })).toBe(
      1,
    );
    // A redelivered callback (same event id) answers the same and has no second effect.
    const first = await rsvp(MEMBERS[2]!.openId, "leave", "生病", "ev_same_click");
    const again = await rsvp(MEMBERS[2]!.openId, "leave", "生病", "ev_same_click");
    expect(again.body).toEqual(first.body);
    await rsvp(MEMBERS[2]!.openId, "attend");
    await t.bot.inbox.idle();
    expect(new Set(t.lark.patches.map((p) => p.messageId))).toEqual(new Set([CARD_M1]));
  });

  it("reminds only those who have not answered, in one group message", async () => {
    t.lark.expectSend();
    await say(COMMITTEE.openId, "/会议 提醒 M1");
    expect(t.lark.pending()).toEqual([]);
    const text = contentText(t.lark.sent.at(-1)!.body);
    expect(text).toContain(`<at user_id="${SECRETARY.openId}"></at>`);
    expect(text).toContain(`<at user_id="${COMMITTEE.openId}"></at>`);
    for (const answered of MEMBERS) expect(text).not.toContain(answered.openId);
  });

  it("refuses members who try secretary commands and bad arguments, writing nothing", async () => {
    t.lark.expectReply(3);
    await say(MEMBERS[0]!.openId, "/会议 取消 M1");
    expect(lastReply()).toContain("仅限");
    await say(COMMITTEE.openId, "/会议 新建 支委会 2020-01-01 10:00 过去的会");
    expect(lastReply()).toContain("已经过去");
    await say(COMMITTEE.openId, "/meeting new committee tomorrow 10:00 x");
    expect(lastReply()).toContain("日期须为 YYYY-MM-DD");
    expect(await t.db.models.Meeting.countDocuments()).toBe(1);
  });

  it("opens 签到 30 minutes before the start and checks people in", async () => {
    t.lark.expectReply().allowPatches(); // the card refreshes as people check in
    await say(MEMBERS[0]!.openId, "/会议 签到 M1");
    expect(lastReply()).toContain("签到");
    expect(await t.db.models.Attendance.countDocuments({ checkedInAt: trusted({ $ne: null }) })).toBe(0);

    t.clock.set("2026-11-24T06:00:00Z"); // 14:00, half an hour before
    t.lark.expectReply();
    await say(MEMBERS[0]!.openId, "/meeting checkin M1");
    expect(lastReply()).toContain("签到成功");
    const checkin = await t.click({
      operator: MEMBERS[2]!.openId,
      value: { action: "meeting.checkin", meetingId: "M1" },
      messageId: CARD_M1,
      chatId: CHAT,
    });
    expect(checkin.body.toast).toEqual({ type: "success", content: "签到成功" });
    t.lark.expectReply();
    await say(COMMITTEE.openId, "/会议 签到 M1 @李委员", [COMMITTEE]);
    await t.bot.inbox.idle();
    expect(
      await t.db.models.Attendance.countDocuments({ meetingId: "M1", checkedInAt: trusted({ $ne: null }) }),
    ).toBe(3);
    expect(new Set(t.lark.patches.map((p) => p.messageId))).toEqual(new Set([CARD_M1]));
  });

  it("closes the meeting, freezing 应到 / 实到 / 请假 / 缺席 and the minutes", async () => {
    t.clock.set("2026-11-24T08:40:00Z");
    t.lark.expectReply().allowPatches();
    await say(SECRETARY.openId, "/会议 结束 M1 传达学习了全会精神，讨论了支部工作计划。");
    expect(lastReply()).toContain("应到 5，实到 3，请假 1，缺席 1");
    const meeting = await t.db.models.Meeting.findById("M1").lean();
    expect(meeting!.status).toBe("closed");
    expect(meeting!.minutes).toBe("传达学习了全会精神，讨论了支部工作计划。");
    expect(meeting!.record).toMatchObject({
      expected: expect.arrayContaining(ROSTER.map((p) => p.openId)),
      present: expect.arrayContaining([MEMBERS[0]!.openId, MEMBERS[2]!.openId, COMMITTEE.openId]),
      leave: [MEMBERS[1]!.openId],
      absent: [SECRETARY.openId],
    });
    await t.bot.inbox.idle();
    const final = String(t.lark.patches.at(-1)!.body.content);
    expect(final).toContain("实到");
    expect(final).not.toContain("meeting.rsvp");

    t.lark.expectReply();
    await say(MEMBERS[1]!.openId, "/会议 查看 M1");
    expect(lastReply()).toContain("缺席（1）：王书记");
    expect(lastReply()).not.toContain("出差"); // leave reasons are for the committee only
  });

  it("sends a form card without arguments and creates the meeting once from it", async () => {
    t.clock.set("2026-11-25T02:00:00Z");
    t.lark.expectReply();
    await say(SECRETARY.openId, "/会议 新建");
    const form = JSON.parse(String(t.lark.replies.at(-1)!.body.content));
    expect(JSON.stringify(form)).toContain('"action":"meeting.create"');

    t.lark.expectSend(1, ["om_card_m2"]);
    const submit = () =>
      t.click({
        operator: SECRETARY.openId,
        value: { action: "meeting.create" },
        formValue: {
          type: "committee",
          title: "研究发展党员工作",
          date: "2026-11-27 +0800",
          time: "19:00 +0800",
          place: "支部活动室",
          duration: "60",
          agenda: "",
        },
        messageId: "om_form_1",
        chatId: CHAT,
      });
    const [first, second] = await Promise.all([submit(), submit()]);
    expect(first.body.toast.type).toBe("success");
    expect(second.body.toast.type).toBe("success");
    expect(first.body.card.type).toBe("raw");
    expect(await t.db.models.Meeting.countDocuments({ sourceKey: "form:om_form_1" })).toBe(1);
    const m2 = await t.db.models.Meeting.findById("M2").lean();
    expect(m2!.startAt.toISOString()).toBe("2026-11-27T11:00:00.000Z");
    await t.bot.inbox.idle(); // the card goes out through the outbox after the answer
    expect(t.lark.pending()).toEqual([]);

    // 支委会 is for the committee: an ordinary member is out of scope.
    const refused = await t.click({
      operator: MEMBERS[0]!.openId,
      value: { action: "meeting.rsvp", meetingId: "M2", response: "attend" },
      messageId: "om_card_m2",
      chatId: CHAT,
    });
    expect(refused.body.toast.type).toBe("error");

    t.lark.expectReply(2).allowPatches();
    await say(SECRETARY.openId, "/会议 取消 M2");
    expect((await t.db.models.Meeting.findById("M2").lean())!.status).toBe("cancelled");
    await say(SECRETARY.openId, "/会议 列表");
    expect(lastReply()).toMatch(/M2.*已取消/);
    await t.bot.inbox.idle();
    expect(t.lark.pending()).toEqual([]);
    // The cancelled meeting's card says so.
    const m2Patches = t.lark.patches.filter((p) => p.messageId === "om_card_m2");
    expect(String(m2Patches.at(-1)!.body.content)).toContain("已取消");
  });

  it("asks a branch with many 党小组 to type the group, and takes only a group of the branch", async () => {
    t.clock.set("2026-11-25T03:00:00Z");
    t.lark.expectReply();
    await say(SECRETARY.openId, `/党员 分组 第一党小组 @${MEMBERS[0]!.name} @${MEMBERS[1]!.name}`, [
      MEMBERS[0]!,
      MEMBERS[1]!,
    ]);
    // A large branch: 60 more members, each in a 党小组 of their own.
    const branch = await t.db.models.Branch.findOne({ chatId: CHAT }).lean();
    await seedMembers(
      t.db.models,
      Array.from({ length: 60 }, (_, i) => ({
        branchId: branch!._id,
        openId: `ou_group_member_${i}`,
        name: `党员${i}`,
        partyGroup: `第${i + 2}联合党小组`,
      })),
    );

    t.lark.expectReply();
    await say(SECRETARY.openId, "/会议 新建");
    const form = JSON.parse(String(t.lark.replies.at(-1)!.body.content)) as unknown;
    const groupField = tagged(form).find((e) => e.name === "partyGroup");
    expect(groupField).toMatchObject({ tag: "input" });
    expect(JSON.stringify(form)).not.toContain("第2联合党小组");

    const submit = (partyGroup: string, messageId: string, type = "group") =>
      t.click({
        operator: SECRETARY.openId,
        value: { action: "meeting.create" },
        formValue: {
          type,
          title: "党小组学习",
          date: "2026-11-28 +0800",
          time: "15:00 +0800",
          place: "",
          duration: "60",
          agenda: "",
          partyGroup,
        },
        messageId,
        chatId: CHAT,
      });
    const before = await t.db.models.Meeting.countDocuments();
    const typos = [
      ["第一小组", "group"],
      ["第一党小组 二", "group"],
      ["第一党", "group"],
      ["第一小组", "committee"], // a 支委会 has no 党小组 of its own, but a wrong name is still refused
    ];
    for (const [i, [typed, type]] of typos.entries()) {
      const refused = await submit(typed!, `om_form_typed_${i}`, type);
      expect(refused.body.toast.type).toBe("error");
      expect(refused.body.toast.content).toContain(`本支部没有党小组「${typed}」`);
      expect(refused.body.card).toBeUndefined();
    }
    expect(await t.db.models.Meeting.countDocuments()).toBe(before);

    t.lark.expectSend(1, ["om_card_m3"]);
    const created = await submit("  第一党小组 ", "om_form_typed_ok");
    expect(created.body.toast).toEqual({ type: "success", content: "已创建会议 M3" });
    expect(await t.db.models.Meeting.findById("M3").lean()).toMatchObject({
      type: "group",
      partyGroup: "第一党小组",
      sourceKey: "form:om_form_typed_ok",
    });
    expect(await t.db.models.Meeting.countDocuments()).toBe(before + 1);
    await t.bot.inbox.idle();
    expect(t.lark.pending()).toEqual([]);
    expect(contentText(t.lark.sent.at(-1)!.body)).toContain("第一党小组");
  });
});
