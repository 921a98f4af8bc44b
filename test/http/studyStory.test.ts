import { beforeAll, describe, expect, it } from "vitest";
import { createJobs, createScheduler } from "../../src/jobs/index.js";
import { contentText } from "../helpers/larkMock.js";
import type { TestBot } from "../helpers/testBot.js";
import { useBot } from "./harness.js";
import { receiveAction, receiveMessage } from "../helpers/receive.js";
import { confirmSyncedAsFull } from "../helpers/roles.js";

const CHAT = "oc_study_branch";
const SECRETARY = { openId: "ou_sec_s", name: "周书记" };
const A = { openId: "ou_a_s", name: "吴一" };
const B = { openId: "ou_b_s", name: "郑二" };
const C = { openId: "ou_c_s", name: "冯三" };
const OUTSIDER = "ou_outsider_s";
const CARD = "om_card_s1";

const h = useBot("study_story", { now: "2026-11-23T02:00:00Z" });
let t: TestBot;
const say = (sender: string, text: string, chatType: "group" | "p2p" = "group") =>
  t.say({ sender, chatId: chatType === "group" ? CHAT : `oc_p2p_${sender}`, chatType, text });
const lastReply = () => t.lark.replyTexts().at(-1) ?? "";
const confirm = (operator: string, reflection = "", eventId?: string) =>
  t.click({
    operator,
    value: { action: "study.confirm", studyId: "S1" },
    formValue: { reflection },
    messageId: CARD,
    chatId: CHAT,
    eventId,
  });

beforeAll(async () => {
  // Monday 2026-11-23 10:00 Asia/Shanghai.
  t = h.t;
  t.lark
    .chatOwner(CHAT, SECRETARY.openId)
    .chatMembers(CHAT, [[SECRETARY, A, B, C]])
    .expectReply();
  await say(SECRETARY.openId, "/绑定 第三党支部");
  t.lark.chatMembers(CHAT, [[SECRETARY, A, B, C]]).expectReply();
  await say(SECRETARY.openId, "/党员 同步");
  await confirmSyncedAsFull(t, CHAT);
  expect(t.lark.pending()).toEqual([]);
});

