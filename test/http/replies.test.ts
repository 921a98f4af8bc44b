import { randomBytes } from "node:crypto";
import nock from "nock";
import { beforeAll, describe, expect, it } from "vitest";
import { replyKey } from "../../src/delivery/outbox.js";
import { createJobs, createScheduler } from "../../src/jobs/index.js";
import { LARK_BASE } from "../helpers/larkMock.js";
import type { TestBot } from "../helpers/testBot.js";
import { useBot } from "./harness.js";
import { confirmSyncedAsFull } from "../helpers/roles.js";

const CHAT = "oc_replies_branch";
const SECRETARY = { openId: "ou_sec_rp", name: "周书记" };
const B = { openId: "ou_b_rp", name: "孙二" };

const h = useBot("replies", {
  now: "2026-11-01T02:00:00Z",
  duesKey: randomBytes(32).toString("hex"),
});
let t: TestBot;
const say = (
  sender: string,
  text: string,
  options: { chatType?: "group" | "p2p"; messageId?: string } = {},
) =>
  t.say({
    sender,
    chatId: options.chatType === "p2p" ? `oc_p2p_${sender}` : CHAT,
    chatType: options.chatType ?? "group",
    text,
    messageId: options.messageId,
  });

beforeAll(async () => {
  t = h.t;
  t.lark
    .chatOwner(CHAT, SECRETARY.openId)
    .chatMembers(CHAT, [[SECRETARY, B]])
    .expectReply();
  await say(SECRETARY.openId, "/绑定 第六党支部");
  t.lark.chatMembers(CHAT, [[SECRETARY, B]]).expectReply(2);
  await say(SECRETARY.openId, "/党员 同步");
  await confirmSyncedAsFull(t, CHAT);
  await say(SECRETARY.openId, "/dues set 孙二 student from=2026-11", { chatType: "p2p" });
  const job = createJobs().find((j) => j.name === "dues-monthly")!;
  t.clock.set("2026-10-31T16:10:00Z");
  const scheduler = createScheduler({ deps: t.bot.deps, jobs: createJobs(), instanceId: "test" });
  expect(await scheduler.runOccurrence(job, t.clock.now())).toBe("ran");
  await t.bot.inbox.idle();
  expect(t.lark.pending()).toEqual([]);
});

describe("command replies through the outbox and the rate limiter", () => {
  it("records a payment once when Lark answers its reply 429, and sends the reply once after the reset", async () => {
    // The reply is rate-limited once (the gateway's 429, reset 1 s), then accepted.
    const replyCalls: string[] = [];
    nock(LARK_BASE)
      .post(/\/open-apis\/im\/v1\/messages\/[^/]+\/reply$/)
      .reply(
        429,
        (_uri, body) => {
          replyCalls.push(String((body as { content: string }).content));
          return { code: 99991400, msg: "request trigger frequency limit" };
        },
        { "x-ogw-ratelimit-reset": "1", "x-ogw-ratelimit-limit": "5" },
      );
    t.lark.expectReply();
    const before = t.lark.replies.length;
    const replies = () => t.lark.replies.slice(before);
    await say(SECRETARY.openId, "/党费 缴纳 孙二 2026-11 0.2", { messageId: "om_pay_429" });

    // The command ran once and is done; its reply waits for the reset in the outbox.
    const inbox = await t.db.models.InboundEvent.findById("msg:om_pay_429").lean();
    expect(inbox).toMatchObject({ status: "done", attempts: 1 });
    expect(await t.db.models.Due.countDocuments({ openId: B.openId, status: "paid" })).toBe(1);
    expect(replyCalls).toHaveLength(1);
    expect(replies()).toHaveLength(0);
    const waiting = await t.db.models.Outbox.findById(replyKey("om_pay_429", 1)).lean();
    expect(waiting).toMatchObject({ status: "pending", attempts: 1, replyTo: "om_pay_429" });

    // After the reset the worker sends it, once.
    t.clock.advance(2_000);
    await t.bot.deps.delivery.wake();
    await t.bot.inbox.idle();
    const texts = t.lark.replyTexts().slice(before);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain("已记录 孙二 缴纳党费 2026-11");
    expect([...replyCalls, ...texts].join("\n")).not.toContain("不能重复登记");
    expect(replies()[0]!.messageId).toBe("om_pay_429");
    expect(await t.db.models.Outbox.findById(replyKey("om_pay_429", 1)).lean()).toMatchObject({
      status: "sent",
    });
    expect(await t.db.models.Due.countDocuments({ openId: B.openId, status: "paid" })).toBe(1);
    await t.bot.deps.delivery.wake();
    await t.bot.inbox.idle();
    expect(replies()).toHaveLength(1);
  });

  it("answers at once while under the limits, through the outbox", async () => {
    t.lark.expectReply();
    const before = t.lark.replies.length;
    await say(SECRETARY.openId, "/党费 状态 2026-11", { messageId: "om_status_1" });
    // Sent before the command finished: no poll, no clock advance.
    expect(t.lark.replyTexts().slice(before)).toHaveLength(1);
    expect(t.lark.replyTexts().at(-1)).toContain("2026-11 党费：已缴 1");
    expect(await t.db.models.Outbox.findById(replyKey("om_status_1", 1)).lean()).toMatchObject({
      status: "sent",
      attempts: 1,
      replyTo: "om_status_1",
    });
  });
});
