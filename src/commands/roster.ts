import { z } from "zod";
import { editMemberCard } from "../cards/roster.js";
import type { Member } from "../db/models/member.js";
import { UserError } from "../domain/errors.js";
import {
  addOfflineMember,
  changeStatus,
  currentExemption,
  EXEMPTION_ZH,
  formatDay,
  maskPhone,
  memberNameSchema,
  parseDay,
  parseStatus,
  type ExemptionKind,
} from "../domain/roster.js";
import { STATUS_ZH, statusOf } from "../domain/whoCounts.js";
import { editCardData } from "../usecases/roster.js";
import { ROLE_NAMES } from "../usecases/organisation.js";
import { commandInput, option } from "./args.js";
import { display, isDay, oneTarget, resolve, STATUS_LIST, targetIssue, targetOf } from "./rosterArgs.js";
import { exemptionCommand } from "./rosterPeriods.js";
import { subcommand } from "./types.js";
import { activeRole, allowed } from "../domain/policy.js";

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

/**
 * A member away or arriving is linked to their transfer (组织关系转接, /转接). Where to and from
 * is theirs: `details` only where the full record is shown (a private chat with a 支委 or themself).
 */
function transferLines(member: Member, timeZone: string, details: boolean): string[] {
  const out = member.transferOut;
  const arrived = member.transferIn;
  const counted = out ? `自 ${formatDay(out.from, timeZone)} 起不计入本支部` : "";
  return [
    ...(out
      ? [details ? `组织关系转出：→ ${out.to}（${out.id}，${counted}）` : `组织关系转出中（${counted}）`]
      : []),
    ...(arrived && details
      ? [
          `组织关系转入：自 ${arrived.from}（${arrived.id}，${formatDay(arrived.at, timeZone)}${arrived.duesPaidTo ? `，党费交至 ${arrived.duesPaidTo}` : ""}）`,
        ]
      : []),
  ];
}

/** The record lines everyone in the branch may see: name, status, 党小组, and an exemption if one holds. */
function basicLines(member: Member, at: Date, timeZone: string, details = false): string[] {
  const status = statusOf(member);
  const since =
    member.statusSince && status !== "unconfirmed" ? `（自 ${formatDay(member.statusSince, timeZone)}）` : "";
  const holding = currentExemption(member, at);
  return [
    `姓名：${display(member)}${member.onFeishu === false ? "（无飞书账号）" : ""}`,
    `身份：${STATUS_ZH[status]}${since}`,
    `党小组：${member.partyGroup ?? "未分组"}`,
    ...transferLines(member, timeZone, details),
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
    ...basicLines(member, at, timeZone, true),
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
  args: oneTarget,
  async run(ctx, args) {
    const member = await resolve(ctx, args.target);
    const { TZ } = ctx.deps.config;
    const now = ctx.deps.clock.now();
    const self = member.openId === ctx.message.senderOpenId;
    if (ctx.message.chatType === "p2p" && (allowed("committee", ctx) || self)) {
      // Personal data: only in a private chat; the phone in full only to the secretary or oneself.
      const showPhone = activeRole(ctx.member) === "secretary" || self;
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

const editCommand = subcommand({
  name: "edit",
  aliases: ["编辑"],
  usage: ["/党员 编辑 @某人|姓名", "/members edit @someone|name"],
  summary: "用表单编辑一人的名册记录和身份（书记，私聊）",
  permission: "secretary",
  needsBranch: true,
  chat: "any",
  args: oneTarget,
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