describe("study tasks through signed webhooks", () => {
  it("refuses bad input with the usage and writes nothing", async () => {
    t.lark.expectReply(3);
    await say(SECRETARY.openId, "/学习 新建 2026-11-30 2 学习党章 链接=ftp://example.com/x");
    expect(lastReply()).toContain("链接须以 http:// 或 https:// 开头");
    await say(SECRETARY.openId, "/study new 2026-11-01 2 过期的任务");
    expect(lastReply()).toMatch(/截止|过去/);
    await say(A.openId, "/学习 新建 2026-11-30 2 学习党章");
    expect(lastReply()).toContain("仅限");
    expect(await t.db.models.StudyTask.countDocuments()).toBe(0);
  });

  it("assigns a task and posts its card with progress", async () => {
    t.lark.expectSend(1, [CARD]).expectReply();
    await say(
      SECRETARY.openId,
      "/学习 新建 2026-11-30 2 学习新修订的党章 链接=https://www.12371.cn/dangzhang",
    );
    expect(t.lark.pending()).toEqual([]);
    const study = await t.db.models.StudyTask.findById("S1").lean();
    expect(study).toMatchObject({ hours: 2, link: "https://www.12371.cn/dangzhang", cardMessageId: CARD });
    expect(study!.deadline.toISOString()).toBe("2026-11-30T15:59:59.999Z");
    const card = String(t.lark.sent.at(-1)!.body.content);
    expect(card).toContain('"studyId":"S1"');
    expect(card).toContain("0 / 4");
  });

  it("records confirmations once, keeps the latest reflection, and refuses outsiders", async () => {
    t.lark.allowPatches();
    expect((await confirm(A.openId, "很有收获")).body.toast.type).toBe("success");
    expect((await confirm(A.openId, "再读一遍，体会更深")).body.toast.type).toBe("success");
    const clicks = await Promise.all(Array.from({ length: 100 }, () => confirm(B.openId)));
    expect(clicks.every((c) => c.body.toast.type === "success")).toBe(true);
    const refused = await confirm(OUTSIDER);
    expect(refused.body.toast.type).toBe("error");
    await t.bot.inbox.idle();

    const docs = await t.db.models.StudyConfirmation.find({ taskId: "S1" }).lean();
    expect(docs).toHaveLength(2);
    expect(docs.find((d) => d.openId === A.openId)).toMatchObject({
      reflection: "再读一遍，体会更深",
      late: false,
    });
    const latestCard = String(t.lark.patches.at(-1)!.body.content);
    expect(latestCard).toContain("2 / 4");
  });

  it("reminds before the deadline only those who have not confirmed, in the group and by DM", async () => {
    t.clock.set("2026-11-29T16:00:00Z"); // 11-30 00:00 local: 24 h before the deadline ends
    t.lark.expectSend(3); // group + DMs to the secretary and C
    const scheduler = createScheduler({ deps: t.bot.deps, jobs: createJobs(), instanceId: "test" });
    const job = createJobs().find((j) => j.name === "study-reminders")!;
    expect(await scheduler.runOccurrence(job, t.clock.now())).toBe("ran");
    await t.bot.inbox.idle();
    expect(t.lark.pending()).toEqual([]);
    const group = t.lark.sent.find(
      (s) => s.receiveIdType === "chat_id" && contentText(s.body).includes("请在截止前"),
    )!;
    const text = contentText(group.body);
    expect(text).toContain(C.openId);
    expect(text).toContain(SECRETARY.openId);
    expect(text).not.toContain(A.openId);
    expect(text).not.toContain(B.openId);
    const dms = t.lark.sent.filter((s) => s.receiveIdType === "open_id").map((s) => s.body.receive_id);
    expect(dms.sort()).toEqual([C.openId, SECRETARY.openId].sort());
    // The next occurrence sends nothing again.
    expect(await scheduler.runOccurrence(job, new Date(t.clock.now().getTime() + 300_000))).toBe("ran");
    await t.bot.inbox.idle();
    expect(t.lark.pending()).toEqual([]);
  });

  it("records a confirmation after the deadline as late instead of refusing it", async () => {
    t.clock.set("2026-12-01T02:00:00Z");
    t.lark.allowPatches();
    // In-process: what the action does (the clicks above go through signed webhooks).
    const late = await receiveAction(t, {
      operator: C.openId,
      value: { action: "study.confirm", studyId: "S1" },
      formValue: { reflection: "补学" },
      messageId: CARD,
      chatId: CHAT,
    });
    expect(late.toast).toEqual({ type: "success", content: "已记录学习（逾期）" });
    await t.bot.inbox.idle();
    expect(String(t.lark.patches.filter((p) => p.messageId === CARD).at(-1)!.body.content)).toContain(
      "已学习 3 / 4",
    );
    expect(
      await t.db.models.StudyConfirmation.findOne({ taskId: "S1", openId: C.openId }).lean(),
    ).toMatchObject({
      late: true,
    });
  });

  it("freezes the task's scope once its deadline has passed, when the reminder job runs", async () => {
    expect((await t.db.models.StudyTask.findById("S1").lean())!.expected).toBeNull();
    const scheduler = createScheduler({ deps: t.bot.deps, jobs: createJobs(), instanceId: "test" });
    const job = createJobs().find((j) => j.name === "study-reminders")!;
    expect(await scheduler.runOccurrence(job, t.clock.now())).toBe("ran");
    const frozen = (await t.db.models.StudyTask.findById("S1").lean())!.expected!;
    expect([...frozen].sort()).toEqual([SECRETARY.openId, A.openId, B.openId, C.openId].sort());
    expect(t.lark.pending()).toEqual([]);
  });

  it("shows reflections to the secretary only", async () => {
    t.lark.expectReply(2);
    // In a private chat: in the group the reflections go to the secretary by DM (privacy.test.ts).
    // In-process: what the command answers (the commands above go through signed webhooks).
    await receiveMessage(t, {
      sender: SECRETARY.openId,
      chatId: `oc_p2p_${SECRETARY.openId}`,
      chatType: "p2p",
      text: "/学习 查看 S1",
    });
    expect(lastReply()).toContain("再读一遍，体会更深");
    expect(lastReply()).toContain("逾期");
    await receiveMessage(t, { sender: B.openId, chatId: CHAT, text: "/学习 查看 S1" });
    expect(lastReply()).toContain("已学习 3 / 4");
    expect(lastReply()).not.toContain("再读一遍");
  });

  it("sums the year's study hours across tasks and checked-in lectures in /我的", async () => {
    t.clock.set("2026-12-02T02:00:00Z");
    t.lark.expectSend(1, ["om_card_m1"]).expectReply();
    await say(SECRETARY.openId, "/会议 新建 党课 2026-12-02 14:00 专题党课 时长=90");
    t.clock.set("2026-12-02T06:10:00Z");
    t.lark.expectReply().allowPatches(); // the meeting card shows the check-in
    await t.say({ sender: SECRETARY.openId, chatId: CHAT, text: "/会议 签到 M1 @吴一", mentions: [A] });
    await t.bot.inbox.idle();
    expect(t.lark.patches.map((p) => p.messageId)).toContain("om_card_m1");

    t.lark.expectReply();
    await say(A.openId, "/我的", "p2p");
    const card = String(t.lark.replies.at(-1)!.body.content);
    expect(card).toContain("本年度学时");
    expect(card).toContain("3.5 / 32"); // 2 from S1 + 1.5 from the 90-minute 党课
    t.lark.expectReply();
    await say(A.openId, "/我的");
    expect(lastReply()).toContain("私聊");
  });

  it("closes a task: the card shows it and confirmations are refused", async () => {
    t.lark.expectReply().allowPatches();
    await say(SECRETARY.openId, "/学习 结束 S1");
    expect((await t.db.models.StudyTask.findById("S1").lean())!.status).toBe("closed");
    expect((await confirm(OUTSIDER)).body.toast.type).toBe("error");
    await t.bot.inbox.idle();
    expect(String(t.lark.patches.at(-1)!.body.content)).toContain("已结束");
  });

  it("takes a typed 党小组 from the form only when it names a group of the branch", async () => {
    t.lark.expectReply();
    await t.say({
      sender: SECRETARY.openId,
      chatId: CHAT,
      text: "/党员 分组 青年党小组 @吴一",
      mentions: [A],
    });
    const submit = (partyGroup: string, messageId: string) =>
      t.click({
        operator: SECRETARY.openId,
        value: { action: "study.create" },
        formValue: {
          title: "学习新党章",
          deadline: "2026-12-20 +0800",
          hours: "1",
          scope: "group",
          partyGroup,
        },
        messageId,
        chatId: CHAT,
      });
    const before = await t.db.models.StudyTask.countDocuments();
    const refused = await submit("青年小组", "om_study_form_typo");
    expect(refused.body.toast.type).toBe("error");
    expect(refused.body.toast.content).toContain("本支部没有党小组「青年小组」");
    expect(refused.body.card).toBeUndefined();
    expect(await t.db.models.StudyTask.countDocuments()).toBe(before);

    t.lark.expectSend(1, ["om_card_s2"]);
    const created = await submit(" 青年党小组  ", "om_study_form_typed");
    expect(created.body.toast).toEqual({ type: "success", content: "已布置学习任务 S2" });
    expect(await t.db.models.StudyTask.findById("S2").lean()).toMatchObject({
      scope: "group",
      partyGroup: "青年党小组",
      sourceKey: "form:om_study_form_typed",
    });
    await t.bot.inbox.idle();
    expect(t.lark.pending()).toEqual([]);
  });
});
