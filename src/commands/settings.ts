import { z } from "zod";
import { DateTime } from "luxon";
import { COMMITTEE_TERM_YEARS } from "../../config/branchHealth.js";
import { committeeTermEnd, setCommitteeTerm } from "../domain/branchHealth.js";
import { formatDay, parseDay } from "../domain/roster.js";
import { UserError } from "../domain/errors.js";
import {
  BRANCH_SETTINGS,
  branchSetting,
  findSetting,
  parseSwitch,
  setBranchSetting,
} from "../domain/settings.js";
import { commandInput } from "./args.js";
import { subcommand, type CommandFamily } from "./types.js";

const names = [...BRANCH_SETTINGS.map((d) => d.zh), "换届"].join("、");

/** `/设置 换届 <YYYY-MM-DD> [3|5]年`: the committee's last election (支部体检 reminds before the term ends). */
const TERM_WORDS = new Set(["换届", "term", "committee-term"]);
const TERM_USAGE = `请写换届选举的日期和任期，如 /设置 换届 2024-06-30 ${COMMITTEE_TERM_YEARS[0]}年（任期 ${COMMITTEE_TERM_YEARS.join(" 或 ")} 年，默认 ${COMMITTEE_TERM_YEARS[0]} 年）`;

/** `/设置` lists; `/设置 <名称> 开|关` switches one (names from the table in domain/settings.ts). */
const settingsArgs = commandInput.transform((input, ctx) => {
  if (input.mentions.length > 0) {
    ctx.addIssue({ code: "custom", message: "此命令不需要 @ 任何人" });
    return z.NEVER;
  }
  if (input.positional.length === 0) return null;
  const [word = "", value = "", ...more] = input.positional;
  if (TERM_WORDS.has(word.toLowerCase())) {
    const years = /^([0-9]+)(年|y|years?)?$/i.exec(more[0] ?? "3年");
    if (!/^\d{4}-\d{1,2}-\d{1,2}$/.test(value) || !years || more.length > 1) {
      ctx.addIssue({ code: "custom", message: TERM_USAGE });
      return z.NEVER;
    }
    return { term: { day: value, years: Number(years[1]) } };
  }
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
  return { switch: { key: def.key, zh: def.zh, on } };
});

export const settingsCommands: CommandFamily = {
  name: "settings",
  aliases: ["设置"],
  summary: "支部设置：打开或关闭机器人的提醒与祝贺",
  subcommands: [
    subcommand({
      name: "",
      aliases: [],
      usage: [
        "/设置 [政治生日 开|关]",
        "/设置 换届 <YYYY-MM-DD> [3|5]年",
        "/settings [birthday on|off]",
        "/settings term <YYYY-MM-DD> [3|5]",
      ],
      summary: "查看或切换支部设置（书记）：政治生日祝贺等",
      permission: "secretary",
      needsBranch: true,
      chat: "any",
      args: settingsArgs,
      async run(ctx, args) {
        const branch = ctx.branch!;
        const tz = ctx.deps.config.TZ;
        if (!args) {
          const lines = BRANCH_SETTINGS.map(
            (d) => `${d.zh}：${branchSetting(branch, d.key) ? "开" : "关"}　${d.summary}`,
          );
          const term = committeeTermEnd(branch, tz);
          lines.push(
            term
              ? `换届：${formatDay(term.electedAt, tz)} 选举，任期 ${term.years} 年，${formatDay(term.end, tz)} 届满`
              : "换届：未记录（/设置 换届 <日期> [3|5]年）",
          );
          await ctx.replyText(
            `「${branch.name}」设置：\n${lines.join("\n")}\n发送 /设置 <名称> 开|关 切换，如 /设置 政治生日 关`,
          );
          return;
        }
        if (args.term) {
          const electedAt = parseDay(args.term.day, tz);
          if (!electedAt) throw new UserError(TERM_USAGE);
          await setCommitteeTerm(ctx.deps.models, branch._id, {
            electedAt,
            years: args.term.years,
            by: ctx.message.senderOpenId,
            now: ctx.deps.clock.now(),
          });
          const end = DateTime.fromJSDate(electedAt, { zone: tz }).plus({ years: args.term.years });
          await ctx.replyText(
            `已记录换届：${formatDay(electedAt, tz)} 选举，任期 ${args.term.years} 年，${end.toFormat("yyyy-MM-dd")} 届满。届满前 6 个月起，支部体检会提醒书记。`,
          );
          return;
        }
        const { key, zh, on } = args.switch;
        const { changed } = await setBranchSetting(ctx.deps.models, branch._id, key, on);
        const state = on ? "开启" : "关闭";
        await ctx.replyText(changed ? `已${state}${zh}。` : `${zh}已是${state}状态。`);
      },
    }),
  ],
};
