import { DateTime } from "luxon";
import { z } from "zod";
import { developmentRulesFor, type DevelopmentRules } from "../../config/development.js";
import { escapeText } from "../cards/escape.js";
import type { Development } from "../db/models/development.js";
import type { Member } from "../db/models/member.js";
import {
  dayText,
  nextSteps,
  parseStep,
  probationEnd,
  stageOf,
  STAGE_ZH,
  STEP_DEFS,
  windowText,
} from "../domain/development.js";
import { findRecord, pipeline, recordStep } from "../domain/developmentRecord.js";
import { UserError } from "../domain/errors.js";
import { parseDay } from "../domain/roster.js";
import { STATUS_ZH, statusOf } from "../domain/whoCounts.js";
import type { Config } from "../env.js";
import { commandInput, option } from "./args.js";
import { display, isDay, oneTarget, resolve, type Target, targetIssue } from "./rosterArgs.js";
import { subcommand, type CommandContext, type CommandFamily } from "./types.js";

/** `/发展`: the 发展党员 pipeline (secretaries only: personal data to those who need it). */

/** The rule table of this deployment (ZHIBU_DEVELOPMENT_RULES_FILE). */
const developmentRules = (config: Pick<Config, "ZHIBU_DEVELOPMENT_RULES_FILE">): DevelopmentRules =>
  developmentRulesFor(config.ZHIBU_DEVELOPMENT_RULES_FILE);

const STEP_LIST = Object.values(STEP_DEFS)
  .map((d) => d.names[0])
  .join("、");

function nextLine(record: Development | null, rules: DevelopmentRules, tz: string): string {
  const next = nextSteps(record?.steps ?? [], rules, tz)[0];
  if (!next) return "";
  const window = windowText(next, tz);
  return `下一步：${STEP_DEFS[next.step].zh}${window ? `（${window}）` : ""}`;
}

function stepDetail(step: Development["steps"][number], names: Map<string, string>): string {
  const parts: string[] = [];
  if (step.contacts?.length)
    parts.push(`培养联系人 ${step.contacts.map((c) => names.get(c) ?? c).join("、")}`);
  if (step.days) parts.push(`${step.days} 天`);
  if (step.hours) parts.push(`${step.hours} 学时`);
  if (step.passed === true) parts.push("通过");
  if (step.passed === false) parts.push("未通过");
  if (step.months) parts.push(`${step.months} 个月`);
  if (step.documents?.length) parts.push(`材料：${step.documents.join("、")}`);
  if (step.notes) parts.push(step.notes);
  return parts.join("；");
}

/** The timeline of one person: done steps with dates, next steps with windows, overrides. */
export function timelineText(
  member: Member,
  record: Development | null,
  rules: DevelopmentRules,
  tz: string,
  names: Map<string, string>,
): string {
  const steps = [...(record?.steps ?? [])].sort((a, b) => +a.date - +b.date);
  const lines = [
    `【发展党员】${display(member)}　${STAGE_ZH[stageOf(steps)]}（名册身份：${STATUS_ZH[statusOf(member)]}）`,
  ];
  lines.push(steps.length ? "已完成：" : "尚无登记的步骤。");
  for (const step of steps) {
    const detail = stepDetail(step, names);
    lines.push(`　${dayText(step.date, tz)} ${STEP_DEFS[step.step].zh}${detail ? `（${detail}）` : ""}`);
    for (const o of step.overrides ?? []) lines.push(`　　⚠ 破例：${o.message}；理由：${o.reason}`);
  }
  const end = probationEnd(steps, rules, tz);
  if (end && stageOf(steps) === "probationary") lines.push(`预备期：至 ${dayText(end, tz)} 期满`);
  const next = nextSteps(steps, rules, tz);
  if (next.length) {
    lines.push("下一步：");
    for (const n of next) {
      const window = windowText(n, tz);
      lines.push(`　${STEP_DEFS[n.step].zh}${window ? `　${window}` : ""}${n.note ? `　（${n.note}）` : ""}`);
    }
  }
  return escapeText(lines.join("\n"));
}

async function namesOf(ctx: CommandContext): Promise<Map<string, string>> {
  const members = await ctx.deps.models.Member.find(
    { branchId: ctx.branch!._id },
    { openId: 1, name: 1 },
  ).lean();
  return new Map(members.map((m) => [m.openId, m.name || m.openId]));
}

