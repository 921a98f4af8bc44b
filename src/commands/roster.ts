import { z } from "zod";
import { editMemberCard } from "../cards/roster.js";
import type { Member } from "../db/models/member.js";
import { findMember } from "../domain/branches.js";
import { UserError } from "../domain/errors.js";
import {
  addOfflineMember,
  changeStatus,
  currentExemption,
  EXEMPTION_ZH,
  endExemption,
  formatDay,
  maskPhone,
  memberByName,
  memberNameSchema,
  parseDay,
  parseStatus,
  setExemption,
  type ExemptionKind,
} from "../domain/roster.js";
import { STATUS_ZH, statusOf } from "../domain/whoCounts.js";
import { editCardData } from "../usecases/roster.js";
import { ROLE_NAMES } from "../usecases/organisation.js";
import { commandInput, option, type ParsedInput } from "./args.js";
import { subcommand, type CommandContext } from "./types.js";

/** Who a roster command is about: someone @-mentioned, or a name (people on no chat have no @). */
type Target = { openId: string; name: string } | { byName: string };

const STATUS_LIST =
  "正式党员/正式、预备党员/预备、发展对象、入党积极分子/积极分子、入党申请人/申请人、群众/其他";
const isDay = (word: string) => /^\d{4}-\d{1,2}-\d{1,2}$/.test(word);

/** Splits off the target: the first mention, else the first word as a name. */
function targetOf(input: ParsedInput): { target: Target | null; words: string[] } {
  if (input.mentions.length > 0) return { target: input.mentions[0]!, words: [...input.positional] };
  const [name, ...words] = input.positional;
  return { target: name ? { byName: name } : null, words };
}

async function resolve(ctx: CommandContext, target: Target): Promise<Member> {
  const branchId = ctx.branch!._id;
  if ("byName" in target) return memberByName(ctx.deps.models, branchId, target.byName);
  const member = await findMember(ctx.deps.models, branchId, target.openId);
  if (!member?.active)
    throw new UserError(`${target.name || "此人"} 不是本支部的在册党员，请先 /党员 同步。`);
  return member;
}

const display = (member: Member) => member.name || member.openId;

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

const targetIssue = "请 @ 一位党员，或写无飞书账号者的姓名";

const statusCommand = subcommand({
  name: "status",
  aliases: ["身份"],
  usage: [
    "/党员 身份 @某人|姓名 <身份> [YYYY-MM-DD] [原因]",
    "/members status @someone|name <status> [date] [reason]",
  ],
  summary: `设置党员身份（书记），身份为 ${STATUS_LIST}，变更记入身份历史`,
  permission: "secretary",
  needsBranch: true,
  chat: "any",
  args: commandInput.transform((input, ctx) => {
    const { target, words } = targetOf(input);
    const status = parseStatus(words[0] ?? "");
    if (!target) ctx.addIssue({ code: "custom", message: targetIssue });
    if (!status) ctx.addIssue({ code: "custom", message: `身份须为 ${STATUS_LIST}` });
    if (!target || !status) return z.NEVER;
    const rest = words.slice(1);
    const date = rest[0] && isDay(rest[0]) ? rest.shift()! : null;
    return { target, status, date, reason: rest.join(" ").slice(0, 200) };
  }),
  async run(ctx, args) {
    const member = await resolve(ctx, args.target);
    const since = args.date ? parseDay(args.date, ctx.deps.config.TZ) : null;
    if (args.date && !since) throw new UserError("日期格式须为 YYYY-MM-DD");
    const { changed } = await changeStatus(ctx.deps.models, ctx.deps.clock, {
      branchId: ctx.branch!._id,
      openId: member.openId,
      status: args.status,
      since,
      by: ctx.message.senderOpenId,
      reason: args.reason,
    });
    const day = since ? `（自 ${formatDay(since, ctx.deps.config.TZ)}）` : "";
    await ctx.replyText(
      changed
        ? `已将 ${display(member)} 的身份设为${STATUS_ZH[args.status]}${day}，已记入身份历史。`
        : `${display(member)} 已是${STATUS_ZH[args.status]}，未作更改。`,
    );
  },
});

/** The record lines everyone in the branch may see: name, status, 党小组, and an exemption if one holds. */
function basicLines(member: Member, at: Date, timeZone: string): string[] {
  const status = statusOf(member);
  const since =
    member.statusSince && status !== "unconfirmed" ? `（自 ${formatDay(member.statusSince, timeZone)}）` : "";
  const holding = currentExemption(member, at);
  return [
    `姓名：${display(member)}${member.onFeishu === false ? "（无飞书账号）" : ""}`,
    `身份：${STATUS_ZH[status]}${since}`,
    `党小组：${member.partyGroup ?? "未分组"}`,
    ...(holding
      ? [
          `${EXEMPTION_ZH[holding.kind as ExemptionKind]}${holding.until ? `，至 ${formatDay(new Date(holding.until.getTime() - 1), timeZone)}` : ""}`,
        ]
      : []),
  ];
}

