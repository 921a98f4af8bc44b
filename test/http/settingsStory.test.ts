import { beforeAll, describe, expect, it } from "vitest";
import { createJobs, createScheduler, type Job } from "../../src/jobs/index.js";
import { contentText } from "../helpers/larkMock.js";
import type { TestBot } from "../helpers/testBot.js";
import { useBot } from "./harness.js";
import { confirmSyncedAsFull } from "../helpers/roles.js";

const CHAT = "oc_settings_branch";
const SECRETARY = { openId: "ou_sec_s", name: "周书记" };
const A = { openId: "ou_a_s", name: "吴一" };
const AWAY = { openId: "ou_away_s", name: "郑二" };

// Tuesday 2026-11-24 09:00 Asia/Shanghai: A joined the Party on 24 November 2001.
const h = useBot("settings_story", { now: "2026-11-24T01:00:00Z" });
let t: TestBot;
let jobs: Job[];
const say = (sender: string, text: string) => t.say({ sender, chatId: CHAT, text });
const lastReply = () => t.lark.replyTexts().at(-1) ?? "";
let minute = 0;
/** Runs the birthday job for today, at a fresh minute each time (a new occurrence, not a re-run). */
async function runBirthdays() {
  const scheduler = createScheduler({ deps: t.bot.deps, jobs, instanceId: "a" });
  const job = jobs.find((j) => j.name === "political-birthday")!;
  const result = await scheduler.runOccurrence(job, new Date(Date.UTC(2026, 10, 24, 1, minute++)));
  await t.bot.deps.delivery.idle();
  return result;
}

beforeAll(async () => {
  t = h.t;
  jobs = createJobs({ birthdayHour: t.config.ZHIBU_BIRTHDAY_HOUR });
  t.lark
    .chatOwner(CHAT, SECRETARY.openId)
    .chatMembers(CHAT, [[SECRETARY, A, AWAY]])
    .expectReply();
  await say(SECRETARY.openId, "/绑定 第三党支部");
  t.lark.chatMembers(CHAT, [[SECRETARY, A, AWAY]]).expectReply();
  await say(SECRETARY.openId, "/党员 同步");
  await confirmSyncedAsFull(t, CHAT);
  const { Member } = t.db.models;
  await Member.updateOne(
    { openId: A.openId },
    { $set: { "profile.joinedAt": new Date("2001-11-24T00:00:00+08:00") } },
  );
  await Member.updateOne(
    { openId: AWAY.openId },
    {
      $set: {
        exemptions: [
          {
            id: "E1",
            kind: "away",
            from: new Date("2026-03-01T00:00:00Z"),
            until: null,
            where: "新疆",
            by: SECRETARY.openId,
            at: new Date("2026-03-01T00:00:00Z"),
            lastContactAt: null,
          },
        ],
      },
    },
  );
});

describe("/设置 政治生日 and the birthday job, through signed webhooks", () => {
  it("a member may not change settings; the secretary sees them listed", async () => {
    t.lark.expectReply();
    await say(A.openId, "/设置 政治生日 关");
    expect(lastReply()).toContain("书记");
    expect(lastReply()).not.toContain("已关闭");
    t.lark.expectReply();
    await say(SECRETARY.openId, "/设置");
    expect(lastReply()).toContain("政治生日：开");
  });

  it("switched off, the job sends nothing (the strict harness fails on any send)", async () => {
    t.lark.expectReply();
    await say(SECRETARY.openId, "/设置 政治生日 关");
    expect(lastReply()).toContain("已关闭政治生日");
    expect(await runBirthdays()).toBe("ran");
    const branch = await t.db.models.Branch.findOne({ chatId: CHAT }).lean();
    expect(await t.db.models.Outbox.countDocuments({ _id: `birthday:${branch!._id}:${A.openId}:2026` })).toBe(
      0,
    );
  });

  it("switched on again (in English), the member gets one greeting card privately, once", async () => {
    t.lark.expectReply();
    await say(SECRETARY.openId, "/settings birthday on");
    expect(lastReply()).toContain("已开启政治生日");
    t.lark.expectSend();
    expect(await runBirthdays()).toBe("ran");
    const sent = t.lark.sent.at(-1)!;
    expect(sent.receiveIdType).toBe("open_id");
    expect(sent.body.receive_id).toBe(A.openId);
    expect(sent.body.msg_type).toBe("interactive");
    expect(contentText(sent.body)).toContain("入党 **25** 周年");
    // Another run the same day: nothing more is sent.
    expect(await runBirthdays()).toBe("ran");
  });

  it("/党员 联系 records the contact with a member away", async () => {
    t.lark.expectReply();
    await say(SECRETARY.openId, `/党员 联系 ${AWAY.name}`);
    expect(lastReply()).toContain(`已记录与 ${AWAY.name} 的联系。下次联系提醒：2027年5月24日`);
    const away = await t.db.models.Member.findOne({ openId: AWAY.openId }).lean();
    expect(away?.exemptions[0]?.lastContactAt).toEqual(t.clock.now());
  });

  it("refuses an unknown setting, a bad switch word, and a contact for someone not away", async () => {
    t.lark.expectReply(3);
    await say(SECRETARY.openId, "/设置 生日会 关");
    expect(lastReply()).toContain("没有「生日会」这项设置；可设置：政治生日");
    await say(SECRETARY.openId, "/设置 政治生日 也许");
    expect(lastReply()).toContain("请写 开 或 关");
    await say(SECRETARY.openId, `/党员 联系 ${A.name}`);
    expect(lastReply()).toContain("没有正在进行的外出/流动登记");
    const branch = await t.db.models.Branch.findOne({ chatId: CHAT }).lean();
    expect(branch?.settings?.politicalBirthday).toBe(true);
  });
});
