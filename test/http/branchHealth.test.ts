import { beforeAll, describe, expect, it } from "vitest";
import { trusted } from "../../src/db/connection.js";
import { createJobs, createScheduler } from "../../src/jobs/index.js";
import { contentText } from "../helpers/larkMock.js";
import { confirmSyncedAsFull } from "../helpers/roles.js";
import { useBot } from "./harness.js";

/** 支部体检 over signed, encrypted webhooks: /体检, /设置 换届, the daily job's message and its switch. */
const h = useBot("http_branch_health", { now: "2026-11-23T02:00:00Z" });

const SEC = { openId: "ou_bh_sec", name: "钱书记" };
const A = { openId: "ou_bh_a", name: "孙一" };
const CHAT = "oc_bh_1";
const inGroup = (text: string) => h.t.say({ text, sender: SEC.openId, chatId: CHAT });
const privately = (text: string, sender = SEC.openId) =>
  h.t.say({ text, sender, chatId: `oc_p2p_${sender}`, chatType: "p2p" });
const lastReply = () => h.lark.replyTexts().at(-1) ?? "";

async function runHealthJob(at: string) {
  const job = createJobs().find((j) => j.name === "branch-health")!;
  const scheduler = createScheduler({ deps: h.t.bot.deps, jobs: [job], instanceId: "a" });
  await scheduler.runOccurrence(job, new Date(at));
  await h.t.bot.deps.delivery.idle();
}

beforeAll(async () => {
  h.lark
    .chatOwner(CHAT, SEC.openId)
    .chatMembers(CHAT, [[SEC, A]])
    .expectReply();
  await inGroup("/绑定 体检支部");
  h.lark.chatMembers(CHAT, [[SEC, A]]).expectReply();
  await inGroup("/党员 同步");
  await confirmSyncedAsFull(h.t, CHAT);
});

describe("支部体检 over HTTP", () => {
  it("/体检 lists the findings with their rules, privately only; /设置 换届 records the term", async () => {
    h.lark.expectReply(5);
    await privately("/体检");
    expect(lastReply()).toContain("「体检支部」支部体检（2026-11-23）：1 项需要处理");
    expect(lastReply()).toContain("· 正式党员仅 2 人，不足 3 人");
    expect(lastReply()).toContain("（依据：《中国共产党支部工作条例（试行）》第四条）");

    await privately("/设置 换届 2024-05-23 3年");
    expect(lastReply()).toBe(
      "【体检支部】已记录换届：2024-05-23 选举，任期 3 年，2027-05-23 届满。届满前 6 个月起，支部体检会提醒书记。",
    );
    await privately("/体检");
    expect(lastReply()).toContain("2 项需要处理");
    expect(lastReply()).toContain(
      "· 支委会任期 3 年（2024-05-23 选举），将于 2027-05-23 届满（还有 181 天）",
    );

    await privately("/设置");
    expect(lastReply()).toContain("支部体检：开");
    expect(lastReply()).toContain("换届：2024-05-23 选举，任期 3 年，2027-05-23 届满");
    await privately("/设置 换届 2024-05-23 4年");
    expect(lastReply()).toContain("任期须为 3 或 5 年");

    // Names of members with arrears or missed meetings are never shown in the group.
    h.lark.expectReply();
    await inGroup("/体检");
    expect(lastReply()).toContain("私聊");
  });

  it("the daily check tells the secretary privately once, and /设置 支部体检 关 silences it", async () => {
    h.lark.expectSend();
    await runHealthJob("2026-11-24T00:00:00Z");
    const sent = h.lark.sent.at(-1)!;
    expect(sent.receiveIdType).toBe("open_id");
    expect(sent.body.receive_id).toBe(SEC.openId);
    expect(contentText(sent.body)).toContain("【支部体检】「体检支部」有新情况：");
    expect(contentText(sent.body)).toContain("正式党员仅 2 人");
    // The next day nothing changed: nothing is sent (an unexpected send fails the test).
    await runHealthJob("2026-11-25T00:00:00Z");

    h.lark.expectReply();
    await privately("/设置 支部体检 关");
    expect(lastReply()).toBe("【体检支部】已关闭支部体检。");
    await h.t.db.models.Branch.updateOne({ chatId: CHAT }, { $set: { healthReported: [] } });
    await runHealthJob("2026-11-26T00:00:00Z");
    expect(await h.t.db.models.Outbox.countDocuments({ _id: trusted({ $regex: "^health:" }) })).toBe(1);
  });
});
