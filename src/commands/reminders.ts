import { z } from "zod";
import { CHECKIN_OPENS_MINUTES_BEFORE } from "../../config/meetings.js";
import type { InboundEvent } from "../db/models/inboundEvent.js";
import type { Meeting } from "../db/models/meeting.js";
import type { OutboxItem } from "../db/models/outbox.js";
import { reviveDead } from "../delivery/outbox.js";
import { meetingLabel } from "../domain/meetingNumbers.js";
import { UserError } from "../domain/errors.js";
import { formatMeetingTime } from "../domain/meetings.js";
import { reminderKey } from "../delivery/meetingReminders.js";
import { commandInput, noArguments } from "./args.js";
import { subcommand, type CommandContext, type CommandFamily } from "./types.js";
import { trusted } from "../db/connection.js";

const MIN = 60_000;

/** What the scheduler will send for the branch's upcoming meetings, soonest first. */
async function plannedSends(ctx: CommandContext): Promise<{ at: Date; text: string }[]> {
  const { models, clock, config } = ctx.deps;
  const now = clock.now();
  const meetings = await models.Meeting.find({ branchId: ctx.branch!._id, status: "scheduled" }).lean<
    Meeting[]
  >();
  const queued = new Set(
    (await models.Outbox.find({ branchId: ctx.branch!._id }, { _id: 1 }).lean<{ _id: string }[]>()).map(
      (o) => o._id,
    ),
  );
  const planned: { at: Date; text: string }[] = [];
  for (const meeting of meetings) {
    const start = meeting.startAt.getTime();
    for (const offset of config.ZHIBU_MEETING_REMINDERS) {
      const due = start - offset.minutes * MIN;
      const createdBefore = !meeting.createdAt || meeting.createdAt.getTime() < due;
      if (due > now.getTime() && createdBefore && !queued.has(reminderKey(meeting._id, offset))) {
        planned.push({
          at: new Date(due),
          text: `会议 ${meetingLabel(meeting)} 提醒（${offset.label}，@ 未回复者）`,
        });
      }
    }
    const opens = start - CHECKIN_OPENS_MINUTES_BEFORE * MIN;
    if (opens > now.getTime())
      planned.push({ at: new Date(opens), text: `会议 ${meetingLabel(meeting)} 签到开放通知` });
    const ends = start + meeting.durationMin * MIN;
    if (ends > now.getTime())
      planned.push({ at: new Date(ends), text: `会议 ${meetingLabel(meeting)} 结束后提醒书记记录` });
  }
  return planned.sort((a, b) => a.at.getTime() - b.at.getTime());
}

const RECENT_COMMANDS_MS = 60 * MIN;

/** Typed words for a text message: no `<at …>` or other markup can come alive. */
const plainWords = (text: string) => text.replace(/</g, "＜").replace(/>/g, "＞");

/**
 * Commands of this chat (and of the branch's group) accepted in the last hour but not finished:
 * running, interrupted (their instance died: taken over when the lease lapses), waiting for a
 * retry, or failed. Only the command words are shown, never the arguments.
 */
async function unfinishedCommands(ctx: CommandContext): Promise<string[]> {
  const { models, clock } = ctx.deps;
  const now = clock.now();
  const items = await models.InboundEvent.find(
    {
      chatId: trusted({ $in: [...new Set([ctx.message.chatId, ctx.branch!.chatId])] }),
      status: trusted({ $in: ["received", "processing", "failed"] }),
      receivedAt: trusted({ $gte: new Date(now.getTime() - RECENT_COMMANDS_MS) }),
    },
    { status: 1, leaseUntil: 1, attempts: 1, summary: 1, receivedAt: 1 },
  ).lean<InboundEvent[]>();
  const others = items.filter((item) => item._id !== `msg:${ctx.message.messageId}`);
  if (others.length === 0) return [];
  const state = (item: InboundEvent) => {
    if (item.status === "failed") return "失败";
    if (item.status === "received") return "等待重试";
    return item.leaseUntil && item.leaseUntil.getTime() < now.getTime()
      ? "处理中断，将自动接管续做"
      : `处理中，第 ${item.attempts} 次`;
  };
  return [
    "未完成的命令：",
    ...others.map(
      (item) =>
        `· ${formatMeetingTime(item.receivedAt, ctx.deps.config.TZ)} ${plainWords(item.summary || "命令")}（${state(item)}）`,
    ),
  ];
}

const retryArgs = commandInput.transform((input, ctx) => {
  const id = input.positional[0];
  if (!id || input.positional.length !== 1) {
    ctx.addIssue({ code: "custom", message: "请写要重试的消息编号（见 /提醒 的发送失败列表）" });
    return z.NEVER;
  }
  return { id };
});

export const remindersCommands: CommandFamily = {
  name: "reminders",
  aliases: ["提醒"],
  summary: "计划发送的提醒与发送失败的消息",
  defaultSubcommand: "list",
  subcommands: [
    subcommand({
      name: "list",
      aliases: ["列表"],
      usage: ["/提醒", "/reminders"],
      summary: "查看即将发送的提醒和发送失败的消息（书记、支委）",
      permission: "committee",
      needsBranch: true,
      chat: "any",
      args: noArguments,
      async run(ctx) {
        const { models, config } = ctx.deps;
        const tz = config.TZ;
        const branchId = ctx.branch!._id;
        const [planned, waiting, dead] = await Promise.all([
          plannedSends(ctx),
          models.Outbox.find({ branchId, status: trusted({ $in: ["pending", "sending"] }) })
            .sort({ notBefore: 1 })
            .limit(20)
            .lean<OutboxItem[]>(),
          models.Outbox.find({ branchId, status: "dead" })
            .sort({ deadAt: -1 })
            .limit(20)
            .lean<OutboxItem[]>(),
        ]);
        const lines = [...(await unfinishedCommands(ctx)), "即将发送："];
        for (const item of waiting)
          lines.push(`· ${formatMeetingTime(item.notBefore, tz)} ${item.description}（排队中）`);
        for (const item of planned.slice(0, 20))
          lines.push(`· ${formatMeetingTime(item.at, tz)} ${item.text}`);
        if (waiting.length + planned.length === 0) lines.push("· 无");
        lines.push("发送失败：");
        for (const item of dead) {
          lines.push(
            `· ${item.description || item._id}（${item.lastError ?? "未知原因"}）\n  重试：/提醒 重试 ${item._id}`,
          );
        }
        if (dead.length === 0) lines.push("· 无");
        await ctx.replyText(lines.join("\n"));
      },
    }),
    subcommand({
      name: "retry",
      aliases: ["重试"],
      usage: ["/提醒 重试 <消息编号>", "/reminders retry <id>"],
      summary: "重新发送一条发送失败的消息（书记、支委）",
      permission: "committee",
      needsBranch: true,
      chat: "any",
      args: retryArgs,
      async run(ctx, args) {
        const { models, clock } = ctx.deps;
        if (!(await reviveDead(models, clock, args.id, ctx.branch!._id)))
          throw new UserError(`没有编号为 ${args.id} 的发送失败消息。发送 /提醒 查看。`);
        ctx.deps.delivery.wake();
        await ctx.replyText(`已重新排队发送：${args.id}`);
      },
    }),
  ],
};
