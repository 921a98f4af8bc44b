import { describe, expect, it } from "vitest";
import { receiveMessage } from "../helpers/receive.js";
import { acceptRoleOffer } from "../helpers/roles.js";
import { businessSnapshot, useBot } from "./harness.js";

const ADMIN = "ou_roster_admin";
const h = useBot("http_roster", { admins: [ADMIN] });

interface Person {
  openId: string;
  name: string;
}
const SEC: Person = { openId: "ou_sec", name: "王书记" };
const ZHANG: Person = { openId: "ou_zhang", name: "张三" };
const LI: Person = { openId: "ou_li", name: "李四" };
const ZHAO: Person = { openId: "ou_zhao", name: "赵五" };
const QIAN: Person = { openId: "ou_qian", name: "钱六" };
const OUTSIDER: Person = { openId: "ou_outsider", name: "路人" };

let chatSeq = 0;
const newChat = () => `oc_roster_${++chatSeq}`;

const lastReply = () => h.lark.replyTexts().at(-1) ?? "";

/** The summary line of the sync card the last reply carries (it fails when the reply is no card). */
function syncCardSummary(): string {
  const body = JSON.parse(lastReply()) as { header: unknown; body: { elements: { content?: string }[] } };
  expect(JSON.stringify(body.header)).toContain("待确认");
  return body.body.elements[0]!.content ?? "";
}

async function branchOf(chatId: string) {
  return h.t.db.models.Branch.findOne({ chatId }).lean();
}

/** The roster of a branch, by open id, without timestamps. */
async function rosterOf(chatId: string) {
  const branch = await branchOf(chatId);
  const members = await h.t.db.models.Member.find({ branchId: branch?._id }).sort({ openId: 1 }).lean();
  return members.map((m) => ({
    openId: m.openId,
    name: m.name,
    role: m.role,
    active: m.active,
    partyGroup: m.partyGroup,
    leftAt: m.leftAt,
  }));
}

async function memberOf(chatId: string, person: Person) {
  return (await rosterOf(chatId)).find((m) => m.openId === person.openId);
}

/** A bound branch in a new chat, through the commands: the first person binds it and syncs. */
async function setupBranch(people: Person[]): Promise<string> {
  const chatId = newChat();
  const owner = people[0]!;
  h.lark.chatOwner(chatId, owner.openId).chatMembers(chatId, [people]).expectReply();
  await h.t.say({ text: "/bind 测试支部", sender: owner.openId, chatId });
  h.lark.chatMembers(chatId, [people]).expectReply();
  await h.t.say({ text: "/members sync", sender: owner.openId, chatId });
  expect(await rosterOf(chatId)).toHaveLength(people.length);
  h.lark.replies.length = 0;
  return chatId;
}

