import { z } from "zod";
import { duesProfileFormCard } from "../cards/dues.js";
import { memberDues, monthStatus, recordPayment } from "../domain/dues.js";
import { formatFen, monthOf, parseCategory, parseMonth, parseYuanToFen } from "../domain/duesRules.js";
import type { Mention } from "../lark/types.js";
import { applyDuesProfile, memberNamed } from "../usecases/dues.js";
import { commandInput, option } from "./args.js";
import { subcommand, type CommandContext, type CommandFamily } from "./types.js";

const STATUS_ZH = { unpaid: "未缴", pending: "待确认", paid: "已缴", none: "—" } as const;

/** `<姓名|@某人> …`: the person is the first mention or the first word. */
function personAndRest(
  input: z.infer<typeof commandInput>,
): { who: Mention | string; rest: string[] } | null {
  if (input.mentions[0]) return { who: input.mentions[0], rest: input.positional };
  const [name, ...rest] = input.positional;
  return name ? { who: name, rest } : null;
}

const setArgs = commandInput.transform((input, ctx) => {
  if (
    input.positional.length === 0 &&
    input.mentions.length === 0 &&
    Object.keys(input.options).length === 0
  ) {
    return null; // → the form card
  }
  const person = personAndRest(input);
  if (!person) {
    ctx.addIssue({ code: "custom", message: "请写党员姓名（或 @ 党员）" });
    return z.NEVER;
  }
  const category = parseCategory(person.rest[0] ?? "");
  if (!category) {
    ctx.addIssue({ code: "custom", message: "类别须为 在职、离退休、学生、失业、低保、农民、减交 或 免交" });
    return z.NEVER;
  }
  const amountText = person.rest[1];
  const amountFen = amountText === undefined ? null : parseYuanToFen(amountText);
  if (amountText !== undefined && amountFen === null)
    ctx.addIssue({ code: "custom", message: "金额须为元，如 8500 或 0.5" });
  const fromText = option(input, "起始", "from");
  const from = fromText === undefined ? null : parseMonth(fromText);
  if (fromText !== undefined && !from) ctx.addIssue({ code: "custom", message: "起始月份须为 YYYY-MM" });
  return { who: person.who, category, amountFen, from, reason: option(input, "原因", "reason") ?? "" };
});

const paidArgs = commandInput.transform((input, ctx) => {
  const person = personAndRest(input);
  const [range = "", amountText] = person?.rest ?? [];
  const [fromText = "", toText = fromText] = range.split("..");
  const from = parseMonth(fromText);
  const to = parseMonth(toText);
  if (!person) ctx.addIssue({ code: "custom", message: "请写党员姓名（或 @ 党员）" });
  if (!from || !to) ctx.addIssue({ code: "custom", message: "月份须为 YYYY-MM，或范围 YYYY-MM..YYYY-MM" });
  const amountFen = amountText === undefined ? undefined : parseYuanToFen(amountText);
  if (amountFen === null) ctx.addIssue({ code: "custom", message: "金额须为元，如 127.5" });
  if (!person || !from || !to || amountFen === null) return z.NEVER;
  return { who: person.who, from, to, amountFen };
});

const monthArg = commandInput.transform((input, ctx) => {
  const text = input.positional[0];
  const month = text === undefined ? null : parseMonth(text);
  if ((text !== undefined && !month) || input.positional.length > 1) {
    ctx.addIssue({ code: "custom", message: "月份须为 YYYY-MM" });
    return z.NEVER;
  }
  return { month };
});

const thisMonth = (ctx: CommandContext) => monthOf(ctx.deps.clock.now(), ctx.deps.config.TZ);

async function replyMine(ctx: CommandContext): Promise<void> {
  const current = thisMonth(ctx);
  const mine = await memberDues(ctx.deps.models, ctx.branch!._id, ctx.message.senderOpenId, current);
  const lines = mine.rows.map(
    (r) => `${r.month}　${formatFen(r.amountFen)}　${r.ahead ? "已预缴" : STATUS_ZH[r.status]}`,
  );
  const owed =
    mine.owed.length > 0
      ? `待缴 ${formatFen(mine.owedFen)}（${mine.owed.length} 个月）`
      : "截至本月无待缴党费";
  const ahead =
    mine.paidAhead.length > 0
      ? `\n已预缴 ${mine.paidAhead.join("、")}，共 ${formatFen(mine.paidAheadFen)}`
      : "";
  await ctx.replyText(
    `我的党费（${ctx.branch!.name}，截至 ${current}）：\n${lines.join("\n") || "暂无党费记录"}\n` +
      `${owed}；${current.slice(0, 4)} 年已缴 ${formatFen(mine.paidThisYearFen)}${ahead}`,
  );
}

