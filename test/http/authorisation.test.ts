import { describe, expect, it } from "vitest";
import { migrateParentOrgs } from "../../src/domain/orgs.js";
import { acceptRoleOffer, cardButtons } from "../helpers/roles.js";
import { contentText } from "../helpers/larkMock.js";
import { useBot } from "./harness.js";
import { seedBranches } from "../helpers/factories.js";

/**
 * Who may see and do what, through signed webhooks: organisations are records of their own,
 * joined by approval; elevated roles wait for the person's own confirmation; a private chat acts
 * for the branch the person chose; a sync never leaves a branch without a secretary.
 */
const ADMIN = "ou_auth_admin";
const h = useBot("http_authorisation", { admins: [ADMIN] });

interface Person {
  openId: string;
  name: string;
}
const ORG_SEC: Person = { openId: "ou_auth_orgsec", name: "党委书记" };
const SEC: Person = { openId: "ou_auth_sec", name: "王书记" };
const SEC2: Person = { openId: "ou_auth_sec2", name: "陈书记" };
const ZHANG: Person = { openId: "ou_auth_zhang", name: "张三" };
const LI: Person = { openId: "ou_auth_li", name: "李四" };
const OUTSIDER: Person = { openId: "ou_auth_outsider", name: "路人" };
const SEC3: Person = { openId: "ou_auth_sec3", name: "赵书记" };
const SEC4: Person = { openId: "ou_auth_sec4", name: "钱书记" };
const SEC5: Person = { openId: "ou_auth_sec5", name: "孙书记" };
const WU: Person = { openId: "ou_auth_wu", name: "吴六" };
const ZHENG: Person = { openId: "ou_auth_zheng", name: "郑七" };

let chatSeq = 0;
const newChat = () => `oc_auth_${++chatSeq}`;
const lastReply = () => h.lark.replyTexts().at(-1) ?? "";

const sayIn = (chatId: string, sender: Person | string, text: string, mentions?: Person[]) =>
  h.t.say({ text, sender: typeof sender === "string" ? sender : sender.openId, chatId, mentions });
const sayPrivately = (sender: Person | string, text: string, mentions?: Person[]) => {
  const openId = typeof sender === "string" ? sender : sender.openId;
  return h.t.say({ text, sender: openId, chatId: `oc_p2p_${openId}`, chatType: "p2p", mentions });
};

/** Binds a new chat owned by `people[0]` (with `bindText`) and syncs `people` into it. */
async function setupBranch(people: Person[], bindText: string, sends = 0): Promise<string> {
  const chatId = newChat();
  h.lark.chatOwner(chatId, people[0]!.openId).chatMembers(chatId, [people]).expectReply();
  if (sends > 0) h.lark.expectSend(sends);
  await sayIn(chatId, people[0]!, bindText);
  h.lark.chatMembers(chatId, [people]).expectReply();
  await sayIn(chatId, people[0]!, "/党员 同步");
  return chatId;
}

const branchOf = (chatId: string) => h.t.db.models.Branch.findOne({ chatId }).lean();
const memberIn = async (chatId: string, person: Person) =>
  h.t.db.models.Member.findOne({ branchId: (await branchOf(chatId))?._id, openId: person.openId }).lean();

const buttonsOf = (sent: { body: Record<string, unknown> } | undefined) => cardButtons(sent?.body);

const sentTo = (openId: string) => h.lark.sent.filter((s) => s.body.receive_id === openId);

