import { z } from "zod";
import { bindBranch } from "../domain/branches.js";
import { commandInput, option } from "./args.js";
import { subcommand, type CommandFamily } from "./types.js";

const bindArgs = commandInput.transform((input, ctx) => {
  const name = input.positional.join(" ").trim();
  if (!name || name.length > 60) {
    ctx.addIssue({ code: "custom", message: "请写支部名称（60 字以内）" });
    return z.NEVER;
  }
  return { name, parentOrg: option(input, "上级", "parent") ?? null };
});

export const branchCommands: CommandFamily = {
  name: "bind",
  aliases: ["绑定"],
  summary: "把本群绑定为一个党支部",
  subcommands: [
    subcommand({
      name: "",
      aliases: [],
      usage: ["/绑定 <支部名称> [上级=党委名称]", "/bind <branch name> [parent=organisation]"],
      summary: "把本群绑定为一个党支部（群主或管理员）",
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
          parentOrg: args.parentOrg,
          binder: { openId: message.senderOpenId, name: binderName },
        });
        await ctx.replyText(
          created
            ? `已将本群绑定为「${branch.name}」（编号 ${branch._id}）${branch.parentOrg ? `，上级：${branch.parentOrg}` : ""}。` +
                `你是本支部书记。下一步：发送 /党员 同步 导入群成员。`
            : `本群已绑定为「${branch.name}」（编号 ${branch._id}）。`,
        );
      },
    }),
  ],
};
