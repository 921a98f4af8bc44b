import { z } from "zod";
import { branchStatsCard, orgStatsCard } from "../cards/stats.js";
import { buildLedgerWorkbook } from "../domain/ledgerExport.js";
import { UserError } from "../domain/errors.js";
import { parsePeriod, periodContaining, type Period } from "../domain/period.js";
import { branchStats, orgStats } from "../domain/stats.js";
import { commandInput } from "./args.js";
import { subcommand, type CommandContext, type CommandFamily } from "./types.js";

const PERIOD_HELP = "期间写 2026、2026-Q4 或 2026-11";

/** `[YYYY | YYYY-Qn | YYYY-MM]`, default the current year (in TZ). */
const periodWord = (word: string | undefined, ctx: z.RefinementCtx) => {
  if (word === undefined) return "current" as const;
  if (!/^\d{4}(-[Qq][1-4]|-\d{1,2})?$/.test(word)) {
    ctx.addIssue({ code: "custom", message: PERIOD_HELP });
    return z.NEVER;
  }
  return word;
};

function resolvePeriod(ctx: CommandContext, word: string | "current"): Period {
  const tz = ctx.deps.config.TZ;
  const period =
    word === "current" ? periodContaining("year", ctx.deps.clock.now(), tz) : parsePeriod(word, tz);
  if (!period) throw new UserError(PERIOD_HELP);
  return period;
}

const periodOnly = commandInput.transform((input, ctx) => {
  if (input.positional.length > 1) ctx.addIssue({ code: "custom", message: PERIOD_HELP });
  return { period: periodWord(input.positional[0], ctx) };
});

/** `org [上级组织名] [期间]`: the organisation defaults to the sender's branch's parent. */
const orgArgs = commandInput.transform((input, ctx) => {
  const words = [...input.positional];
  const last = words.at(-1);
  const period = last && /^\d{4}/.test(last) ? periodWord(words.pop(), ctx) : ("current" as const);
  return { org: words.join(" ").trim() || null, period };
});

export const statsCommands: CommandFamily = {
  name: "stats",
  aliases: ["统计"],
  summary: "组织生活统计：三会一课完成情况、参会率、学习、党费",
  defaultSubcommand: "branch",
  defaultTakesArguments: true,
  subcommands: [
    subcommand({
      name: "branch",
      aliases: ["支部"],
      usage: ["/统计 [2026 | 2026-Q4 | 2026-11]", "/stats [YYYY | YYYY-Qn | YYYY-MM]"],
      summary: "本支部的三会一课完成情况、参会率、学习和党费统计（书记、支委）",
      permission: "committee",
      needsBranch: true,
      chat: "any",
      args: periodOnly,
      async run(ctx, args) {
        const period = resolvePeriod(ctx, args.period);
        const stats = await branchStats(ctx.deps.models, ctx.branch!._id, period, {
          timeZone: ctx.deps.config.TZ,
        });
        await ctx.replyCard(
          branchStatsCard({ ...stats, branchName: ctx.branch!.name, periodLabel: period.label }),
        );
      },
    }),
    subcommand({
      name: "org",
      aliases: ["组织", "党委"],
      usage: ["/统计 党委 [上级组织名] [期间]", "/stats org [organisation] [YYYY | YYYY-Qn | YYYY-MM]"],
      summary: "上级组织下各支部的统计，完成率最低的在前（管理员、上级组织所属支部书记）",
      permission: "secretary",
      needsBranch: false,
      chat: "any",
      args: orgArgs,
      async run(ctx, args) {
        const period = resolvePeriod(ctx, args.period);
        // Admins may see any organisation (or all); a secretary sees the one above their branch.
        const org = ctx.isAdmin ? args.org : (ctx.branch?.parentOrg ?? null);
        if (!ctx.isAdmin) {
          if (!org) throw new UserError("本支部没有设置上级组织（/绑定 时用 上级=… 设置）。");
          if (args.org && args.org !== org) throw new UserError(`你只能查看「${org}」的统计。`);
        }
        const rows = await orgStats(ctx.deps.models, { parentOrg: org }, period);
        await ctx.replyCard(orgStatsCard({ orgName: org ?? "全部支部", periodLabel: period.label, rows }));
      },
    }),
  ],
};

export const exportCommands: CommandFamily = {
  name: "export",
  aliases: ["导出"],
  summary: "导出 Excel 台账",
  subcommands: [
    subcommand({
      name: "",
      aliases: [],
      usage: ["/导出 [2026 | 2026-Q4]", "/export [YYYY | YYYY-Qn]"],
      summary: "导出本支部的 Excel 台账（名册、会议、学习、党费、合规）并发到本会话（书记）",
      permission: "secretary",
      needsBranch: true,
      chat: "any",
      args: periodOnly,
      async run(ctx, args) {
        const period = resolvePeriod(ctx, args.period);
        const { deps, branch } = ctx;
        const buffer = await buildLedgerWorkbook(deps.models, {
          branchId: branch!._id,
          period,
          timeZone: deps.config.TZ,
        });
        const fileKey = await deps.lark.uploadFile(
          `台账-${branch!.name}-${period.label}.xlsx`,
          buffer,
          "xls",
        );
        await deps.lark.reply(ctx.message.messageId, { file: fileKey }, `${ctx.message.messageId}:file`);
      },
    }),
  ],
};
