import { z } from "zod";
import { sendJoinCards } from "../usecases/organisation.js";
import type { Branch } from "../db/models/branch.js";
import { bindBranch, findMember } from "../domain/branches.js";
import { UserError } from "../domain/errors.js";
import { findOrg, ORG_NAME_MAX, requestJoin } from "../domain/orgs.js";
import { commandInput, option } from "./args.js";
import { subcommand, type CommandContext, type CommandFamily } from "./types.js";
import { allowed } from "../domain/policy.js";

const bindArgs = commandInput.transform((input, ctx) => {
  const name = input.positional.join(" ").trim();
  if (!name || name.length > 60) {
    ctx.addIssue({ code: "custom", message: "请写支部名称（60 字以内）" });
    return z.NEVER;
  }
  const parentOrg = option(input, "上级", "parent")?.trim() ?? null;
  if (parentOrg !== null && (!parentOrg || parentOrg.length > ORG_NAME_MAX)) {
    ctx.addIssue({ code: "custom", message: `上级组织名称须在 ${ORG_NAME_MAX} 字以内` });
    return z.NEVER;
  }
  return { name, parentOrg };
});

/**
 * Asks for `branch` to join the organisation named `orgName`: a pending request, with a card
 * (同意 / 拒绝) to the organisation's secretaries, or the admins while it has none. Until one of
 * them approves, the branch belongs to no organisation. Returns the sentence to reply.
 */
export async function askToJoin(ctx: CommandContext, branch: Branch, orgName: string): Promise<string> {
  const { deps } = ctx;
  const org = await findOrg(deps.models, orgName);
  if (!org) {
    return `没有名为「${orgName}」的上级组织（上级组织须由系统管理员用 /组织 新建 建立），本支部暂不属于任何上级组织。`;
  }
  const { request } = await requestJoin(deps.models, {
    branchId: branch._id,
    org,
    requestedBy: ctx.message.senderOpenId,
    now: deps.clock.now(),
  });
  const sent = await sendJoinCards(deps, branch, org, request);
  return sent > 0
    ? `已向「${org.name}」提出加入申请，待其书记（或管理员）审批；审批前本支部不属于任何上级组织。`
    : `已向「${org.name}」提出加入申请，但该组织还没有书记、也没有系统管理员可以审批，请联系管理员。`;
}

export const branchCommands: CommandFamily = {
  name: "bind",
  aliases: ["绑定"],
  summary: "把本群绑定为一个党支部",
  subcommands: [
    subcommand({
      name: "",
      aliases: [],
      usage: ["/绑定 <支部名称> [上级=党委名称]", "/bind <branch name> [parent=organisation]"],
      summary: "把本群绑定为一个党支部（群主或管理员）；上级= 向该组织提出加入申请，经其书记同意后加入",
      permission: "anyone",
      needsBranch: false,
      chat: "group",
      args: bindArgs,
      async run(ctx, args) {
        const { deps, message } = ctx;
        if (!ctx.isAdmin) {
          const owner = await deps.lark.getChatOwner(message.chatId);
          if (owner !== message.senderOpenId) {
            await ctx.replyText("抱歉，只有群主或系统管理员可以绑定支部。");
            return;
          }
        }
        const members = await deps.lark.listChatMembers(message.chatId);
        const binderName = members.find((m) => m.openId === message.senderOpenId)?.name ?? "";
        const { branch, created } = await bindBranch(deps.models, {
          chatId: message.chatId,
          name: args.name,
          binder: { openId: message.senderOpenId, name: binderName },
        });
        let parent = "";
        if (args.parentOrg) {
          // Bound already: only its secretary (or an admin) may ask for it.
          const asker = created ? null : await findMember(deps.models, branch._id, message.senderOpenId);
          if (!created && !allowed("secretary", { member: asker, isAdmin: ctx.isAdmin })) {
            throw new UserError("抱歉，只有本支部书记或系统管理员可以申请加入上级组织。");
          }
          parent = await askToJoin(ctx, branch, args.parentOrg);
        }
        await ctx.replyText(
          created
            ? `已将本群绑定为「${branch.name}」（编号 ${branch._id}）。` +
                `你是本支部书记。下一步：发送 /党员 同步 导入群成员。${parent}`
            : `本群已绑定为「${branch.name}」（编号 ${branch._id}）。${parent}`,
        );
      },
    }),
  ],
};
