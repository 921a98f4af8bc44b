import { z } from "zod";
import type { Branch } from "../db/models/branch.js";
import type { Transfer } from "../db/models/transfer.js";
import { UserError } from "../domain/errors.js";
import { formatDay, parseDay } from "../domain/roster.js";
import {
  cancelTransfer,
  findOutgoing,
  letterExpired,
  openTransfers,
  recordReceipt,
  STATE_ZH,
  today,
  transferOut,
} from "../domain/transfers.js";
import { transferIn } from "../domain/transferIn.js";
import { announceTransfer, tellCancelled } from "../usecases/transfers.js";
import { commandInput } from "./args.js";
import { display, isDay, resolve } from "./rosterArgs.js";
import { inArgs, outArgs } from "./transferArgs.js";
import { subcommand, type CommandContext, type CommandFamily } from "./types.js";

/**
 * 组织关系转接: `/转出` (a letter out, its 回执, withdrawing it), `/转入` (someone arriving from outside), `/转接`
 * (what is still open). Secretaries only: it is personal data and the branch's responsibility.
 */

/** `<去向>` as a branch of this deployment: its id (B3), its chat (oc_…) or its name. */
async function branchNamed(ctx: CommandContext, word: string): Promise<Branch | null> {
  const { Branch } = ctx.deps.models;
  if (/^b\d{1,9}$/i.test(word)) return Branch.findById(word.toUpperCase()).lean<Branch>();
  if (/^oc_\w+$/.test(word)) return Branch.findOne({ chatId: word }).lean<Branch>();
  const named = await Branch.find({ name: word }).limit(2).lean<Branch[]>();
  if (named.length > 1)
    throw new UserError(`有多个名为「${word}」的支部，请写支部编号（如 ${named[0]!._id}）。`);
  return named[0] ?? null;
}

function dayOf(ctx: CommandContext, text: string | null): Date {
  const tz = ctx.deps.config.TZ;
  if (!text) return today(ctx.deps.clock, tz);
  const day = parseDay(text, tz);
  if (!day) throw new UserError(`「${text}」不是有效日期（YYYY-MM-DD）。`);
  return day;
}

function letterLines(transfer: Transfer, tz: string): string[] {
  return [
    `介绍信编号：${transfer.letterNo || "—"}　开具日期：${formatDay(transfer.issuedAt, tz)}　有效期至：${formatDay(transfer.validUntil, tz)}`,
    `党费交至：${transfer.duesPaidTo ?? "无缴费记录"}`,
  ];
}

const outCommand = subcommand({
  name: "out",
  aliases: [],
  usage: [
    "/转出 @某人|姓名 <去向> [介绍信编号] [YYYY-MM-DD] [党费交至=YYYY-MM]",
    "/transfer out @someone|name <destination> [letter no.] [date]",
    "去向为本系统另一支部（名称或编号）时，对方书记收到接收卡片；日期为介绍信开具日期，默认今天",
  ],
  summary: "组织关系转出：登记介绍信（有效期、党费交至），跟踪回执（书记）",
  permission: "secretary",
  needsBranch: true,
  chat: "any",
  args: outArgs,
  async run(ctx, args) {
    const tz = ctx.deps.config.TZ;
    const member = await resolve(ctx, args.target);
    const toBranch = await branchNamed(ctx, args.place);
    const { transfer, created } = await transferOut(ctx.deps.models, ctx.deps.clock, {
      branchId: ctx.branch!._id,
      member,
      place: args.place,
      toBranch,
      letterNo: args.letterNo,
      issuedAt: dayOf(ctx, args.day),
      duesPaidTo: args.duesPaidTo,
      letterDays: ctx.deps.config.ZHIBU_TRANSFER_LETTER_DAYS,
      timeZone: tz,
      by: ctx.message.senderOpenId,
      sourceKey: `msg:${ctx.message.messageId}`,
    });
    const day = formatDay(transfer.issuedAt, tz);
    const lines = [
      `${created ? "已登记" : "已登记过"}转出：${display(member)} → ${transfer.place}（${transfer._id}）`,
      ...letterLines(transfer, tz),
      `自 ${day} 起，${display(member)} 不再计入本支部应到和学习，党费计至该月。`,
    ];
    if (transfer.toBranchId) {
      const sent = await announceTransfer(ctx.deps, transfer);
      lines.push(
        `已请「${transfer.place}」的书记接收（${sent} 人）；对方接收后自动回执，在此之前本支部仍对其负责。`,
      );
    } else {
      lines.push(`收到回执后发送 /转出 回执 ${transfer._id} [日期]；介绍信过期仍无回执时会提醒书记。`);
    }
    await ctx.replyText(lines.join("\n"));
  },
});

