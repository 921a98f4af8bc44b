import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { createJobs, createScheduler } from "../../src/jobs/index.js";
import { contentText } from "../helpers/larkMock.js";
import type { TestBot } from "../helpers/testBot.js";
import { useBot } from "./harness.js";
import { confirmSyncedAsFull } from "../helpers/roles.js";

const CHAT = "oc_dues_new_year";
const SECRETARY = { openId: "ou_sec_ny", name: "周书记" };
const A = { openId: "ou_a_ny", name: "吴一" };

const h = useBot("dues_new_year", {
  now: "2027-01-10T00:30:00Z",
  duesKey: randomBytes(32).toString("hex"),
});
let t: TestBot;
const say = (sender: string, text: string, chatType: "group" | "p2p" = "group") =>
  t.say({ sender, chatId: chatType === "group" ? CHAT : `oc_p2p_${sender}`, chatType, text });
const lastReply = () => t.lark.replyTexts().at(-1) ?? "";

beforeAll(async () => {
  // 10 January 2027, 08:30 in Shanghai.
  t = h.t;
  t.lark
    .chatOwner(CHAT, SECRETARY.openId)
    .chatMembers(CHAT, [[SECRETARY, A]])
    .expectReply();
  await say(SECRETARY.openId, "/绑定 第五党支部");
  t.lark.chatMembers(CHAT, [[SECRETARY, A]]).expectReply();
  await say(SECRETARY.openId, "/党员 同步");
  await confirmSyncedAsFull(t, CHAT);
  expect(t.lark.pending()).toEqual([]);
});

describe("/我的党费 across the year boundary", () => {
  it("tells the member on 10 January the same months and total as the reminder, and the months paid ahead", async () => {
    // 40.00 元 a month (1 % of 4000) from August 2026: six months owed on 10 January, five of them last year.
    t.lark.expectReply();
    await say(SECRETARY.openId, "/党费 设置 吴一 在职 4000 起始=2026-08", "p2p");
    expect(lastReply()).toContain("每月 40.00 元");
    expect(await t.db.models.Due.countDocuments({ openId: A.openId })).toBe(6);

    // The reminder at 09:00: A's card, one arrears warning to A and one to the secretary (6
    // months, past the 5-month level), the request for the branch's decision, the summary.
    t.clock.set("2027-01-10T01:00:00Z");
    const job = createJobs().find((j) => j.name === "dues-reminders")!;
    const scheduler = createScheduler({ deps: t.bot.deps, jobs: createJobs(), instanceId: "test" });
    t.lark.expectSend(5);
    expect(await scheduler.runOccurrence(job, t.clock.now())).toBe("ran");
    await t.bot.inbox.idle();
    expect(t.lark.pending()).toEqual([]);
    const toA = t.lark.sent.filter((s) => s.body.receive_id === A.openId);
    const card = toA.find((s) => s.body.msg_type === "interactive")!;
    expect(String(card.body.content)).toContain("240.00 元");
    const warnings = toA.filter((s) => s.body.msg_type === "text").map((s) => contentText(s.body));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("已连续 6 个月未缴纳党费");
    expect(warnings[0]).toContain("共 240.00 元");

    // The same morning the member asks: every open month, whatever its year, and the same total.
    t.lark.expectReply(3);
    await say(A.openId, "/我的党费", "p2p");
    const mine = lastReply();
    for (const month of ["2026-08", "2026-09", "2026-10", "2026-11", "2026-12", "2027-01"]) {
      expect(mine).toContain(`${month}　40.00 元　未缴`);
    }
    expect(mine).toContain("待缴 240.00 元（6 个月）");

    // Paying ahead shows too, and the owed months stay.
    await say(SECRETARY.openId, "/党费 缴纳 吴一 2027-02..2027-03 80");
    expect(lastReply()).toContain("共 80.00 元");
    await say(A.openId, "/我的党费", "p2p");
    const after = lastReply();
    expect(after).toContain("2027-02　40.00 元　已预缴");
    expect(after).toContain("2027-03　40.00 元　已预缴");
    expect(after).toContain("待缴 240.00 元（6 个月）");
    expect(after).toContain("已预缴 2027-02、2027-03，共 80.00 元");
  });
});