function fullLines(member: Member, at: Date, timeZone: string, showPhone: boolean): string[] {
  const p = member.profile ?? {};
  const field = (label: string, value: string | null | undefined) => `${label}：${value || "—"}`;
  const history = (member.statusHistory ?? []).map(
    (h) =>
      `　${formatDay(h.since ?? h.at, timeZone)} ${STATUS_ZH[h.status as keyof typeof STATUS_ZH]}${h.reason ? `（${h.reason}）` : ""}`,
  );
  const periods = (member.exemptions ?? []).map(
    (e) =>
      `　${EXEMPTION_ZH[e.kind as ExemptionKind]} ${formatDay(e.from, timeZone)} 至 ${e.until ? formatDay(new Date(e.until.getTime() - 1), timeZone) : "解除为止"}${e.where ? `，去向：${e.where}` : ""}${e.reason ? `，${e.reason}` : ""}`,
  );
  return [
    ...basicLines(member, at, timeZone),
    field("角色", ROLE_NAMES[member.role].zh),
    field("性别", p.gender),
    field("民族", p.ethnicity),
    field("出生年月", p.birthMonth),
    field("学历", p.education),
    field("入党日期", formatDay(p.joinedAt, timeZone)),
    field("转正日期", formatDay(p.fullAt, timeZone)),
    field("党内职务", p.partyPost),
    field("联系方式", showPhone ? p.phone : maskPhone(p.phone)),
    ...(history.length > 0 ? ["身份历史：", ...history] : []),
    ...(periods.length > 0 ? ["免于要求/外出记录：", ...periods] : []),
  ];
}

const infoCommand = subcommand({
  name: "info",
  aliases: ["信息"],
  usage: ["/党员 信息 @某人|姓名", "/members info @someone|name"],
  summary: "查看党员名册记录（个人信息仅在私聊中向书记、支委及本人显示）",
  permission: "member",
  needsBranch: true,
  chat: "any",
  args: commandInput.transform((input, ctx) => {
    const { target, words } = targetOf(input);
    if (!target || words.length > 0) {
      ctx.addIssue({ code: "custom", message: targetIssue });
      return z.NEVER;
    }
    return { target };
  }),
  async run(ctx, args) {
    const member = await resolve(ctx, args.target);
    const { TZ } = ctx.deps.config;
    const now = ctx.deps.clock.now();
    const self = member.openId === ctx.message.senderOpenId;
    const role = ctx.member?.role;
    const privileged = role === "secretary" || role === "committee" || ctx.isAdmin;
    if (ctx.message.chatType === "p2p" && (privileged || self)) {
      // Personal data: only in a private chat; the phone in full only to the secretary or oneself.
      const showPhone = role === "secretary" || self;
      await ctx.replyText(fullLines(member, now, TZ, showPhone).join("\n"));
      return;
    }
    const hint =
      ctx.message.chatType === "group"
        ? `\n其他信息（联系方式、出生年月等）不在群内显示，书记、支委请私聊机器人发送 /党员 信息 ${display(member)}。`
        : "";
    await ctx.replyText(basicLines(member, now, TZ).join("\n") + hint);
  },
});

const addCommand = subcommand({
  name: "add",
  aliases: ["添加"],
  usage: ["/党员 添加 姓名 [身份] [党小组=…]", "/members add name [status] [group=…]"],
  summary: "把无飞书账号的党员（如退休党员）加入名册（书记）；此后以姓名称呼",
  permission: "secretary",
  needsBranch: true,
  chat: "any",
  args: commandInput.transform((input, ctx) => {
    const name = memberNameSchema.safeParse(input.positional[0] ?? "");
    const status = input.positional[1] ? parseStatus(input.positional[1]) : "full";
    if (!name.success) ctx.addIssue({ code: "custom", message: name.error.issues[0]!.message });
    if (!status) ctx.addIssue({ code: "custom", message: `身份须为 ${STATUS_LIST}` });
    if (input.positional.length > 2 || input.mentions.length > 0)
      ctx.addIssue({ code: "custom", message: "飞书上的成员请用 /党员 同步 加入；这里只写姓名和身份" });
    const group = option(input, "党小组", "group")?.trim() || null;
    if (group && group.length > 30) ctx.addIssue({ code: "custom", message: "党小组名称须在 30 字以内" });
    if (!name.success || !status) return z.NEVER;
    return { name: name.data, status, group };
  }),
  async run(ctx, args) {
    await addOfflineMember(ctx.deps.models, ctx.deps.clock, {
      branchId: ctx.branch!._id,
      name: args.name,
      status: args.status,
      partyGroup: args.group,
      by: ctx.message.senderOpenId,
    });
    await ctx.replyText(
      `已将 ${args.name}（${STATUS_ZH[args.status]}${args.group ? `，${args.group}` : ""}）加入名册（无飞书账号，不会收到消息；相关提醒发给书记）。`,
    );
  },
});

function exemptionCommand(kind: ExemptionKind) {
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

const editCommand = subcommand({
  name: "edit",
  aliases: ["编辑"],
  usage: ["/党员 编辑 @某人|姓名", "/members edit @someone|name"],
  summary: "用表单编辑一人的名册记录和身份（书记，私聊）",
  permission: "secretary",
  needsBranch: true,
  chat: "any",
  args: commandInput.transform((input, ctx) => {
    const { target, words } = targetOf(input);
    if (!target || words.length > 0) {
      ctx.addIssue({ code: "custom", message: targetIssue });
      return z.NEVER;
    }
    return { target };
  }),
  async run(ctx, args) {
    const member = await resolve(ctx, args.target);
    if (ctx.message.chatType !== "p2p") {
      await ctx.replyText(`名册记录含个人信息，请私聊机器人发送 /党员 编辑 ${display(member)}。`);
      return;
    }
    await ctx.replyCard(editMemberCard(editCardData(ctx.branch!._id, member, ctx.deps.config.TZ)));
  },
});

/** The roster subcommands of /党员 (members.ts holds list, sync and groups). */
export const rosterSubcommands = [
  statusCommand,
  infoCommand,
  addCommand,
  exemptionCommand("exempt"),
  exemptionCommand("away"),
  editCommand,
];
