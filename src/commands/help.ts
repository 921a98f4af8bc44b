import { noArguments } from "./args.js";
import { allowed, askerTitle } from "../domain/policy.js";
import { subcommand, type CommandFamily } from "./types.js";

export const helpCommands: CommandFamily = {
  name: "help",
  aliases: ["帮助"],
  summary: "查看你可以使用的命令",
  subcommands: [
    subcommand({
      name: "",
      aliases: [],
      usage: ["/帮助 或 /help"],
      summary: "查看你可以使用的命令",
      permission: "anyone",
      needsBranch: false,
      chat: "any",
      args: noArguments,
      async run(ctx) {
        // A subcommand reachable from two families (/转入 = /transfer in) is listed once.
        const subs = [...new Set(ctx.commands.flatMap((family) => family.subcommands))];
        const lines = subs
          .filter((sub) => allowed(sub.permission, ctx))
          .map((sub) => `${sub.usage[0]}　${sub.summary}`);
        const who = askerTitle(ctx);
        await ctx.replyText(
          `支部助手 · 你可以使用的命令（身份：${who}）\n${lines.join("\n")}\n` +
            "命令均有中英文名，如 /会议 新建 与 /meeting new 相同。",
        );
      },
    }),
  ],
};