describe("/bind", () => {
  it("by the chat owner creates the branch and makes the binder its secretary", async () => {
    const chatId = newChat();
    h.lark
      .chatOwner(chatId, SEC.openId)
      .chatMembers(chatId, [[SEC, ZHANG]])
      .expectReply();
    await h.t.say({ text: "/bind 第一党支部", sender: SEC.openId, chatId });

    const branch = await branchOf(chatId);
    expect(branch).toMatchObject({ name: "第一党支部", chatId, parentOrg: null, createdBy: SEC.openId });
    expect(branch!._id).toMatch(/^B\d+$/);
    // Only the binder is on the roster until /党员 同步.
    expect(await rosterOf(chatId)).toEqual([
      { openId: SEC.openId, name: "王书记", role: "secretary", active: true, partyGroup: null, leftAt: null },
    ]);
    expect(h.lark.replies).toHaveLength(1);
    expect(lastReply()).toContain("「第一党支部」");
    expect(lastReply()).toContain(branch!._id);
    expect(lastReply()).toContain("你是本支部书记");
  });

  it("binding again with the same name changes nothing; with another name is refused", async () => {
    const chatId = newChat();
    h.lark
      .chatOwner(chatId, SEC.openId)
      .chatMembers(chatId, [[SEC]])
      .expectReply();
    await h.t.say({ text: "/bind 第一党支部", sender: SEC.openId, chatId });
    const before = await businessSnapshot(h.t);

    h.lark
      .chatOwner(chatId, SEC.openId)
      .chatMembers(chatId, [[SEC]])
      .expectReply();
    await h.t.say({ text: "/bind 第一党支部", sender: SEC.openId, chatId });
    expect(lastReply()).toContain("本群已绑定为「第一党支部」");
    expect(await businessSnapshot(h.t)).toEqual(before);

    h.lark
      .chatOwner(chatId, SEC.openId)
      .chatMembers(chatId, [[SEC]])
      .expectReply();
    await h.t.say({ text: "/bind 第二党支部", sender: SEC.openId, chatId });
    expect(lastReply()).toContain("本群已绑定支部「第一党支部」");
    expect(lastReply()).toContain("一个群只能绑定一个支部");
    expect(await businessSnapshot(h.t)).toEqual(before);
    expect(await h.t.db.models.Branch.countDocuments({ chatId })).toBe(1);
  });

  it("by someone who is neither the owner nor an admin is politely refused, nothing written", async () => {
    const chatId = newChat();
    const before = await businessSnapshot(h.t);
    h.lark.chatOwner(chatId, SEC.openId).expectReply();
    await h.t.say({ text: "/bind 第一党支部", sender: ZHANG.openId, chatId });
    expect(h.lark.replyTexts()).toEqual(["抱歉，只有群主或系统管理员可以绑定支部。"]);
    expect(await businessSnapshot(h.t)).toEqual(before);
  });

  it("by an admin (ZHIBU_ADMINS) is allowed without asking who owns the chat", async () => {
    const chatId = newChat();
    // No chatOwner interceptor: asking Lark for the owner would be an unexpected call.
    h.lark.chatMembers(chatId, [[SEC, { openId: ADMIN, name: "组织部管理员" }]]).expectReply();
    await h.t.say({ text: "/bind 第三党支部", sender: ADMIN, chatId });
    expect(h.unmatched).toEqual([]);
    expect(await branchOf(chatId)).toMatchObject({ name: "第三党支部", createdBy: ADMIN });
    expect(await rosterOf(chatId)).toEqual([
      {
        openId: ADMIN,
        name: "组织部管理员",
        role: "secretary",
        active: true,
        partyGroup: null,
        leftAt: null,
      },
    ]);
    expect(lastReply()).toContain("已将本群绑定为「第三党支部」");
  });

  it("/绑定 works; 上级= naming no organisation makes it a member of none and asks nobody", async () => {
    const chatId = newChat();
    h.lark
      .chatOwner(chatId, SEC.openId)
      .chatMembers(chatId, [[SEC]])
      .expectReply();
    await h.t.say({ text: "/绑定 第二党支部 上级=机关党委", sender: SEC.openId, chatId });
    // Organisations are records made by an admin: a name typed by a group owner joins nothing.
    expect(await branchOf(chatId)).toMatchObject({
      name: "第二党支部",
      orgId: null,
      orgRequest: null,
      parentOrg: null,
    });
    expect(lastReply()).toContain("「第二党支部」");
    expect(lastReply()).toContain("没有名为「机关党委」的上级组织");
  });

  it("is refused in a private chat, nothing written", async () => {
    const before = await businessSnapshot(h.t);
    h.lark.expectReply();
    await h.t.say({ text: "/bind 第一党支部", sender: SEC.openId, chatId: "oc_p2p_sec", chatType: "p2p" });
    expect(lastReply()).toContain("请在支部群里使用此命令");
    expect(await businessSnapshot(h.t)).toEqual(before);
  });
});