describe("organisation roll-up", () => {
  it("an outsider naming an existing organisation as 上级 does not see its branches", async () => {
    h.lark.expectReply(2);
    await sayPrivately(ADMIN, "/组织 新建 机关党委");
    await sayPrivately(ADMIN, "/组织 书记 机关党委 @党委书记", [ORG_SEC]);

    // A real branch asks to join: the organisation's secretary gets a card.
    const chat = await setupBranch([SEC, ZHANG], "/绑定 第一党支部 上级=机关党委", 1);
    // An outsider binds a group of their own under the same organisation.
    const outsiderChat = await setupBranch([OUTSIDER], "/绑定 路人支部 上级=机关党委", 1);

    h.lark.expectReply(2);
    await sayPrivately(OUTSIDER, "/统计 党委 2026");
    expect(lastReply()).not.toContain("第一党支部");
    await sayIn(outsiderChat, OUTSIDER, "/统计 党委 2026");
    expect(lastReply()).not.toContain("第一党支部");

    // The organisation's secretary approves the real branch only.
    const card = sentTo(ORG_SEC.openId).find((s) => JSON.stringify(s.body).includes("第一党支部"));
    const approve = buttonsOf(card).find((v) => v.decision === "approve")!;
    h.lark.expectSend(); // the branch secretary is told
    const answer = await h.t.click({
      operator: ORG_SEC.openId,
      value: approve,
      messageId: "om_auth_join1",
      chatId: `oc_p2p_${ORG_SEC.openId}`,
    });
    await h.t.bot.inbox.idle();
    expect(answer.body.toast.type).toBe("success");
    const org = await h.t.db.models.Organisation.findOne({ name: "机关党委" }).lean();
    expect(await branchOf(chat)).toMatchObject({ orgId: org!._id, orgRequest: null });
    expect(await branchOf(outsiderChat)).toMatchObject({ orgId: null });

    h.lark.expectReply(4);
    await sayPrivately(OUTSIDER, "/统计 党委 2026");
    expect(lastReply()).not.toContain("第一党支部");
    expect(lastReply()).toContain("仅限");
    // A branch secretary without a role in the organisation is refused too.
    await sayPrivately(SEC, "/统计 党委 2026");
    expect(lastReply()).not.toContain('"tag"');
    expect(lastReply()).toContain("仅限上级组织");
    // The organisation's secretary sees its members, not the pending outsider.
    await sayPrivately(ORG_SEC, "/统计 党委 2026");
    expect(lastReply()).toContain("第一党支部");
    expect(lastReply()).not.toContain("路人支部");
    // An admin may name it.
    await sayPrivately(ADMIN, "/统计 党委 机关党委 2026");
    expect(lastReply()).toContain("第一党支部");

    // The outsider's request is refused: it stays outside, and its binder is told.
    const outsiderCard = sentTo(ORG_SEC.openId).find((s) => JSON.stringify(s.body).includes("路人支部"));
    h.lark.expectSend();
    await h.t.click({
      operator: ORG_SEC.openId,
      value: buttonsOf(outsiderCard).find((v) => v.decision === "refuse")!,
      messageId: "om_auth_join2",
      chatId: `oc_p2p_${ORG_SEC.openId}`,
    });
    await h.t.bot.inbox.idle();
    expect(await branchOf(outsiderChat)).toMatchObject({ orgId: null, orgRequest: null });
  });
});

describe("private chat hijack", () => {
  it("a role given in an outsider's group waits for the person, and their private chat stays theirs", async () => {
    const home = await setupBranch([SEC, ZHANG], "/绑定 第三党支部");
    const foreign = await setupBranch([OUTSIDER, ZHANG], "/绑定 路人二支部");

    h.lark.expectReply().expectSend();
    await sayIn(foreign, OUTSIDER, "/角色 @张三 书记", [ZHANG]);
    expect(await memberIn(foreign, ZHANG)).toMatchObject({ role: "member" });
    expect(lastReply()).toContain("确认");

    // In several branches and none chosen: the private chat asks which one.
    h.lark.expectReply();
    await sayPrivately(ZHANG, "/党员");
    expect(lastReply()).toContain("/切换");
    expect(lastReply()).not.toContain("」在册党员");

    h.lark.expectReply();
    await sayPrivately(ZHANG, "/切换");
    const list = h.lark.replies.at(-1)!;
    expect(JSON.stringify(list.body)).toContain("第三党支部");
    expect(JSON.stringify(list.body)).toContain("路人二支部");
    const homeId = (await branchOf(home))!._id;
    const choose = buttonsOf(list).find((v) => v.branchId === homeId)!;
    const answer = await h.t.click({
      operator: ZHANG.openId,
      value: choose,
      messageId: "om_auth_switch",
      chatId: `oc_p2p_${ZHANG.openId}`,
    });
    expect(answer.body.toast.type).toBe("success");

    h.lark.expectReply();
    await sayPrivately(ZHANG, "/党员");
    expect(lastReply()).toMatch(/^【第三党支部】/);
    expect(lastReply()).toContain("「第三党支部」在册党员 2 人");
  });
});

describe("a branch always keeps a secretary", () => {
  it("/党员 同步 keeps the only secretary when they are no longer in the chat", async () => {
    const chat = await setupBranch([SEC2, LI], "/绑定 第五党支部");
    h.lark.chatMembers(chat, [[LI]]).expectReply();
    await sayIn(chat, ADMIN, "/党员 同步");
    expect(await memberIn(chat, SEC2)).toMatchObject({ role: "secretary", active: true });
    expect(lastReply()).toContain("陈书记");
    expect(lastReply()).toContain("至少需要一名书记");
  });
});