const listCommand = subcommand({
  name: "list",
  aliases: ["列表"],
  usage: ["/发展 [列表]", "/develop [list]"],
  summary: "发展党员名单：阶段、下一步及其时间（书记）",
  permission: "secretary",
  needsBranch: true,
  chat: "any",
  args: commandInput,
  async run(ctx) {
    const tz = ctx.deps.config.TZ;
    const rules = developmentRules(ctx.deps.config);
    const people = await pipeline(ctx.deps.models, ctx.branch!._id);
    if (people.length === 0) {
      await ctx.replyText(
        "本支部没有入党申请人、积极分子、发展对象或预备党员。用 /党员 添加 或 /党员 身份 登记后，再用 /发展 登记。",
      );
      return;
    }
    const lines = people.map(({ member, record }) => {
      const stage = record ? STAGE_ZH[stageOf(record.steps)] : STATUS_ZH[statusOf(member)];
      const next = nextLine(record, rules, tz);
      return `${display(member)}　${stage}${next ? `　${next}` : ""}`;
    });
    await ctx.replyText(
      escapeText([`「${ctx.branch!.name}」发展党员 ${people.length} 人：`, ...lines].join("\n")),
    );
  },
});

const viewCommand = subcommand({
  name: "view",
  aliases: ["查看"],
  usage: ["/发展 查看 @某人|姓名", "/develop view @someone|name"],
  summary: "查看一人的发展时间线：已完成步骤、下一步的最早/最迟日期、规则说明（书记）",
  permission: "secretary",
  needsBranch: true,
  chat: "any",
  args: oneTarget,
  async run(ctx, args) {
    const member = await resolve(ctx, args.target);
    const record = await findRecord(ctx.deps.models, ctx.branch!._id, member.openId);
    const rules = developmentRules(ctx.deps.config);
    await ctx.replyText(timelineText(member, record, rules, ctx.deps.config.TZ, await namesOf(ctx)));
  },
});

interface RecordArgs {
  target: Target;
  step: NonNullable<ReturnType<typeof parseStep>>;
  date: string | null;
  contacts: string[];
  days: number | null;
  hours: number | null;
  passed: boolean | null;
  months: number | null;
  documents: string[];
  notes: string;
  reason: string;
}

const int = (text: string | undefined) => (text && /^\d{1,4}$/.test(text) ? Number(text) : null);

const recordArgs = commandInput.transform((input, ctx): RecordArgs => {
  // The person is @-mentioned first, or named first (then every mention is a 培养联系人).
  const named = input.positional[0] !== undefined && parseStep(input.positional[0]) === null;
  const target: Target | null = named ? { byName: input.positional[0]! } : (input.mentions[0] ?? null);
  const words = named ? input.positional.slice(1) : [...input.positional];
  if (!target) {
    ctx.addIssue({ code: "custom", message: targetIssue });
    return z.NEVER;
  }
  const step = parseStep(words[0] ?? "");
  if (!step) {
    ctx.addIssue({ code: "custom", message: `步骤须为 ${STEP_LIST}` });
    return z.NEVER;
  }
  const rest = words.slice(1);
  const reasonAt = rest.findIndex((w) => w === "理由" || w.toLowerCase() === "reason");
  const reason =
    reasonAt >= 0 ? rest.splice(reasonAt).slice(1).join(" ") : (option(input, "理由", "reason") ?? "");
  const date = rest[0] && isDay(rest[0]) ? rest.shift()! : null;
  let days = int(option(input, "天数", "days"));
  let hours = int(option(input, "学时", "hours"));
  let months = int(option(input, "月数", "months"));
  const result = option(input, "结果", "result");
  let passed = result === undefined ? null : ["通过", "同意", "pass", "yes"].includes(result);
  const notes: string[] = [];
  for (const word of rest) {
    const m = /^(\d{1,4})(天|学时|个月|月)$/.exec(word);
    if (m?.[2] === "天") days = Number(m[1]);
    else if (m?.[2] === "学时") hours = Number(m[1]);
    else if (m) months = Number(m[1]);
    else if (["通过", "同意"].includes(word)) passed = true;
    else if (["未通过", "不同意", "不通过"].includes(word)) passed = false;
    else notes.push(word);
  }
  const mentions = "byName" in target ? input.mentions : input.mentions.slice(1);
  const documents = (option(input, "材料", "文件", "documents") ?? "")
    .split(/[、,，]/)
    .map((d) => d.trim())
    .filter(Boolean);
  return {
    target,
    step,
    date,
    contacts: mentions.map((m) => m.openId),
    days,
    hours,
    passed: passed ?? (step === "meeting" || step === "approval" ? true : null),
    months,
    documents,
    notes: [option(input, "备注", "notes") ?? "", ...notes].filter(Boolean).join(" "),
    reason: reason.trim(),
  };
});