describe("/members sync", () => {
  it("imports chat members over several pages, idempotently, and keeps those who left as inactive", async () => {
    const chatId = newChat();
    h.lark
      .chatOwner(chatId, SEC.openId)
      .chatMembers(chatId, [[SEC]])
      .expectReply();
    await h.t.say({ text: "/bind 第一党支部", sender: SEC.openId, chatId });

    h.lark
      .chatMembers(chatId, [
        [SEC, ZHANG, LI],
        [ZHAO, QIAN],
      ])
      .expectReply();
    await h.t.say({ text: "/members sync", sender: SEC.openId, chatId });
    // New people wait for a status (待确认): the reply is the secretary's card, with the summary.
    expect(syncCardSummary()).toBe("名册已同步：在册 5 人，新增 4 人，离群转为不在册 0 人。");
    const first = await rosterOf(chatId);
    expect(first).toEqual(
      [SEC, ZHANG, LI, ZHAO, QIAN]
        .map((p) => ({
          openId: p.openId,
          name: p.name,
          role: p === SEC ? "secretary" : "member",
          active: true,
          partyGroup: null,
          leftAt: null,
        }))
        .sort((a, b) => a.openId.localeCompare(b.openId)),
    );

    // The same members again: nothing changes.
    h.lark
      .chatMembers(chatId, [
        [SEC, ZHANG, LI],
        [ZHAO, QIAN],
      ])
      .expectReply();
    await h.t.say({ text: "/members sync", sender: SEC.openId, chatId });
    expect(syncCardSummary()).toBe("名册已同步：在册 5 人，新增 0 人，离群转为不在册 0 人。");
    expect(await rosterOf(chatId)).toEqual(first);

    // 李四 left the chat: inactive, with the record kept.
    h.lark
      .chatMembers(chatId, [
        [SEC, ZHANG],
        [ZHAO, QIAN],
      ])
      .expectReply();
    await h.t.say({ text: "/党员 同步", sender: SEC.openId, chatId });
    expect(syncCardSummary()).toBe("名册已同步：在册 4 人，新增 0 人，离群转为不在册 1 人。");
    expect(await memberOf(chatId, LI)).toEqual({
      openId: LI.openId,
      name: "李四",
      role: "member",
      active: false,
      partyGroup: null,
      leftAt: h.t.clock.now(),
    });
    expect(await rosterOf(chatId)).toHaveLength(5);
    expect((await rosterOf(chatId)).filter((m) => m.active)).toHaveLength(4);

    // The list no longer shows 李四.
    h.lark.expectReply();
    await h.t.say({ text: "/members", sender: SEC.openId, chatId });
    expect(lastReply()).toContain("在册党员 4 人");
    expect(lastReply()).not.toContain("李四");

    // 李四 is back: active again.
    h.lark
      .chatMembers(chatId, [
        [SEC, ZHANG, LI],
        [ZHAO, QIAN],
      ])
      .expectReply();
    await h.t.say({ text: "/members sync", sender: SEC.openId, chatId });
    expect(syncCardSummary()).toBe("名册已同步：在册 5 人，新增 1 人，离群转为不在册 0 人。");
    expect(await memberOf(chatId, LI)).toMatchObject({ active: true, leftAt: null });
  });

  it("keeps roles and party groups across syncs", async () => {
    const chatId = await setupBranch([SEC, ZHANG, LI]);
    h.lark.expectReply(2).expectSend(2);
    await h.t.say({ text: "/role @张三 committee", sender: SEC.openId, chatId, mentions: [ZHANG] });
    await acceptRoleOffer(h.t, ZHANG.openId);
    await h.t.say({ text: "/members group 第一党小组 @李四", sender: SEC.openId, chatId, mentions: [LI] });

    h.lark.chatMembers(chatId, [[SEC, ZHANG, LI]]).expectReply();
    await h.t.say({ text: "/members sync", sender: SEC.openId, chatId });
    expect(await memberOf(chatId, ZHANG)).toMatchObject({ role: "committee", active: true });
    expect(await memberOf(chatId, LI)).toMatchObject({ role: "member", partyGroup: "第一党小组" });
    expect(await memberOf(chatId, SEC)).toMatchObject({ role: "secretary" });
  });

  it("may be run by the secretary only: others are refused, nothing written, Lark not asked", async () => {
    const chatId = await setupBranch([SEC, ZHANG]);
    const before = await businessSnapshot(h.t);
    // No chatMembers interceptor: listing the chat would be an unexpected call.
    h.lark.expectReply(2);
    await h.t.say({ text: "/members sync", sender: ZHANG.openId, chatId });
    await h.t.say({ text: "/党员 同步", sender: OUTSIDER.openId, chatId });
    expect(h.lark.replyTexts()).toEqual(["抱歉，此命令仅限支部书记使用。", "抱歉，此命令仅限支部书记使用。"]);
    expect(await businessSnapshot(h.t)).toEqual(before);
  });

  it("in a chat with no branch asks for /绑定 first", async () => {
    const chatId = newChat();
    h.lark.expectReply();
    await h.t.say({ text: "/members sync", sender: SEC.openId, chatId });
    expect(lastReply()).toContain("本群还没有绑定支部");
    expect(lastReply()).toContain("/绑定 <支部名称>");
  });
});