describe("the approval card of a join request (signed callbacks)", () => {
  it("only the organisation's secretary or an admin decides; a double click is one effect; refusal tells the branch", async () => {
    h.lark.expectReply(2);
    await sayPrivately(ADMIN, "/组织 新建 科研党委");
    await sayPrivately(ADMIN, "/org secretary 科研党委 @党委书记", [ORG_SEC]);

    const chat = await setupBranch([SEC3], "/绑定 第七党支部 上级=科研党委", 1);
    expect(h.lark.replyTexts().at(-2)).toContain("已向「科研党委」提出加入申请");
    const card = sentTo(ORG_SEC.openId).at(-1)!;
    expect(JSON.stringify(card.body)).toContain("第七党支部");
    const approve = buttonsOf(card).find((v) => v.decision === "approve")!;
    const click = (operator: string, value: Record<string, unknown>) =>
      h.t.click({ operator, value, messageId: "om_auth_join7", chatId: `oc_p2p_${operator}` });

    // The branch's own secretary cannot approve it.
    const refused = await click(SEC3.openId, approve);
    expect(refused.status).toBe(200);
    expect(refused.body.toast).toEqual({ type: "error", content: "只有该组织的书记或系统管理员可以审批。" });
    expect(await branchOf(chat)).toMatchObject({ orgId: null });

    // Two clicks of 同意 at once: one approval, one message to the branch secretary.
    h.lark.expectSend();
    const answers = await Promise.all([click(ORG_SEC.openId, approve), click(ORG_SEC.openId, approve)]);
    await h.t.bot.inbox.idle();
    const first = answers.find((a) => a.body.toast.type === "success")!;
    expect(answers.map((a) => a.body.toast.type).sort()).toEqual(["info", "success"]);
    expect(JSON.stringify(first.body.card)).toContain("已同意");
    expect(answers.find((a) => a.body.toast.type === "info")!.body.toast.content).toBe(
      "此申请已处理或已撤回。",
    );
    const org = await h.t.db.models.Organisation.findOne({ name: "科研党委" }).lean();
    expect(await branchOf(chat)).toMatchObject({ orgId: org!._id, orgRequest: null });
    expect(sentTo(SEC3.openId).map((s) => contentText(s.body))).toEqual([
      "「科研党委」已同意「第七党支部」加入。",
    ]);

    // Another branch is refused: it belongs to none, and its secretary is told.
    const other = await setupBranch([SEC4], "/绑定 第八党支部 上级=科研党委", 1);
    const refuse = buttonsOf(sentTo(ORG_SEC.openId).at(-1)).find((v) => v.decision === "refuse")!;
    h.lark.expectSend();
    const no = await click(ORG_SEC.openId, refuse);
    await h.t.bot.inbox.idle();
    expect(no.body.toast.type).toBe("success");
    expect(await branchOf(other)).toMatchObject({ orgId: null, orgRequest: null });
    expect(contentText(sentTo(SEC4.openId).at(-1)!.body)).toContain("拒绝了「第八党支部」的加入申请");
  });

  it("free-text parents become pending requests, never members; the organisation made later gets them", async () => {
    const { Branch } = h.t.db.models;
    await seedBranches(h.t.db.models, [
      {
        _id: "B901",
        seq: 901,
        name: "老支部甲",
        chatId: "oc_auth_old1",
        parentOrg: "后勤党委",
        createdBy: SEC.openId,
      },
      {
        _id: "B902",
        seq: 902,
        name: "老支部乙",
        chatId: "oc_auth_old2",
        parentOrg: "科研党委",
        createdBy: SEC.openId,
      },
    ]);
    await migrateParentOrgs(h.t.db.models, h.t.clock.now());
    await migrateParentOrgs(h.t.db.models, h.t.clock.now()); // idempotent
    const research = await h.t.db.models.Organisation.findOne({ name: "科研党委" }).lean();
    const old1 = await Branch.findById("B901").lean();
    const old2 = await Branch.findById("B902").lean();
    expect(old1).toMatchObject({
      orgId: null,
      parentOrg: null,
      orgRequest: { orgId: null, orgName: "后勤党委", migrated: true },
    });
    expect(old2).toMatchObject({
      orgId: null,
      parentOrg: null,
      orgRequest: { orgId: research!._id, orgName: "科研党委" },
    });

    // The admin sees both; the text one waits for its organisation.
    h.lark.expectReply().expectSend();
    await sayPrivately(ADMIN, "/组织 申请");
    expect(lastReply()).toContain("「老支部甲」（B901）→「后勤党委」（该组织尚未建立");
    expect(lastReply()).toContain("「老支部乙」（B902）→「科研党委」");

    // Creating it links the request and sends its card to the admins (it has no secretary yet).
    h.lark.expectReply().expectSend();
    await sayPrivately(ADMIN, "/组织 新建 后勤党委");
    expect(lastReply()).toContain("有 1 个支部此前申请加入它");
    const card = sentTo(ADMIN).at(-1)!;
    expect(JSON.stringify(card.body)).toContain("老支部甲");
    const approve = buttonsOf(card).find((v) => v.decision === "approve")!;
    h.lark.expectSend();
    const answer = await h.t.click({
      operator: ADMIN,
      value: approve,
      messageId: "om_auth_old1",
      chatId: "oc_p2p_admin",
    });
    await h.t.bot.inbox.idle();
    expect(answer.body.toast.type).toBe("success");
    const logistics = await h.t.db.models.Organisation.findOne({ name: "后勤党委" }).lean();
    expect(await Branch.findById("B901").lean()).toMatchObject({ orgId: logistics!._id, orgRequest: null });
  });
});

