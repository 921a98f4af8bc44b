import { z } from "zod";
import {
  BRANCH_SETTINGS,
  branchSetting,
  findSetting,
  parseSwitch,
  setBranchSetting,
} from "../domain/settings.js";
import { commandInput } from "./args.js";
import { subcommand, type CommandFamily } from "./types.js";

const names = BRANCH_SETTINGS.map((d) => d.zh).join("、");

/** `/设置` lists; `/设置 <名称> 开|关` switches one (names from the table in domain/settings.ts). */
const settingsArgs = commandInput.transform((input, ctx) => {
  if (input.mentions.length > 0) {
    ctx.addIssue({ code: "custom", message: "此命令不需要 @ 任何人" });
    return z.NEVER;
  }
  if (input.positional.length === 0) return null;
  const [word = "", value = "", ...more] = input.positional;
  const def = findSetting(word);
  if (!def) {
    ctx.addIssue({ code: "custom", message: `没有「${word.slice(0, 20)}」这项设置；可设置：${names}` });
    return z.NEVER;
  }
  const on = parseSwitch(value);
  if (on === null || more.length > 0) {
    ctx.addIssue({ code: "custom", message: `请写 开 或 关，如 /设置 ${def.zh} 关` });
    return z.NEVER;
  }
  return { key: def.key, zh: def.zh, on };
});

export const settingsCommands: CommandFamily = {
  name: "settings",
  aliases: ["设置"],
  summary: "支部设置：打开或关闭机器人的提醒与祝贺",
  subcommands: [
    subcommand({
      name: "",
      aliases: [],
      usage: ["/设置 [政治生日 开|关]", "/settings [birthday on|off]"],
      summary: "查看或切换支部设置（书记）：政治生日祝贺等",
      permission: "secretary",
      needsBranch: true,
      chat: "any",
      args: settingsArgs,
      async run(ctx, args) {
        const branch = ctx.branch!;
        if (!args) {
          const lines = BRANCH_SETTINGS.map(
            (d) => `${d.zh}：${branchSetting(branch, d.key) ? "开" : "关"}　${d.summary}`,
          );
          await ctx.replyText(
            `「${branch.name}」设置：\n${lines.join("\n")}\n发送 /设置 <名称> 开|关 切换，如 /设置 政治生日 关`,
          );
          return;
        }
        const { changed } = await setBranchSetting(ctx.deps.models, branch._id, args.key, args.on);
        const state = args.on ? "开启" : "关闭";
        await ctx.replyText(changed ? `已${state}${args.zh}。` : `${args.zh}已是${state}状态。`);
      },
    }),
  ],
};