// In-process (no HTTP): what the command answers; /bind and /members sync go through signed webhooks.
describe("/members", () => {
  it("lists the active members with their roles to a member", async () => {
    const chatId = await setupBranch([SEC, ZHANG, LI]);
    h.lark.expectReply(2);
    await receiveMessage(h.t, {
      text: "/members group 第一党小组 @张三",
      sender: SEC.openId,
      chatId,
      mentions: [ZHANG],
    });
    await receiveMessage(h.t, { text: "/党员", sender: ZHANG.openId, chatId });
    const text = lastReply();
    expect(text).toContain("「测试支部」在册党员 3 人");
    expect(text).toContain("王书记　书记　正式党员");
    // New people are 待确认 until the secretary gives a status.
    expect(text).toContain("张三　党员　待确认　第一党小组");
    expect(text).toContain("李四　党员　待确认");
  });

  it("is refused to someone who is not on the roster", async () => {
    const chatId = await setupBranch([SEC, ZHANG]);
    h.lark.expectReply();
    await receiveMessage(h.t, { text: "/members list", sender: OUTSIDER.openId, chatId });
    expect(h.lark.replyTexts()).toEqual(["抱歉，此命令仅限本支部党员使用。"]);
  });
});

describe("/role", () => {
  it("the secretary makes members committee members (/role and /角色), once each accepts", async () => {
    const chatId = await setupBranch([SEC, ZHANG, LI]);
    h.lark.expectReply(2).expectSend(4);
    await h.t.say({ text: "/role @张三 committee", sender: SEC.openId, chatId, mentions: [ZHANG] });
    expect(lastReply()).toBe(
      "已请 张三 确认支委任命（确认卡片已私信发送），本人接受后生效；在此之前其角色不变。",
    );
    await h.t.say({ text: "/角色 @李四 支委", sender: SEC.openId, chatId, mentions: [LI] });
    expect(lastReply()).toBe(
      "已请 李四 确认支委任命（确认卡片已私信发送），本人接受后生效；在此之前其角色不变。",
    );
    expect(await memberOf(chatId, ZHANG)).toMatchObject({ role: "member" });
    await acceptRoleOffer(h.t, ZHANG.openId);
    await acceptRoleOffer(h.t, LI.openId);
    expect(await memberOf(chatId, ZHANG)).toMatchObject({ role: "committee" });
    expect(await memberOf(chatId, LI)).toMatchObject({ role: "committee" });
    expect(await memberOf(chatId, SEC)).toMatchObject({ role: "secretary" });
  });

  it("is refused to members and committee members, nothing written", async () => {
    const chatId = await setupBranch([SEC, ZHANG, LI]);
    h.lark.expectReply().expectSend(2);
    await h.t.say({ text: "/role @张三 committee", sender: SEC.openId, chatId, mentions: [ZHANG] });
    await acceptRoleOffer(h.t, ZHANG.openId);
    const before = await businessSnapshot(h.t);

    h.lark.expectReply(2);
    await h.t.say({ text: "/role @李四 committee", sender: LI.openId, chatId, mentions: [LI] });
    await h.t.say({ text: "/角色 @李四 书记", sender: ZHANG.openId, chatId, mentions: [LI] });
    expect(h.lark.replyTexts().slice(1)).toEqual([
      "抱歉，此命令仅限支部书记使用。",
      "抱歉，此命令仅限支部书记使用。",
    ]);
    expect(await businessSnapshot(h.t)).toEqual(before);
  });

  it("refuses to demote the last secretary; with two secretaries one may step down", async () => {
    const chatId = await setupBranch([SEC, ZHANG]);
    const before = await businessSnapshot(h.t);
    h.lark.expectReply();
    await h.t.say({ text: "/role @王书记 member", sender: SEC.openId, chatId, mentions: [SEC] });
    expect(lastReply()).toContain("支部至少需要一名书记");
    expect(await businessSnapshot(h.t)).toEqual(before);

    h.lark.expectReply(2).expectSend(2);
    await h.t.say({ text: "/role @张三 secretary", sender: SEC.openId, chatId, mentions: [ZHANG] });
    await acceptRoleOffer(h.t, ZHANG.openId);
    await h.t.say({ text: "/role @王书记 member", sender: SEC.openId, chatId, mentions: [SEC] });
    expect(lastReply()).toBe("已将 王书记 设为党员。");
    expect(await memberOf(chatId, SEC)).toMatchObject({ role: "member" });
    expect(await memberOf(chatId, ZHANG)).toMatchObject({ role: "secretary" });
  });

  it("refuses someone who is not on the roster, nothing written", async () => {
    const chatId = await setupBranch([SEC, ZHANG]);
    const before = await businessSnapshot(h.t);
    h.lark.expectReply();
    await h.t.say({ text: "/role @路人 committee", sender: SEC.openId, chatId, mentions: [OUTSIDER] });
    expect(lastReply()).toContain("不是本支部的在册党员");
    expect(await businessSnapshot(h.t)).toEqual(before);
  });
});

