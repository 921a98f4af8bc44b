import { z } from "zod";
import {
  EXEMPTION_ZH,
  endExemption,
  formatDay,
  parseDay,
  setExemption,
  type ExemptionKind,
} from "../domain/roster.js";
import { commandInput } from "./args.js";
import { display, resolve, targetIssue, targetOf } from "./rosterArgs.js";
import { subcommand } from "./types.js";

/** `至 2026-12-31` or `至2026-12-31` among the words: the day (inclusive) and the other words. */
function untilOf(words: string[], timeZone: string): { until: Date | null; rest: string[]; bad: boolean } {
  const rest: string[] = [];
  let until: Date | null = null;
  let bad = false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const day = word === "至" || word === "到" ? words[++i] : /^[至到]/.test(word) ? word.slice(1) : null;
    if (day === null) {
      rest.push(word);
      continue;
    }
    const parsed = day ? parseDay(day, timeZone) : null;
    if (!parsed) bad = true;
    // Inclusive: the period ends when the next day begins.
    else until = new Date(parsed.getTime() + 86_400_000);
  }
  return { until, rest, bad };
}

/** `/党员 免于要求` and `/党员 外出`: start, update or end a period. */
export function exemptionCommand(kind: ExemptionKind) {
  const zh = EXEMPTION_ZH[kind];
  const away = kind === "away";
  return subcommand({
    name: away ? "away" : "exempt",
    aliases: [zh],
    usage: away
      ? [
          "/党员 外出 @某人|姓名 <去向> [至 YYYY-MM-DD] [原因]",
          "/党员 外出 @某人|姓名 结束",
          "/members away @someone <where> [至 date]",
        ]
      : [
          "/党员 免于要求 @某人|姓名 [至 YYYY-MM-DD] [原因]",
          "/党员 免于要求 @某人|姓名 结束",
          "/members exempt @someone [至 date] [reason]",
        ],
    summary: away
      ? "登记外出/流动党员（书记）：期间不计入应到、学习范围和学时要求，参加仍记为自愿参加"
      : "登记免于要求（年老体弱、长期患病，书记）：期间不计入应到、学习范围和学时要求",
    permission: "secretary",
    needsBranch: true,
    chat: "any",
    args: commandInput.transform((input, ctx) => {
      const { target, words } = targetOf(input);
      if (!target) {
        ctx.addIssue({ code: "custom", message: targetIssue });
        return z.NEVER;
      }
      if (words.length === 1 && (words[0] === "结束" || words[0] === "end"))
        return { target, end: true as const };
      const parsed = untilOf(words, "UTC");
      if (parsed.bad) ctx.addIssue({ code: "custom", message: "结束日期写作 至 YYYY-MM-DD" });
      const where = away ? (parsed.rest.shift() ?? "") : "";
      if (away && !where) ctx.addIssue({ code: "custom", message: "请写去向（如 深圳）" });
      return {
        target,
        end: false as const,
        words,
        where: where.slice(0, 50),
        reason: parsed.rest.join(" ").slice(0, 200),
      };
    }),
    async run(ctx, args) {
      const member = await resolve(ctx, args.target);
      const base = { branchId: ctx.branch!._id, openId: member.openId, kind };
      if (args.end) {
        const { ended } = await endExemption(ctx.deps.models, ctx.deps.clock, base);
        await ctx.replyText(
          ended ? `已结束 ${display(member)} 的${zh}。` : `${display(member)} 当前没有${zh}。`,
        );
        return;
      }
      const { until } = untilOf(args.words, ctx.deps.config.TZ);
      const { created } = await setExemption(ctx.deps.models, ctx.deps.clock, {
        ...base,
        until,
        where: away ? args.where : undefined,
        reason: args.reason || undefined,
        by: ctx.message.senderOpenId,
      });
      const untilText = until
        ? `至 ${formatDay(new Date(until.getTime() - 1), ctx.deps.config.TZ)}`
        : "至解除为止";
      await ctx.replyText(
        `已${created ? "登记" : "更新"} ${display(member)} ${zh}${away ? `（${args.where}）` : ""}，${untilText}。` +
          `期间不计入应到、学习范围和学时要求；参加活动仍记为自愿参加。结束请发 /党员 ${zh} ${display(member)} 结束。`,
      );
    },
  });
}
