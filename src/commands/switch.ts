import { z } from "zod";
import { switchChoices } from "../usecases/organisation.js";
import { switchCard } from "../cards/org.js";
import { activeMemberships, choosePrivateBranch } from "../domain/branches.js";
import { UserError } from "../domain/errors.js";
import { commandInput } from "./args.js";
import { subcommand, type CommandFamily } from "./types.js";

/** `/切换 [支部编号|支部名称]`: without a word, a card listing the person's branches. */
const switchArgs = commandInput.transform((input, ctx) => {
  const word = input.positional.join(" ").trim();
  if (word.length > 60 || input.mentions.length > 0) {
    ctx.addIssue({ code: "custom", message: "请写支部编号（如 B3）或名称，或不带参数查看你的支部" });
    return z.NEVER;
  }
  return { branch: word || null };
});

export const switchCommands: CommandFamily = {
  name: "switch",
  aliases: ["切换"],
  summary: "选择私聊时代表的支部（在多个支部时）",
  subcommands: [
    subcommand({
      name: "",
      aliases: [],
      usage: ["/切换 [支部编号]（私聊机器人）", "/switch [branch id] (in a private chat)"],
      summary: "选择私聊时代表的支部：列出你所在的支部，点按钮选择（私聊）",
      permission: "anyone",
      needsBranch: false,
      chat: "p2p",
      aboutBranch: false,
      args: switchArgs,
      async run(ctx, args) {
        const openId = ctx.message.senderOpenId;
        if (args.branch) {
          const word = args.branch;
          const match = (await activeMemberships(ctx.deps.models, openId)).find(
            ({ branch }) => branch._id.toLowerCase() === word.toLowerCase() || branch.name === word,
          );
          if (!match) throw new UserError(`你不是「${word}」的在册党员。发送 /切换 查看你所在的支部。`);
          const branch = await choosePrivateBranch(ctx.deps.models, openId, match.branch._id);
          await ctx.replyText(`私聊命令现在代表「${branch.name}」（${branch._id}）。`);
          return;
        }
        await ctx.replyCard(switchCard(await switchChoices(ctx.deps, openId)));
      },
    }),
  ],
};
