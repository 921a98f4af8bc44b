import { beforeAll, describe, expect, it } from "vitest";
import type { TestBot } from "../helpers/testBot.js";
import { useBot } from "./harness.js";
import { confirmSyncedAsFull } from "../helpers/roles.js";

const CHAT = "oc_branch_chat_burst";
const SECRETARY = { openId: "ou_secretary", name: "王书记" };
const MEMBERS = Array.from({ length: 20 }, (_, i) => ({
  openId: `ou_member_${String(i).padStart(2, "0")}`,
  name: `党员${String(i).padStart(2, "0")}`,
}));
const CARD = "om_card_burst";

const h = useBot("card_refresh_burst", { now: "2026-11-23T02:00:00Z" });
let t: TestBot;
const say = (sender: string, text: string) => t.say({ sender, chatId: CHAT, text });
const rsvp = (operator: string, meetingId = "M1", messageId = CARD) =>
  t.click({
    operator,
    value: { action: "meeting.rsvp", meetingId, response: "attend" },
    messageId,
    chatId: CHAT,
  });

beforeAll(async () => {
  t = h.t;
  const roster = [SECRETARY, ...MEMBERS];
  t.lark.chatOwner(CHAT, SECRETARY.openId).chatMembers(CHAT, [roster]).expectReply();
  await say(SECRETARY.openId, "/绑定 第一党支部");
  t.lark.chatMembers(CHAT, [roster]).expectReply();
  await say(SECRETARY.openId, "/党员 同步");
  await confirmSyncedAsFull(t, CHAT);
  t.lark.expectSend(1, [CARD]).expectReply();
  await say(SECRETARY.openId, "/会议 新建 支部党员大会 2026-11-24 14:30 集中学习 地点=三楼会议室");
  expect(await t.db.models.Meeting.findById("M1").lean()).toMatchObject({ cardMessageId: CARD });
});

describe("a burst of answers to one card, through signed webhooks", () => {
  it("20 concurrent clicks: 20 records, each answered at once, one or two PATCHes showing all 20", async () => {
    t.lark.allowPatches();
    const answers = await Promise.all(MEMBERS.map((member) => rsvp(member.openId)));
    expect(answers.map((a) => [a.status, a.body.toast.type, a.body.toast.content])).toEqual(
      MEMBERS.map(() => [200, "success", "已登记：参加"]),
    );
    await t.bot.inbox.idle();

    expect(await t.db.models.Attendance.countDocuments({ meetingId: "M1", response: "attend" })).toBe(20);
    const patches = t.lark.patches.filter((p) => p.messageId === CARD);
    expect(patches.length).toBeGreaterThanOrEqual(1);
    expect(patches.length).toBeLessThanOrEqual(2);
    const final = String(patches.at(-1)!.body.content);
    expect(final).toContain("参加 20");
    expect(final).toContain("未回复 1"); // the secretary
  });

  it("the burst's refresh is written and sent without anyone waiting for it (no idle call)", async () => {
    t.lark.expectPatch(CARD);
    const answer = await rsvp(SECRETARY.openId);
    expect(answer.body.toast).toEqual({ type: "success", content: "已登记：参加" });
    // The round ends after a quiet time and the worker PATCHes on its own.
    for (let waited = 0; t.lark.patches.length === 0 && waited < 10_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(String(t.lark.patches.at(-1)!.body.content)).toContain("参加 21");
  });

  it("a second click changes nothing and asks for no refresh", async () => {
    const again = await rsvp(MEMBERS[0]!.openId);
    expect(again.body.toast).toEqual({ type: "success", content: "已登记：参加（此前已登记）" });
    expect(t.bot.delivery.refresher.waiting).toBe(0);
  });
});