const receiptCommand = subcommand({
  name: "receipt",
  aliases: ["回执"],
  usage: [
    "/转出 回执 <转接编号|介绍信编号|姓名> [YYYY-MM-DD]",
    "/transfer receipt <id|letter no.|name> [date]",
  ],
  summary: "登记转出的回执：此人随即从本支部名册转出（书记）",
  permission: "secretary",
  needsBranch: true,
  chat: "any",
  args: commandInput.transform((input, ctx) => {
    const [word, day, ...more] = input.positional;
    if (!word || input.mentions.length > 0 || more.length > 0 || (day !== undefined && !isDay(day))) {
      ctx.addIssue({
        code: "custom",
        message: "请写转接编号（如 Z3）、介绍信编号或姓名，以及可选的回执日期 YYYY-MM-DD",
      });
      return z.NEVER;
    }
    return { word, day: day ?? null };
  }),
  async run(ctx, args) {
    const tz = ctx.deps.config.TZ;
    const transfer = await findOutgoing(ctx.deps.models, ctx.branch!._id, args.word);
    const { transfer: after, changed } = await recordReceipt(ctx.deps.models, ctx.deps.clock, {
      transfer,
      receiptAt: dayOf(ctx, args.day),
      timeZone: tz,
    });
    await ctx.replyText(
      changed
        ? `已登记回执：${after.name} → ${after.place}（${after._id}），回执日期 ${formatDay(after.receiptAt, tz)}。${after.name} 已从本支部名册转出，记录保留。`
        : `${after.name}（${after._id}）的回执已于 ${formatDay(after.receiptAt, tz)} 登记，未作更改。`,
    );
  },
});

const cancelCommand = subcommand({
  name: "cancel",
  aliases: ["取消", "撤销"],
  usage: ["/转出 取消 <转接编号|介绍信编号|姓名> [原因]", "/transfer cancel <id|letter no.|name> [reason]"],
  summary: "撤销尚未回执或接收的转出（如介绍信开错）：此人重新计入本支部（书记）",
  permission: "secretary",
  needsBranch: true,
  chat: "any",
  args: commandInput.transform((input, ctx) => {
    const [word, ...reason] = input.positional;
    if (!word || input.mentions.length > 0) {
      ctx.addIssue({ code: "custom", message: "请写转接编号（如 Z3）、介绍信编号或姓名，以及可选的原因" });
      return z.NEVER;
    }
    return { word, reason: reason.join(" ").slice(0, 200) };
  }),
  async run(ctx, args) {
    const tz = ctx.deps.config.TZ;
    const transfer = await findOutgoing(ctx.deps.models, ctx.branch!._id, args.word);
    const { transfer: after, changed } = await cancelTransfer(ctx.deps.models, ctx.deps.clock, {
      transfer,
      by: ctx.message.senderOpenId,
      reason: args.reason,
      timeZone: tz,
    });
    if (!changed) {
      await ctx.replyText(
        `${after.name}（${after._id}）的转出已于 ${formatDay(after.cancelledAt, tz)} 撤销，未作更改。`,
      );
      return;
    }
    const told = await tellCancelled(ctx.deps, after);
    await ctx.replyText(
      [
        `已撤销转出：${after.name} → ${after.place}（${after._id}）${after.cancelReason ? `，原因：${after.cancelReason}` : ""}。`,
        `${after.name} 重新计入本支部应到、学习和党费，记录保留（台账“转接”表记为已撤销）。`,
        ...(told > 0 ? [`已告知「${after.place}」的书记（${told} 人），其接收卡片无需处理。`] : []),
      ].join("\n"),
    );
  },
});