describe("/members group", () => {
  it("puts the mentioned members into a party group (/members group and /党员 分组)", async () => {
    const chatId = await setupBranch([SEC, ZHANG, LI, ZHAO]);
    h.lark.expectReply(2);
    await h.t.say({
      text: "/members group 第一党小组 @张三 @李四",
      sender: SEC.openId,
      chatId,
      mentions: [ZHANG, LI],
    });
    expect(lastReply()).toBe("已将 2 人分入党小组「第一党小组」。");
    await h.t.say({ text: "/党员 分组 第二党小组 @赵五", sender: SEC.openId, chatId, mentions: [ZHAO] });
    expect(lastReply()).toBe("已将 1 人分入党小组「第二党小组」。");

    expect(await memberOf(chatId, ZHANG)).toMatchObject({ partyGroup: "第一党小组" });
    expect(await memberOf(chatId, LI)).toMatchObject({ partyGroup: "第一党小组" });
    expect(await memberOf(chatId, ZHAO)).toMatchObject({ partyGroup: "第二党小组" });
    expect(await memberOf(chatId, SEC)).toMatchObject({ partyGroup: null });
  });

  it("refuses a group with someone not on the roster, and a member running it; nothing written", async () => {
    const chatId = await setupBranch([SEC, ZHANG]);
    const before = await businessSnapshot(h.t);
    h.lark.expectReply(3);
    await h.t.say({
      text: "/党员 分组 第一党小组 @张三 @路人",
      sender: SEC.openId,
      chatId,
      mentions: [ZHANG, OUTSIDER],
    });
    expect(lastReply()).toContain("有人不是本支部的在册党员");
    await h.t.say({ text: "/党员 分组 第一党小组 @张三", sender: ZHANG.openId, chatId, mentions: [ZHANG] });
    expect(lastReply()).toBe("抱歉，此命令仅限支部书记使用。");
    await h.t.say({ text: "/党员 分组 第一党小组", sender: SEC.openId, chatId });
    expect(lastReply()).toContain("请 @ 要分入该组的党员");
    expect(await businessSnapshot(h.t)).toEqual(before);
  });
});

// In-process (no HTTP), as /members above.
describe("/help", () => {
  it("shows a member only the commands a member may run", async () => {
    const chatId = await setupBranch([SEC, ZHANG]);
    h.lark.expectReply();
    await receiveMessage(h.t, { text: "/help", sender: ZHANG.openId, chatId });
    const text = lastReply();
    expect(text).toContain("身份：党员");
    expect(text).toContain("/党员 [列表]");
    expect(text).toContain("/帮助 或 /help");
    expect(text).not.toContain("/党员 同步");
    expect(text).not.toContain("/党员 分组");
    expect(text).not.toContain("/角色");
  });

  it("shows the secretary the secretary's commands (/帮助)", async () => {
    const chatId = await setupBranch([SEC, ZHANG]);
    h.lark.expectReply();
    await receiveMessage(h.t, { text: "/帮助", sender: SEC.openId, chatId });
    const text = lastReply();
    expect(text).toContain("身份：书记");
    expect(text).toContain("/党员 [列表]");
    expect(text).toContain("/党员 同步");
    expect(text).toContain("/党员 分组");
    expect(text).toContain("/角色 @某人");
  });

  it("shows a visitor neither the roster nor the secretary's commands", async () => {
    const chatId = await setupBranch([SEC, ZHANG]);
    h.lark.expectReply();
    await receiveMessage(h.t, { text: "/help", sender: OUTSIDER.openId, chatId });
    const text = lastReply();
    expect(text).toContain("身份：访客");
    expect(text).toContain("/绑定");
    expect(text).not.toContain("/党员");
    expect(text).not.toContain("/角色");
  });
});