describe("the confirmation card of a role (signed callbacks)", () => {
  it("only the person accepts; a double click is one effect; declining keeps the role; lower roles apply at once", async () => {
    const chat = await setupBranch([SEC5, WU, ZHENG], "/绑定 第九党支部");

    h.lark.expectReply().expectSend();
    await sayIn(chat, SEC5, "/角色 @吴六 支委", [WU]);
    const card = sentTo(WU.openId).at(-1)!;
    expect(JSON.stringify(card.body)).toContain("第九党支部");
    const accept = buttonsOf(card).find((v) => v.decision === "accept")!;
    const click = (operator: string) =>
      h.t.click({ operator, value: accept, messageId: "om_auth_role", chatId: `oc_p2p_${operator}` });

    const other = await click(ZHENG.openId);
    expect(other.body.toast).toEqual({ type: "error", content: "只有被任命者本人可以确认。" });
    expect(await memberIn(chat, WU)).toMatchObject({ role: "member" });

    h.lark.expectSend(); // the secretary is told, once
    const first = await click(WU.openId);
    const second = await click(WU.openId);
    await h.t.bot.inbox.idle();
    expect(first.body.toast).toEqual({ type: "success", content: "你现在是「第九党支部」的支委" });
    expect(second.body.toast).toEqual({ type: "info", content: "此任命已处理或已撤回。" });
    expect(await memberIn(chat, WU)).toMatchObject({ role: "committee", pendingRole: null });
    expect(contentText(sentTo(SEC5.openId).at(-1)!.body)).toBe("吴六 已接受「第九党支部」支委任命。");

    h.lark.expectReply();
    await sayIn(chat, SEC5, "/角色 @吴六 支委", [WU]);
    expect(lastReply()).toBe("吴六 已是支委。");

    // Offered twice: one card. Declined: the role stays, the secretary is told.
    h.lark.expectReply(2).expectSend();
    await sayIn(chat, SEC5, "/角色 @郑七 书记", [ZHENG]);
    await sayIn(chat, SEC5, "/角色 @郑七 书记", [ZHENG]);
    expect(lastReply()).toBe("已向 郑七 发出书记任命，待其本人确认。");
    expect(sentTo(ZHENG.openId)).toHaveLength(1);
    h.lark.expectSend();
    const declined = await acceptRoleOffer(h.t, ZHENG.openId, "decline");
    expect(declined.body.toast.type).toBe("success");
    expect(await memberIn(chat, ZHENG)).toMatchObject({ role: "member", pendingRole: null });
    expect(contentText(sentTo(SEC5.openId).at(-1)!.body)).toContain("拒绝了「第九党支部」书记任命");

    // A lower role needs no confirmation.
    h.lark.expectReply();
    await sayIn(chat, SEC5, "/角色 @吴六 党员", [WU]);
    expect(lastReply()).toBe("已将 吴六 设为党员。");
    expect(await memberIn(chat, WU)).toMatchObject({ role: "member" });
  });
});

describe("/帮助 of organisations", () => {
  it("shows admins the organisation commands, organisation secretaries theirs, others none", async () => {
    h.lark.expectReply(3);
    await sayPrivately(ADMIN, "/帮助");
    expect(lastReply()).toContain("/组织 新建 <名称>");
    expect(lastReply()).toContain("/组织 书记 <组织> @某人…");
    await sayPrivately(ORG_SEC, "/帮助");
    expect(lastReply()).toContain("/组织 申请");
    expect(lastReply()).toContain("/统计 党委");
    expect(lastReply()).not.toContain("/组织 新建");
    await sayPrivately(OUTSIDER, "/帮助");
    expect(lastReply()).not.toContain("/组织");
    expect(lastReply()).not.toContain("/统计 党委");
  });
});