const inCommand = subcommand({
  name: "in",
  aliases: [],
  usage: [
    "/转入 姓名|@某人 <来自> [介绍信编号] [入党日期] [转正日期] [党费交至 YYYY-MM] [正式|预备]",
    "/transfer in name|@someone <from> [letter no.] [joined] [full] [dues YYYY-MM]",
    "有转正日期或不写日期为正式党员，只写入党日期为预备党员",
  ],
  summary: "组织关系转入：登记从系统外转来的党员并列入名册（书记）",
  permission: "secretary",
  needsBranch: true,
  chat: "any",
  args: inArgs,
  async run(ctx, args) {
    const tz = ctx.deps.config.TZ;
    const day = (text: string | null) => (text ? dayOf(ctx, text) : null);
    const { transfer, member, created } = await transferIn(ctx.deps.models, ctx.deps.clock, {
      branchId: ctx.branch!._id,
      person: args.person,
      place: args.place,
      letterNo: args.letterNo,
      joinedAt: day(args.joinedAt),
      fullAt: day(args.fullAt),
      status: args.status,
      duesPaidTo: args.duesPaidTo,
      timeZone: tz,
      by: ctx.message.senderOpenId,
      sourceKey: `msg:${ctx.message.messageId}`,
    });
    const p = member.profile ?? {};
    await ctx.replyText(
      [
        `${created ? "已登记" : "已登记过"}转入：${display(member)} ← ${transfer.place}（${transfer._id}），已列入本支部名册。`,
        `身份：${member.status === "probationary" ? "预备党员" : "正式党员"}　入党日期：${formatDay(p.joinedAt, tz) || "—"}　转正日期：${formatDay(p.fullAt, tz) || "—"}`,
        `介绍信编号：${transfer.letterNo || "—"}　党费交至：${transfer.duesPaidTo ?? "—"}`,
        ...(member.onFeishu === false ? ["此人暂无飞书账号；入群后 /党员 同步 时可关联。"] : []),
      ].join("\n"),
    );
  },
});

/** One open transfer; `from` names the sending branch of one awaiting this branch. */
function openLine(t: Transfer, tz: string, now: Date, from?: string): string {
  const arrow = from !== undefined ? `← 「${from}」` : `→ ${t.place}`;
  const expired = letterExpired(t, now, tz) ? "（已过期）" : "";
  return `${t._id} ${t.name} ${arrow}　介绍信 ${t.letterNo || "—"}　开具 ${formatDay(t.issuedAt, tz)}　有效期至 ${formatDay(t.validUntil, tz)}${expired}　党费交至 ${t.duesPaidTo ?? "—"}　${STATE_ZH[t.state as keyof typeof STATE_ZH]}`;
}

const listCommand = subcommand({
  name: "",
  aliases: [],
  usage: ["/转接", "/transfers"],
  summary: "未完成的组织关系转接：待回执、待对方接收、待本支部接收（书记）",
  permission: "secretary",
  needsBranch: true,
  chat: "any",
  args: commandInput.refine((i) => i.positional.length === 0 && i.mentions.length === 0, "此命令不需要参数"),
  async run(ctx) {
    const tz = ctx.deps.config.TZ;
    const now = ctx.deps.clock.now();
    const { outgoing, incoming } = await openTransfers(ctx.deps.models, ctx.branch!._id);
    if (outgoing.length + incoming.length === 0) {
      await ctx.replyText("本支部没有未完成的组织关系转接。");
      return;
    }
    const names = new Map(
      (await ctx.deps.models.Branch.find({}, { name: 1 }).lean<Pick<Branch, "_id" | "name">[]>()).map((b) => [
        b._id,
        b.name,
      ]),
    );
    const lines = [`「${ctx.branch!.name}」未完成的转接 ${outgoing.length + incoming.length} 件：`];
    if (outgoing.length) lines.push("转出：", ...outgoing.map((t) => `　${openLine(t, tz, now)}`));
    if (incoming.length)
      lines.push(
        "待本支部接收（请在私信卡片上接收或不接收）：",
        ...incoming.map((t) => `　${openLine(t, tz, now, names.get(t.branchId) ?? t.branchId)}`),
      );
    await ctx.replyText(lines.join("\n"));
  },
});

const summary = "组织关系转接：转出（介绍信、回执）、转入、未完成的转接";

export const transferCommands: CommandFamily = {
  name: "transfer",
  aliases: ["转出"],
  summary,
  defaultSubcommand: "out",
  defaultTakesArguments: true,
  subcommands: [outCommand, receiptCommand, cancelCommand, inCommand],
};

export const transferInCommands: CommandFamily = {
  name: "transfer-in",
  aliases: ["转入"],
  summary,
  defaultSubcommand: "in",
  defaultTakesArguments: true,
  subcommands: [inCommand],
};

export const transfersCommands: CommandFamily = {
  name: "transfers",
  aliases: ["转接"],
  summary,
  subcommands: [listCommand],
};
