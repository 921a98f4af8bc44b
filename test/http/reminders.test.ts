import nock from "nock";
import { beforeAll, describe, expect, it } from "vitest";
import { createJobs, createScheduler, type Job } from "../../src/jobs/index.js";
import { contentText, LARK_BASE } from "../helpers/larkMock.js";
import type { TestBot } from "../helpers/testBot.js";
import { useBot } from "./harness.js";
import { confirmSyncedAsFull } from "../helpers/roles.js";

const CHAT = "oc_reminder_branch";
const SECRETARY = { openId: "ou_sec_r", name: "赵书记" };
const A = { openId: "ou_a_r", name: "钱一" };
const B = { openId: "ou_b_r", name: "孙二" };
const CARD = "om_card_reminders";

const h = useBot("reminders", { now: "2026-11-23T02:00:00Z" });
let t: TestBot;
let jobs: Job[];
const job = (name: string) => jobs.find((j) => j.name === name)!;
const say = (sender: string, text: string) => t.say({ sender, chatId: CHAT, text });
const lastReply = () => t.lark.replyTexts().at(-1) ?? "";
/** Runs one occurrence on two instances at once, as two bot processes would. */
async function runOnTwoInstances(name: string) {
  const instances = ["a", "b"].map((instanceId) => createScheduler({ deps: t.bot.deps, jobs, instanceId }));
  const occurrence = new Date(Math.floor(t.clock.now().getTime() / 60_000) * 60_000);
  const results = await Promise.all(instances.map((s) => s.runOccurrence(job(name), occurrence)));
  await t.bot.inbox.idle();
  return results.sort();
}

beforeAll(async () => {
  // Monday 2026-11-23 10:00 Asia/Shanghai.
  t = h.t;
  jobs = createJobs({ reminderOffsets: t.config.ZHIBU_MEETING_REMINDERS });
  t.lark
    .chatOwner(CHAT, SECRETARY.openId)
    .chatMembers(CHAT, [[SECRETARY, A, B]])
    .expectReply();
  await say(SECRETARY.openId, "/绑定 第二党支部");
  t.lark.chatMembers(CHAT, [[SECRETARY, A, B]]).expectReply();
  await say(SECRETARY.openId, "/党员 同步");
  await confirmSyncedAsFull(t, CHAT);
  t.lark.expectSend(1, [CARD]).expectReply();
  // Tuesday 14:30: 28.5 hours ahead.
  await say(SECRETARY.openId, "/会议 新建 主题党日 2026-11-24 14:30 参观红色教育基地");
  expect(t.lark.pending()).toEqual([]);
});

describe("scheduled meeting reminders through the outbox", () => {
  it("lists what will be sent, in local time", async () => {
    t.lark.expectReply();
    await say(SECRETARY.openId, "/提醒");
    expect(lastReply()).toContain("11月23日 14:30 会议 M1 提醒（T-24h");
    expect(lastReply()).toContain("11月24日 13:30 会议 M1 提醒（T-1h");
    expect(lastReply()).toContain("11月24日 14:00 会议 M1 签到开放通知");
  });

  it("sends nothing before T-24h, then one nudge per occurrence across two instances", async () => {
    t.clock.set("2026-11-23T06:29:00Z"); // 14:29
    expect(await runOnTwoInstances("meeting-reminders")).toEqual(["ran", "taken"]);
    expect(h.history.sent).toHaveLength(1); // only the announcement card so far

    t.clock.set("2026-11-23T06:30:00Z"); // 14:30, T-24h
    t.lark.expectSend();
    expect(await runOnTwoInstances("meeting-reminders")).toEqual(["ran", "taken"]);
    t.clock.set("2026-11-23T06:31:00Z");
    expect(await runOnTwoInstances("meeting-reminders")).toEqual(["ran", "taken"]);
    expect(t.lark.pending()).toEqual([]);
    expect(h.history.sent).toHaveLength(2);
    const nudge = contentText(h.history.sent[1]!.body);
    for (const person of [SECRETARY, A, B]) expect(nudge).toContain(`<at user_id="${person.openId}"></at>`);
  });

  it("mentions only those still silent at T-1h", async () => {
    const answer = await t.click({
      operator: A.openId,
      value: { action: "meeting.rsvp", meetingId: "M1", response: "attend" },
      messageId: CARD,
      chatId: CHAT,
    });
    expect(answer.body.toast.type).toBe("success");
    t.lark.allowPatches();
    await t.bot.inbox.idle();

    t.clock.set("2026-11-24T05:30:00Z"); // 13:30, T-1h
    t.lark.expectSend();
    await runOnTwoInstances("meeting-reminders");
    expect(t.lark.pending()).toEqual([]);
    const nudge = contentText(t.lark.sent.at(-1)!.body);
    expect(nudge).toContain(SECRETARY.openId);
    expect(nudge).toContain(B.openId);
    expect(nudge).not.toContain(A.openId);
  });

  it("dead-letters a message Lark refuses for good, tells the secretary once, and retries on request", async () => {
    t.clock.set("2026-11-24T06:00:00Z"); // 14:00: check-in opens
    nock(LARK_BASE)
      .post("/open-apis/im/v1/messages")
      .query({ receive_id_type: "chat_id" })
      .reply(400, { code: 230002, msg: "Bot/User can NOT be out of the chat." });
    t.lark.expectSend(); // the DM to the secretary
    t.lark.allowPatches(); // the card shows that 签到 is open
    await runOnTwoInstances("meeting-checkin-open");
    expect(t.lark.pending()).toEqual([]);
    expect(t.lark.patches.map((p) => p.messageId)).toContain(CARD);
    const dead = await t.db.models.Outbox.findById("meeting:M1:checkin-open").lean();
    expect(dead).toMatchObject({ status: "dead", attempts: 1 });
    const dm = t.lark.sent.at(-1)!;
    expect(dm.receiveIdType).toBe("open_id");
    expect(dm.body.receive_id).toBe(SECRETARY.openId);
    expect(contentText(dm.body)).toContain("发送失败");

    // Nothing more for the same dead item, however often the worker runs.
    await t.bot.deps.delivery.wake();
    await t.bot.inbox.idle();
    expect(t.lark.sent.filter((s) => s.receiveIdType === "open_id")).toHaveLength(1);

    t.lark.expectReply();
    await say(SECRETARY.openId, "/提醒");
    expect(lastReply()).toContain("/提醒 重试 meeting:M1:checkin-open");

    t.lark.expectReply().expectSend();
    await say(SECRETARY.openId, "/提醒 重试 meeting:M1:checkin-open");
    expect(t.lark.pending()).toEqual([]);
    expect((await t.db.models.Outbox.findById("meeting:M1:checkin-open").lean())!.status).toBe("sent");

    t.lark.expectReply();
    await say(A.openId, "/提醒");
    expect(lastReply()).toContain("仅限");
  });
});
