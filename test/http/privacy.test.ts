import { beforeAll, describe, expect, it } from "vitest";
import { contentText } from "../helpers/larkMock.js";
import type { TestBot } from "../helpers/testBot.js";
import { useBot } from "./harness.js";
import { confirmSyncedAsFull } from "../helpers/roles.js";

/**
 * Personal text (请假事由, 学习心得) never goes to the group: a secretary's /会议 查看 and
 * /学习 查看 in the group answer with names and counts and send the details privately; in a
 * private chat they show everything. And what people typed is never live markup when it goes out.
 */
const CHAT = "oc_privacy_branch";
const SECRETARY = { openId: "ou_privacy_sec", name: "钱书记" };
const A = { openId: "ou_privacy_a", name: "孙一" };
const B = { openId: "ou_privacy_b", name: "赵二" };
const MEETING_CARD = "om_privacy_meeting";
const STUDY_CARD = "om_privacy_study";
const AT_ALL = '<at user_id="all"></at>';

const h = useBot("privacy", { now: "2026-11-23T02:00:00Z" });
let t: TestBot;
const say = (sender: string, text: string, chatType: "group" | "p2p" = "group") =>
  t.say({ sender, chatId: chatType === "group" ? CHAT : `oc_p2p_${sender}`, chatType, text });
const lastReply = () => t.lark.replyTexts().at(-1) ?? "";

beforeAll(async () => {
  t = h.t;
  t.lark
    .chatOwner(CHAT, SECRETARY.openId)
    .chatMembers(CHAT, [[SECRETARY, A, B]])
    .expectReply();
  await say(SECRETARY.openId, "/绑定 第五党支部");
  t.lark.chatMembers(CHAT, [[SECRETARY, A, B]]).expectReply();
  await say(SECRETARY.openId, "/党员 同步");
  await confirmSyncedAsFull(t, CHAT);
  t.lark.expectSend(1, [MEETING_CARD]).expectReply();
  await say(SECRETARY.openId, "/会议 新建 支部党员大会 2026-11-24 14:30 研究工作");
  t.lark.expectSend(1, [STUDY_CARD]).expectReply();
  await say(SECRETARY.openId, "/学习 新建 2026-11-30 2 学习党章");
  t.lark.allowPatches();
  const leave = await t.click({
    operator: A.openId,
    value: { action: "meeting.rsvp", meetingId: "M1", response: "leave" },
    formValue: { reason: `出差${AT_ALL}[点我](https://evil.example)` },
    messageId: MEETING_CARD,
    chatId: CHAT,
  });
  expect(leave.body.toast.type).toBe("success");
  const done = await t.click({
    operator: B.openId,
    value: { action: "study.confirm", studyId: "S1" },
    formValue: { reflection: `体会很深${AT_ALL}` },
    messageId: STUDY_CARD,
    chatId: CHAT,
  });
  expect(done.body.toast.type).toBe("success");
  await t.bot.inbox.idle();
  expect(t.lark.pending()).toEqual([]);
});

/** Text messages sent (not replies) since `from`, as [receive_id, text]. */
const sentTexts = (from: number) =>
  t.lark.sent
    .slice(from)
    .filter((s) => s.body.msg_type === "text")
    .map((s) => [String(s.body.receive_id), contentText(s.body)] as const);

describe("/会议 查看 by a secretary", () => {
  it("in the group shows names and counts, and sends the leave reasons privately (escaped)", async () => {
    const from = t.lark.sent.length;
    t.lark.expectReply().expectSend(1);
    await say(SECRETARY.openId, "/会议 查看 M1");
    const reply = lastReply();
    expect(reply).toContain("请假（1）：孙一");
    expect(reply).not.toContain("出差");
    expect(reply).toContain("请假事由已私信发给你");
    const dms = sentTexts(from);
    expect(dms).toHaveLength(1);
    expect(dms[0]![0]).toBe(SECRETARY.openId);
    expect(dms[0]![1]).toContain("孙一（出差");
    // Never a live @all or link.
    expect(dms[0]![1]).not.toContain("<at");
    expect(dms[0]![1]).not.toContain("[点我](");
  });

  it("in a private chat shows the reasons in the reply, escaped", async () => {
    t.lark.expectReply();
    await say(SECRETARY.openId, "/会议 查看 M1", "p2p");
    expect(lastReply()).toContain("孙一（出差");
    expect(lastReply()).not.toContain("<at");
  });

  it("by a member shows no reasons and sends nothing privately", async () => {
    t.lark.expectReply();
    await say(B.openId, "/会议 查看 M1");
    expect(lastReply()).toContain("请假（1）：孙一");
    expect(lastReply()).not.toContain("出差");
  });
});

describe("/学习 查看 by a secretary", () => {
  it("in the group shows who studied, and sends the reflections privately (escaped)", async () => {
    const from = t.lark.sent.length;
    t.lark.expectReply().expectSend(1);
    await say(SECRETARY.openId, "/学习 查看 S1");
    expect(lastReply()).toContain("已学习 1 / 3");
    expect(lastReply()).toContain("赵二");
    expect(lastReply()).not.toContain("体会很深");
    const dms = sentTexts(from);
    expect(dms).toHaveLength(1);
    expect(dms[0]![0]).toBe(SECRETARY.openId);
    expect(dms[0]![1]).toContain("心得：体会很深");
    expect(dms[0]![1]).not.toContain("<at");
  });

  it("in a private chat shows the reflections in the reply", async () => {
    t.lark.expectReply();
    await say(SECRETARY.openId, "/学习 查看 S1", "p2p");
    expect(lastReply()).toContain("心得：体会很深");
  });
});

describe("person-typed text is never live markup", () => {
  it("a leave reason holding an @all goes out in no reply, message or card as a live mention", async () => {
    // Everything the bot sent in this file: replies, messages and card patches.
    const everything = [
      ...h.history.replies.map((r) => r.body),
      ...h.history.sent.map((s) => s.body),
      ...h.history.patches.map((p) => p.body),
    ].map((body) => String(body.content));
    expect(everything.length).toBeGreaterThan(5);
    for (const content of everything) {
      expect(content).not.toContain(AT_ALL);
      expect(content).not.toContain('<at user_id=\\"all\\">');
      expect(content).not.toMatch(/<at id=all>/);
    }
  });
});
