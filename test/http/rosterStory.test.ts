import { describe, expect, it } from "vitest";
import type { Member } from "../../src/db/models/member.js";
import { cardButtons } from "../helpers/roles.js";
import { businessSnapshot, useBot } from "./harness.js";

/**
 * The 党员名册 through signed webhooks: statuses with their history, people on no chat, the
 * record's privacy (group vs private chat), and the sync card (待确认 confirmed by the secretary,
 * a name match linked only when the secretary says so).
 */
const h = useBot("http_roster_story");

const SEC = { openId: "ou_rs_sec", name: "王书记" };
const ZHANG = { openId: "ou_rs_zhang", name: "张三" };
const LI = { openId: "ou_rs_li", name: "李四" };
const LIU = { openId: "ou_rs_liu", name: "老刘" }; // also on the roster as a person on no chat
const FANG = { openId: "ou_rs_fang", name: "王芳" }; // not the offline 王芳
const CHAT = "oc_rs_1";
const P2P = (openId: string) => `oc_p2p_${openId}`;

const say = (sender: string, text: string, mentions: { openId: string; name: string }[] = []) =>
  h.t.say({ text, sender, chatId: CHAT, mentions });
const sayPrivately = (sender: string, text: string) =>
  h.t.say({ text, sender, chatId: P2P(sender), chatType: "p2p" });
const lastReply = () => h.lark.replyTexts().at(-1) ?? "";
const lastReplyBody = () => h.lark.replies.at(-1)!.body;

async function branchId(): Promise<string> {
  return (await h.t.db.models.Branch.findOne({ chatId: CHAT }).lean())!._id;
}
async function member(openId: string): Promise<Member | null> {
  return h.t.db.models.Member.findOne({ branchId: await branchId(), openId }).lean<Member>();
}
async function byName(name: string): Promise<Member> {
  return (await h.t.db.models.Member.findOne({ branchId: await branchId(), name }).lean<Member>())!;
}

/** The form values of the sync card's confirm button and the link buttons. */
function syncButtons() {
  const values = cardButtons(lastReplyBody());
  return {
    confirm: values.find((v) => v.action === "roster.confirm") as
      { action: string; branchId: string; openIds: string[] } | undefined,
    links: values.filter((v) => v.action === "roster.link"),
    unlinks: values.filter((v) => v.action === "roster.unlink"),
  };
}

