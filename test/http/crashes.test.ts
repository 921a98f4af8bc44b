import { beforeAll, describe, expect, it } from "vitest";
import { enqueueMessage, replyKey } from "../../src/delivery/outbox.js";
import type { OutboxItem } from "../../src/db/models/outbox.js";
import { INBOX_LEASE_MS } from "../../src/inbox.js";
import type { TestBot } from "../helpers/testBot.js";
import { useBot } from "./harness.js";
import { confirmSyncedAsFull } from "../helpers/roles.js";

const CHAT = "oc_crash_branch";
const SECRETARY = { openId: "ou_sec_c", name: "林书记" };
const MEMBERS = Array.from({ length: 6 }, (_, i) => ({ openId: `ou_m${i}_c`, name: `党员${i}` }));
const CARD = "om_card_crash";

const h = useBot("crashes", { now: "2026-11-23T02:00:00Z" });
let t: TestBot;
const say = (sender: string, text: string) => t.say({ sender, chatId: CHAT, text });
const lastReply = () => t.lark.replyTexts().at(-1) ?? "";

beforeAll(async () => {
  t = h.t;
  t.lark
    .chatOwner(CHAT, SECRETARY.openId)
    .chatMembers(CHAT, [[SECRETARY, ...MEMBERS]])
    .expectReply();
  await say(SECRETARY.openId, "/绑定 第七党支部");
  t.lark.chatMembers(CHAT, [[SECRETARY, ...MEMBERS]]).expectReply();
  await say(SECRETARY.openId, "/党员 同步");
  await confirmSyncedAsFull(t, CHAT);
  t.lark.expectSend(1, [CARD]).expectReply();
  await say(SECRETARY.openId, "/学习 新建 2026-11-30 2 学习党章");
  expect(t.lark.pending()).toEqual([]);
});

describe("a command whose instance died while it wrote a fan-out", () => {
  it("is shown by /提醒, taken over once its lease lapsed, and resumed writing only what was missing", async () => {
    // Another instance accepted `/学习 提醒 S1`, leased it, wrote 2 of its 7 DMs and was killed.
    const messageId = "om_remind_killed";
    const keyPrefix = `study:S1:remind:manual:${messageId}`;
    const now = t.clock.now();
    await t.db.models.InboundEvent.create({
      _id: `msg:${messageId}`,
      kind: "message",
      status: "processing",
      attempts: 1,
      claimedAt: now,
      leaseUntil: new Date(now.getTime() + INBOX_LEASE_MS),
      owner: "killed-instance",
      chatId: CHAT,
      summary: "/学习 提醒",
      receivedAt: now,
      payload: {
        eventId: "ev_remind_killed",
        messageId,
        chatId: CHAT,
        chatType: "group",
        senderOpenId: SECRETARY.openId,
        senderType: "user",
        text: "/学习 提醒 S1",
        mentions: [],
        addressed: true,
        createdAt: now,
      },
    });
    for (const member of MEMBERS.slice(0, 2)) {
      await enqueueMessage(t.db.models, t.clock, {
        key: `${keyPrefix}:dm:${member.openId}`,
        branchId: (await t.db.models.Branch.findOne({ chatId: CHAT }).lean())!._id,
        target: { openId: member.openId },
        content: { text: "请完成学习任务 S1" },
        description: `学习 S1 私信提醒 ${member.name}`,
        notBefore: new Date(now.getTime() + 3600_000), // not sent during this test's first part
      });
    }

    // While the lease runs nobody takes it; the sweep leaves it alone.
    expect(await t.bot.inbox.sweep()).toBe(0);
    t.clock.advance(INBOX_LEASE_MS + 1000);

    // /提醒 shows it as interrupted.
    t.lark.expectReply();
    await say(SECRETARY.openId, "/提醒");
    expect(lastReply()).toContain("未完成的命令");
    expect(lastReply()).toContain("/学习 提醒（处理中断，将自动接管续做）");

    // The periodic sweep takes it over and the command runs to its end.
    t.lark.expectSend(6).expectReply(); // the group nudge and the 5 missing DMs; its answer
    expect(await t.bot.inbox.sweep()).toBe(1);
    await t.bot.inbox.idle();
    expect(t.lark.pending()).toEqual([]);
    expect(await t.db.models.InboundEvent.findById(`msg:${messageId}`).lean()).toMatchObject({
      status: "done",
      attempts: 2,
    });
    expect(lastReply()).toContain("已提醒 7 位");

    // Exactly one outbox item per recipient: the 2 written before the crash, the 5 written now.
    const items = (await t.db.models.Outbox.find({}).lean<OutboxItem[]>()).filter((item) =>
      item._id.startsWith(`${keyPrefix}:`),
    );
    expect(items.map((i) => i._id).sort()).toEqual(
      [`${keyPrefix}:group`, ...[SECRETARY, ...MEMBERS].map((m) => `${keyPrefix}:dm:${m.openId}`)].sort(),
    );
    expect(await t.db.models.Outbox.countDocuments({ _id: replyKey(messageId, 1) })).toBe(1);

    // A second sweep (another instance, a later tick) changes nothing.
    expect(await t.bot.inbox.sweep()).toBe(0);
    await t.bot.inbox.idle();

    // /提醒 no longer lists it.
    t.lark.expectReply();
    await say(SECRETARY.openId, "/提醒");
    expect(lastReply()).not.toContain("未完成的命令");
  });
});

describe("a restart under the same instance id", () => {
  it("takes over the command its killed predecessor was running at once, not after the lease", async () => {
    const now = t.clock.now();
    const command = (messageId: string, owner: string) => ({
      _id: `msg:${messageId}`,
      kind: "message" as const,
      status: "processing" as const,
      attempts: 1,
      claimedAt: now,
      leaseUntil: new Date(now.getTime() + INBOX_LEASE_MS),
      owner,
      chatId: CHAT,
      summary: "/学习 列表",
      receivedAt: now,
      payload: {
        eventId: `ev_${messageId}`,
        messageId,
        chatId: CHAT,
        chatType: "group",
        senderOpenId: SECRETARY.openId,
        senderType: "user",
        text: "/学习 列表",
        mentions: [],
        addressed: true,
        createdAt: now,
      },
    });
    // The killed process held this process's port (same instance id); another instance is alive.
    const { instanceId } = t.bot.identity;
    await t.db.models.InboundEvent.create(command("om_restart_own", `${instanceId}/killed-process#c1`));
    await t.db.models.InboundEvent.create(command("om_restart_other", "another-host:3000/live#c2"));
    expect(await t.bot.inbox.sweep()).toBe(0);

    expect(await t.bot.takeOverOwnClaims()).toBe(1);
    t.lark.expectReply();
    expect(await t.bot.inbox.sweep()).toBe(1);
    await t.bot.inbox.idle();
    expect(t.lark.pending()).toEqual([]);
    expect(lastReply()).toContain("S1");
    expect(await t.db.models.InboundEvent.findById("msg:om_restart_own").lean()).toMatchObject({
      status: "done",
      attempts: 2,
    });
    // The live instance's command keeps its lease.
    expect(await t.db.models.InboundEvent.findById("msg:om_restart_other").lean()).toMatchObject({
      status: "processing",
      owner: "another-host:3000/live#c2",
    });
    await t.db.models.InboundEvent.deleteOne({ _id: "msg:om_restart_other" });
  });
});