const mine = {
  usage: ["/我的党费（私聊机器人）", "/dues mine"] as string[],
  summary: "我的党费：所有待缴月份（不论年份）、本年度已缴和预缴（私聊）",
  permission: "member" as const,
  needsBranch: true,
  chat: "p2p" as const,
  args: commandInput,
  run: replyMine,
};

export const duesCommands: CommandFamily = {
  name: "dues",
  aliases: ["党费"],
  summary: "党费：标准、缴纳、台账",
  defaultSubcommand: "status",
  defaultTakesArguments: true,
  subcommands: [
    subcommand({
      name: "set",
      aliases: ["设置"],
      usage: [
        "/党费 设置 <姓名> <类别> [税后月工资或金额(元)] [起始=YYYY-MM] [原因=…]（私聊机器人）",
        "/党费 设置（不带参数：发送填写表单）",
        "/dues set <name> <category> [monthly wage or amount in yuan] [from=YYYY-MM] [reason=…]",
        "类别：在职、离退休（填税后月工资/离退休费）；学生、失业、低保（固定 0.2 元）；农民、减交（填每月金额）；免交",
      ],
      summary: "设置党员的党费标准（书记，私聊；收入加密保存，不在群里出现）",
      permission: "secretary",
      needsBranch: true,
      chat: "p2p",
      args: setArgs,
      async run(ctx, args) {
        if (!args) {
          await ctx.replyCard(duesProfileFormCard({ month: thisMonth(ctx) }));
          return;
        }
        const member = await memberNamed(ctx.deps, ctx.branch!._id, args.who);
        await ctx.replyText(
          await applyDuesProfile(ctx.deps, member, { ...args, setBy: ctx.message.senderOpenId }),
        );
      },
    }),
    subcommand({
      name: "paid",
      aliases: ["缴纳"],
      usage: [
        "/党费 缴纳 <姓名|@党员> <YYYY-MM>[..YYYY-MM] [金额(元)]",
        "/dues paid <name|@member> <YYYY-MM>[..YYYY-MM] [amount]",
      ],
      summary: "记录党员缴纳的党费（书记；可补缴 6 个月、预缴 3 个月）",
      permission: "secretary",
      needsBranch: true,
      chat: "any",
      args: paidArgs,
      async run(ctx, args) {
        const { deps } = ctx;
        const member = await memberNamed(ctx.deps, ctx.branch!._id, args.who);
        const result = await recordPayment(deps.models, deps.clock, deps.dues.rules, {
          branchId: ctx.branch!._id,
          openId: member.openId,
          from: args.from,
          to: args.to,
          amountFen: args.amountFen,
          by: ctx.message.senderOpenId,
          timeZone: deps.config.TZ,
        });
        await ctx.replyText(
          `已记录 ${member.name || member.openId} 缴纳党费 ${result.months.join("、")}，共 ${formatFen(result.totalFen)}。`,
        );
      },
    }),
    subcommand({
      name: "status",
      aliases: ["状态", "台账"],
      usage: ["/党费 [状态] [YYYY-MM]", "/dues status [YYYY-MM]"],
      summary: "某月党费收缴情况（书记、支委；只显示金额，不显示收入）",
      permission: "committee",
      needsBranch: true,
      chat: "any",
      args: monthArg,
      async run(ctx, args) {
        const month = args.month ?? thisMonth(ctx);
        const status = await monthStatus(ctx.deps.models, ctx.branch!._id, month);
        const rows = status.rows.map((r) => `${r.name}　${formatFen(r.amountFen)}　${STATUS_ZH[r.status]}`);
        await ctx.replyText(
          `${month} 党费：已缴 ${status.paidCount} / ${status.total}，待确认 ${status.pendingCount}，` +
            `已收 ${formatFen(status.collectedFen)}，未收 ${formatFen(status.outstandingFen)}\n${rows.join("\n") || "本月还没有党费记录。"}`,
        );
      },
    }),
    subcommand({ name: "mine", aliases: ["我的"], ...mine }),
  ],
};

/** `/我的党费`: the member's own year, by DM. */
export const myDuesCommands: CommandFamily = {
  name: "mydues",
  aliases: ["我的党费"],
  summary: "我的党费：待缴、已缴和预缴",
  subcommands: [subcommand({ name: "", aliases: [], ...mine })],
};