describe("the roster (党员名册)", () => {
  it("adds people on no chat, syncs the chat as 待确认, confirms by card and links a name match", async () => {
    h.lark
      .chatOwner(CHAT, SEC.openId)
      .chatMembers(CHAT, [[SEC]])
      .expectReply();
    await say(SEC.openId, "/绑定 名册支部");

    // 添加: people on no chat, by the secretary only.
    h.lark.expectReply(4);
    await say(SEC.openId, "/党员 添加 老刘 预备 党小组=退休组");
    await say(SEC.openId, "/党员 添加 王芳");
    await say(SEC.openId, "/党员 添加 老刘");
    expect(lastReply()).toContain("名册中已有「老刘」");
    await say(ZHANG.openId, "/党员 添加 老赵");
    expect(lastReply()).toBe("抱歉，此命令仅限支部书记使用。");
    const offline = await byName("老刘");
    expect(offline).toMatchObject({
      onFeishu: false,
      status: "probationary",
      partyGroup: "退休组",
      active: true,
    });
    expect(offline.openId).toMatch(/^offline_/);
    expect((await byName("王芳")).status).toBe("full");

    // 同步: new people arrive 待确认; names matching people on no chat are not linked silently.
    h.lark.chatMembers(CHAT, [[SEC, ZHANG, LI, LIU, FANG]]).expectReply();
    await say(SEC.openId, "/党员 同步");
    expect(h.lark.replies).toHaveLength(6); // the sync answered with one reply: the card
    expect(JSON.parse(lastReply())).toMatchObject({ schema: "2.0" });
    expect(lastReply()).toContain("名册已同步：在册 5 人，新增 2 人，离群转为不在册 0 人。");
    expect((await member(ZHANG.openId))!.status).toBe("unconfirmed");
    expect((await member(LI.openId))!.status).toBe("unconfirmed");
    expect(await member(LIU.openId)).toBeNull();
    expect(await member(FANG.openId)).toBeNull();
    expect((await byName("老刘")).active).toBe(true); // people on no chat are never made inactive
    const { confirm, links, unlinks } = syncButtons();
    expect(confirm!.openIds.sort()).toEqual([LI.openId, ZHANG.openId].sort());
    expect(links.map((v) => (v.pair as string[])[0]).sort()).toEqual([FANG.openId, LIU.openId].sort());

    // Only a secretary may confirm: a member's click changes nothing.
    const formValue = Object.fromEntries(
      confirm!.openIds.map((openId, i) => [`s${i}`, openId === ZHANG.openId ? "full" : "activist"]),
    );
    const before = await businessSnapshot(h.t);
    const refused = await h.t.click({
      operator: ZHANG.openId,
      value: confirm!,
      formValue,
      messageId: "om_sync",
      chatId: CHAT,
    });
    expect(refused.body.toast).toMatchObject({ type: "error" });
    expect(await businessSnapshot(h.t)).toEqual(before);

    const confirmed = await h.t.click({
      operator: SEC.openId,
      value: confirm!,
      formValue,
      messageId: "om_sync",
      chatId: CHAT,
    });
    expect(confirmed.body.toast.type).toBe("success");
    expect((await member(ZHANG.openId))!).toMatchObject({ status: "full" });
    expect((await member(LI.openId))!).toMatchObject({ status: "activist" });
    expect((await member(ZHANG.openId))!.statusHistory).toHaveLength(1);
    // The redrawn card (it may be in the group) names who was confirmed, never their status.
    const redrawn = JSON.stringify(confirmed.body.card.data);
    expect(redrawn).toContain("已确认 2 人的身份");
    expect(redrawn).not.toContain("入党积极分子");
    expect(redrawn).toContain("roster.link");
    // A second click of the same card adds nothing.
    await h.t.click({ operator: SEC.openId, value: confirm!, formValue, messageId: "om_sync", chatId: CHAT });
    expect((await member(LI.openId))!.statusHistory).toHaveLength(1);

    // 老刘 is the same person: the offline entry takes the open id, status and history kept.
    const link = links.find((v) => (v.pair as string[])[0] === LIU.openId)!;
    const linked = await h.t.click({ operator: SEC.openId, value: link, messageId: "om_sync", chatId: CHAT });
    expect(linked.body.toast.type).toBe("success");
    const liu = (await member(LIU.openId))!;
    expect(liu).toMatchObject({ onFeishu: true, status: "probationary", partyGroup: "退休组", name: "老刘" });
    expect(liu.statusHistory).toEqual(offline.statusHistory);
    expect(await member(offline.openId)).toBeNull();

    // 王芳 in the chat is not the 王芳 on no chat: she joins as 待确认.
    const unlink = unlinks.find((v) => (v.pair as string[])[0] === FANG.openId)!;
    const declined = await h.t.click({
      operator: SEC.openId,
      value: unlink,
      messageId: "om_sync",
      chatId: CHAT,
    });
    expect(JSON.stringify(declined.body.card.data)).toContain("roster.confirm");
    expect((await member(FANG.openId))!.status).toBe("unconfirmed");
    expect((await byName("王芳")).name).toBe("王芳");

    // /党员: statuses, 待确认 first for the secretary.
    h.lark.expectReply();
    await say(SEC.openId, "/党员");
    const list = lastReply();
    expect(list.indexOf("待确认 1 人")).toBeLessThan(list.indexOf("王书记"));
    expect(list).toContain("张三　党员　正式党员");
    expect(list).toContain("李四　党员　入党积极分子");
    expect(list).toContain("无飞书账号");
  });

  it("changes a status with its history kept, idempotently", async () => {
    h.lark.expectReply(3);
    await say(SEC.openId, "/党员 身份 @李四 预备 2026-07-01 支部大会通过", [LI]);
    expect(lastReply()).toContain("已将 李四 的身份设为预备党员（自 2026-07-01）");
    await say(SEC.openId, "/党员 身份 @李四 预备党员 2026-07-01", [LI]);
    expect(lastReply()).toContain("未作更改");
    await say(ZHANG.openId, "/党员 身份 @李四 正式", [LI]);
    expect(lastReply()).toBe("抱歉，此命令仅限支部书记使用。");
    const li = (await member(LI.openId))!;
    expect(li.status).toBe("probationary");
    expect(li.statusHistory.map((c) => c.status)).toEqual(["activist", "probationary"]);
    expect(li.statusHistory[1]).toMatchObject({ by: SEC.openId, reason: "支部大会通过" });
    expect(li.profile.joinedAt).toEqual(new Date("2026-06-30T16:00:00Z")); // 2026-07-01 in Shanghai

    h.lark.expectReply();
    await say(SEC.openId, "/党员 身份 @李四 党员", [LI]);
    expect(lastReply()).toContain("身份须为");
  });

  it("edits a record by form in a private chat and shows personal fields only there", async () => {
    // In the group the form is not sent.
    h.lark.expectReply(2);
    await say(SEC.openId, "/党员 编辑 老刘");
    expect(lastReply()).toContain("请私聊机器人");
    await sayPrivately(SEC.openId, "/党员 编辑 老刘");
    const form = cardButtons(lastReplyBody()).find((v) => v.action === "roster.edit")!;
    expect(form).toMatchObject({ openId: LIU.openId });

    const bad = await h.t.click({
      operator: SEC.openId,
      value: form,
      formValue: { status: "probationary", birthMonth: "1950-13", phone: "13812345678" },
      messageId: "om_edit",
      chatId: P2P(SEC.openId),
    });
    expect(bad.body.toast.type).toBe("error");
    expect(bad.body.toast.content).toContain("出生年月");
    expect((await member(LIU.openId))!.profile.phone).toBe("");

    const saved = await h.t.click({
      operator: SEC.openId,
      value: form,
      formValue: {
        status: "probationary",
        gender: "男",
        birthMonth: "1950-03",
        phone: "13812345678",
        ethnicity: "汉族",
      },
      messageId: "om_edit",
      chatId: P2P(SEC.openId),
    });
    expect(saved.body.toast.type).toBe("success");
    expect((await member(LIU.openId))!.profile).toMatchObject({
      birthMonth: "1950-03",
      phone: "13812345678",
      gender: "男",
    });

    // A member cannot submit the form.
    const refused = await h.t.click({
      operator: ZHANG.openId,
      value: form,
      formValue: { status: "full" },
      messageId: "om_edit",
      chatId: P2P(ZHANG.openId),
    });
    expect(refused.body.toast.type).toBe("error");
    expect((await member(LIU.openId))!.status).toBe("probationary");

    // 信息 in the group: name, status, 党小组 and a hint; nothing personal.
    h.lark.expectReply(3);
    await say(ZHANG.openId, "/党员 信息 @老刘", [LIU]);
    const inGroup = lastReply();
    expect(inGroup).toContain("老刘");
    expect(inGroup).toContain("预备党员");
    expect(inGroup).toContain("退休组");
    expect(inGroup).toContain("私聊");
    expect(inGroup).not.toContain("1950-03");
    expect(inGroup).not.toContain("5678");
    // In the secretary's private chat: the record, the phone in full.
    await sayPrivately(SEC.openId, "/党员 信息 老刘");
    const toSecretary = lastReply();
    expect(toSecretary).toContain("出生年月：1950-03");
    expect(toSecretary).toContain("13812345678");
    expect(toSecretary).toContain("身份历史");
    // A member asking privately about someone else sees no more than the group does.
    await sayPrivately(ZHANG.openId, "/党员 信息 老刘");
    expect(lastReply()).not.toContain("1950-03");
    expect(lastReply()).not.toContain("5678");
  });

  it("records 免于要求 and 外出 periods and ends them", async () => {
    h.lark.expectReply(5);
    await say(SEC.openId, "/党员 添加 老赵");
    await say(SEC.openId, "/党员 免于要求 老赵 至 2026-12-31 长期患病");
    expect(lastReply()).toContain("已登记 老赵 免于要求");
    expect(lastReply()).toContain("至 2026-12-31");
    await say(SEC.openId, "/党员 外出 @张三 深圳 至 2027-06-30 务工", [ZHANG]);
    expect(lastReply()).toContain("（深圳）");
    await say(SEC.openId, "/党员 免于要求 老赵 结束");
    expect(lastReply()).toBe("已结束 老赵 的免于要求。");
    await say(SEC.openId, "/党员 外出 @张三", [ZHANG]);
    expect(lastReply()).toContain("请写去向");

    const zhao = await byName("老赵");
    expect(zhao.exemptions).toHaveLength(1);
    expect(zhao.exemptions[0]).toMatchObject({ kind: "exempt", reason: "长期患病", until: h.t.clock.now() });
    const zhang = (await member(ZHANG.openId))!;
    expect(zhang.exemptions[0]).toMatchObject({
      kind: "away",
      where: "深圳",
      reason: "务工",
      until: new Date("2027-06-30T16:00:00Z"), // through 30 June, Shanghai
    });
  });

  it("syncs again with nobody waiting: a plain reply, no card", async () => {
    h.lark.expectReply(3);
    // Two 王芳 now (one on no chat): a name no longer says who; @ does.
    await say(SEC.openId, "/党员 身份 王芳 群众");
    expect(lastReply()).toContain("名册中有 2 位「王芳」，请 @ 本人");
    await say(SEC.openId, "/党员 身份 @王芳 群众", [FANG]);
    h.lark.chatMembers(CHAT, [[SEC, ZHANG, LI, LIU, FANG]]);
    await say(SEC.openId, "/党员 同步");
    expect(lastReply()).toBe("名册已同步：在册 5 人，新增 0 人，离群转为不在册 0 人。");
  });
});