const recordCommand = subcommand({
  name: "record",
  aliases: ["登记"],
  usage: [
    "/发展 登记 @某人|姓名 <步骤> [YYYY-MM-DD] [3天|24学时|6个月|通过|未通过] [材料=入党志愿书、…] [理由 <破例理由>]",
    "/develop record @someone|name <step> [date] [details] [reason <text>]",
    "确定积极分子时 @ 一至两名培养联系人；日期默认今天",
  ],
  summary: `登记发展步骤（书记）：${STEP_LIST}；违反时间规定时拒绝，书记可附理由破例`,
  permission: "secretary",
  needsBranch: true,
  chat: "any",
  args: recordArgs,
  async run(ctx, args) {
    const tz = ctx.deps.config.TZ;
    const member = await resolve(ctx, args.target);
    const date = args.date
      ? parseDay(args.date, tz)
      : DateTime.fromJSDate(ctx.deps.clock.now(), { zone: tz }).startOf("day").toJSDate();
    if (!date) throw new UserError("日期格式须为 YYYY-MM-DD");
    const rules = developmentRules(ctx.deps.config);
    const result = await recordStep(ctx.deps.models, ctx.deps.clock, rules, tz, {
      branchId: ctx.branch!._id,
      openId: member.openId,
      by: ctx.message.senderOpenId,
      step: args.step,
      date,
      contacts: args.contacts,
      days: args.days,
      hours: args.hours,
      passed: args.passed,
      months: args.months,
      documents: args.documents,
      notes: args.notes,
      reason: args.reason,
    });
    const lines = [
      `已登记：${display(member)} ${dayText(date, tz)} ${STEP_DEFS[args.step].zh}。当前阶段：${STAGE_ZH[result.stage]}。`,
    ];
    for (const v of result.overridden)
      lines.push(`⚠ 破例登记：${v.message}；理由：${args.reason}（已记入台账）`);
    if (result.status) lines.push(`名册身份已改为${STATUS_ZH[result.status]}。`);
    const next = nextLine(result.record, rules, tz);
    if (next) lines.push(next);
    await ctx.replyText(escapeText(lines.join("\n")));
  },
});

const planCommand = subcommand({
  name: "plan",
  aliases: ["计划"],
  usage: ["/发展 计划 [年份]", "/develop plan [year]"],
  summary: "本年度发展计划：谁预计在今年达到哪一步（书记）",
  permission: "secretary",
  needsBranch: true,
  chat: "any",
  args: commandInput.transform((input, ctx) => {
    const word = input.positional[0];
    if (word !== undefined && !/^\d{4}$/.test(word)) {
      ctx.addIssue({ code: "custom", message: "年份形如 2027" });
      return z.NEVER;
    }
    return { year: word ? Number(word) : null };
  }),
  async run(ctx, args) {
    const tz = ctx.deps.config.TZ;
    const year = args.year ?? DateTime.fromJSDate(ctx.deps.clock.now(), { zone: tz }).year;
    const rules = developmentRules(ctx.deps.config);
    const people = await pipeline(ctx.deps.models, ctx.branch!._id);
    const inYear = (date: Date | null) =>
      date !== null && DateTime.fromJSDate(date, { zone: tz }).year === year;
    const lines: string[] = [];
    for (const { member, record } of people) {
      for (const next of nextSteps(record?.steps ?? [], rules, tz)) {
        if (!["target", "full", "approval", "talk"].includes(next.step)) continue;
        const when =
          next.earliest && inYear(next.earliest)
            ? next.earliest
            : next.latest && inYear(next.latest)
              ? next.latest
              : null;
        if (when) lines.push(`${display(member)}　${STEP_DEFS[next.step].zh}　${windowText(next, tz)}`);
      }
    }
    await ctx.replyText(
      escapeText(
        lines.length
          ? [`「${ctx.branch!.name}」${year} 年发展计划（按时间规定预计可达到的步骤）：`, ...lines].join("\n")
          : `${year} 年没有按时间规定预计到期的发展步骤。`,
      ),
    );
  },
});

export const developmentCommands: CommandFamily = {
  name: "develop",
  aliases: ["发展"],
  summary: "发展党员：名单、时间线、登记步骤、年度计划",
  defaultSubcommand: "list",
  subcommands: [listCommand, viewCommand, recordCommand, planCommand],
};
