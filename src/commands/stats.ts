import { z } from "zod";
import { branchHealthRulesFor } from "../../config/branchHealth.js";
import { developmentRulesFor } from "../../config/development.js";
import { branchStatsCard } from "../cards/stats.js";
import { orgStatsCard } from "../cards/orgStats.js";
import { buildLedgerWorkbook } from "../presenters/ledger.js";
import { UserError } from "../domain/errors.js";
import { findOrg, orgsOfSecretary } from "../domain/orgs.js";
import type { Organisation } from "../db/models/organisation.js";
import { parsePeriod, periodContaining, type Period } from "../domain/period.js";
import { branchStats } from "../domain/stats.js";
import { orgStats, orgTrend } from "../domain/orgStats.js";
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

/** `org [组织名称] [期间]`: the organisation defaults to the one the sender is secretary of. */
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
          now: ctx.deps.clock.now(),
        });
        // Each member's 学时 is for the secretaries (书记、支委) in a private chat, never a group.
        const studyHours =
          ctx.message.chatType === "p2p" ? stats.studyHours : { ...stats.studyHours, members: undefined };
        await ctx.replyCard(
          branchStatsCard({ ...stats, studyHours, branchName: ctx.branch!.name, periodLabel: period.label }),
        );
      },
    }),
    subcommand({
      name: "org",
      aliases: ["组织", "党委"],
      usage: ["/统计 党委 [组织名称] [期间]（私聊）", "/stats org [organisation] [YYYY | YYYY-Qn | YYYY-MM]"],
      summary: "上级组织下各支部的对比：需关注的在前并写明原因（组织书记、管理员，私聊）",
      permission: "org",
      needsBranch: false,
      // Other branches' figures are for the organisation's secretaries, never for a group.
      chat: "p2p",
      aboutBranch: false,
      args: orgArgs,
      async run(ctx, args) {
        const period = resolvePeriod(ctx, args.period);
        const org = await statsOrg(ctx, args.org);
        const rows = await orgStats(ctx.deps.models, { orgId: org?._id ?? null }, period, {
          now: ctx.deps.clock.now(),
          timeZone: ctx.deps.config.TZ,
          healthRules: branchHealthRulesFor(ctx.deps.config.ZHIBU_HEALTH_RULES_FILE),
          developmentRules: developmentRulesFor(ctx.deps.config.ZHIBU_DEVELOPMENT_RULES_FILE),
        });
        await ctx.replyCard(
          orgStatsCard({
            orgName: org?.name ?? "全部支部",
            periodLabel: period.label,
            rows,
            trend: orgTrend(rows, period),
          }),
        );
      },
    }),
  ],
};

/**
 * Whose roll-up: an admin names any organisation (or none: every branch); an organisation's
 * secretary sees theirs (naming it when they have several). Membership is what the
 * organisation approved, never what a branch claims.
 */
async function statsOrg(ctx: CommandContext, name: string | null): Promise<Organisation | null> {
  if (ctx.isAdmin) {
    if (!name) return null;
    const org = await findOrg(ctx.deps.models, name);
    if (!org) throw new UserError(`没有名为「${name}」的组织。`);
    return org;
  }
  const mine = await orgsOfSecretary(ctx.deps.models, ctx.message.senderOpenId);
  if (name) {
    const org = mine.find((o) => o.name === name || o._id.toLowerCase() === name.toLowerCase());
    if (!org) throw new UserError(`你只能查看你任书记的组织：${mine.map((o) => o.name).join("、")}。`);
    return org;
  }
  if (mine.length > 1) {
    throw new UserError(`你是多个组织的书记，请写明组织名称：${mine.map((o) => o.name).join("、")}。`);
  }
  return mine[0]!;
}

export const exportCommands: CommandFamily = {
  name: "export",
  aliases: ["导出"],
  summary: "导出 Excel 台账",
  subcommands: [
    subcommand({
      name: "",
      aliases: [],
      usage: ["/导出 [2026 | 2026-Q4 | 2026-11]", "/export [YYYY | YYYY-Qn | YYYY-MM]"],
      summary: "导出本支部的 Excel 台账（名册、会议、学习、学时、党费、合规）并发到本会话（书记）",
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
          now: deps.clock.now(),
        });
        const fileKey = await deps.lark.uploadFile(
          `台账-${branch!.name}-${period.label}.xlsx`,
          buffer,
          "xls",
        );
        await ctx.replyFile(fileKey);
      },
    }),
  ],
};
