import { newMeetingFormCard } from "../cards/meetingForm.js";
import type { Meeting } from "../db/models/meeting.js";
import { meetingLabel } from "../domain/meetingNumbers.js";
import {
  meetingPeople,
  resolveMeetingPerson,
  rosterPeople,
  setMeetingPeople,
  type MeetingRole,
  type PersonChoice,
} from "../domain/meetingPeople.js";
import { listPartyGroups } from "../domain/branches.js";
import { UserError } from "../domain/errors.js";
import { meetingTypeById } from "../domain/meetingTypes.js";
import {
  checkIn,
  closeMeeting,
  findMeeting,
  formatMeetingTime,
  listMeetings,
  memberByName,
} from "../domain/meetings.js";
import { parseLocalDateTime } from "../domain/time.js";
import { formatAttendanceSummary, meetingCardData } from "../presenters/meeting.js";
import { refreshMeetingCard } from "../delivery/meetingCard.js";
import { remindMeeting } from "../delivery/meetingReminders.js";
import { cancelMeetingAndReminders, createAndAnnounceMeeting } from "../usecases/meetings.js";
import { allowed } from "../domain/policy.js";
import { sendPrivately } from "./private.js";
import { noArguments } from "./args.js";
import { findOrRefuse, replyList, type RecordKind } from "./records.js";
import {
  checkinArgs,
  closeArgs,
  editMeetingArgs,
  meetingIdOnly,
  newMeetingArgs,
  TYPE_NAMES,
} from "./meetingArgs.js";
import { subcommand, type CommandContext, type CommandFamily } from "./types.js";
import { pendingMembers } from "../domain/attendance.js";
import { isOffline } from "../delivery/offlineDigest.js";

const STATUS = { scheduled: "未开始/进行中", cancelled: "已取消", closed: "已结束" } as const;

const MEETING: RecordKind = { label: "会议", command: "/会议" };

function meetingOf(ctx: CommandContext, id: string): Promise<Meeting> {
  return findOrRefuse(ctx, findMeeting, id, MEETING);
}

const common = { needsBranch: true, chat: "any" } as const;

export const meetingCommands: CommandFamily = {
  name: "meeting",
  aliases: ["会议"],
  summary: "三会一课等组织生活会议",
  defaultSubcommand: "list",
  subcommands: [
    subcommand({
      ...common,
      name: "new",
      aliases: ["新建"],
      usage: [
        "/会议 新建 <类型> <YYYY-MM-DD> <HH:mm> <主题…> [地点=…] [时长=分钟] [党小组=…] [主持人=@某人|姓名] [记录人=@某人|姓名]",
        "/meeting new <type> <date> <time> <title…> [place=…] [duration=minutes] [group=…] [host=@someone|name] [recorder=@someone|name]",
        "/会议 新建（不带参数：发送填写表单）",
        `类型：${TYPE_NAMES}`,
      ],
      summary: "新建会议并在群里发通知卡片（书记、支委）",
      permission: "committee",
      args: newMeetingArgs,
      async run(ctx, args) {
        const { deps, branch } = ctx;
        if (!args) {
          const partyGroups = await listPartyGroups(deps.models, branch!._id);
          const people = await rosterPeople(deps.models, branch!._id);
          await ctx.replyCard(newMeetingFormCard({ timeZone: deps.config.TZ, partyGroups, people }));
          return;
        }
        const startAt = parseLocalDateTime(args.date, args.time, deps.config.TZ);
        if (!startAt) throw new UserError(`日期或时间无效：${args.date} ${args.time}`);
        const meeting = await createAndAnnounceMeeting(deps, branch!, {
          type: args.type,
          title: args.title,
          startAt,
          durationMin: args.durationMin,
          place: args.place,
          partyGroup: args.partyGroup,
          host: args.host,
          recorder: args.recorder,
          createdBy: ctx.message.senderOpenId,
          sourceKey: `msg:${ctx.message.messageId}`,
        });
        await ctx.replyText(
          `已创建会议 ${meetingLabel(meeting)}（${meetingTypeById(meeting.type).zh}：${meeting.title}），通知卡片已发到支部群。`,
        );
      },
    }),
    subcommand({
      ...common,
      name: "list",
      aliases: ["列表"],
      usage: ["/会议 列表", "/meeting list"],
      summary: "查看近期会议",
      permission: "member",
      args: noArguments,
      async run(ctx) {
        const meetings = await listMeetings(ctx.deps.models, ctx.branch!._id, { limit: 15 });
        await replyList(
          ctx,
          meetings,
          { heading: "会议", empty: "本支部还没有会议。书记或支委可发送 /会议 新建。" },
          (m) =>
            `${meetingLabel(m)}　${meetingTypeById(m.type).zh}　${formatMeetingTime(m.startAt, ctx.deps.config.TZ)}　${m.title}（${STATUS[m.status]}）`,
        );
      },
    }),
    subcommand({
      ...common,
      name: "show",
      aliases: ["查看"],
      usage: ["/会议 查看 <会议编号>", "/meeting show <id>"],
      summary: "查看会议详情和出席情况",
      permission: "member",
      args: meetingIdOnly,
      async run(ctx, args) {
        const meeting = await meetingOf(ctx, args.meetingId);
        const data = await meetingCardData(ctx.deps.models, ctx.deps.clock, meeting, ctx.deps.config.TZ);
        // Leave reasons are for the secretary and committee only, and only in a private chat: in
        // the group everyone reads the reply, so it has names and counts, and the reasons go to
        // the asker privately.
        const withoutReasons = { ...data, leave: data.leave.map((p) => ({ ...p, reason: "" })) };
        if (!allowed("committee", ctx)) {
          await ctx.replyText(formatAttendanceSummary(withoutReasons));
          return;
        }
        if (ctx.message.chatType === "p2p") {
          await ctx.replyText(formatAttendanceSummary(data));
          return;
        }
        const hasReasons = data.leave.some((p) => p.reason.trim() !== "");
        await ctx.replyText(
          formatAttendanceSummary(withoutReasons) + (hasReasons ? "\n请假事由已私信发给你。" : ""),
        );
        if (hasReasons) {
          await sendPrivately(
            ctx,
            formatAttendanceSummary(data),
            `会议 ${meetingLabel(meeting)} 详情（私信）`,
          );
        }
      },
    }),
    subcommand({
      ...common,
      name: "cancel",
      aliases: ["取消"],
      usage: ["/会议 取消 <会议编号>", "/meeting cancel <id>"],
      summary: "取消会议（书记、支委）",
      permission: "committee",
      args: meetingIdOnly,
      async run(ctx, args) {
        const meeting = await cancelMeetingAndReminders(ctx.deps, (await meetingOf(ctx, args.meetingId))._id);
        await ctx.replyText(`会议 ${meetingLabel(meeting)}「${meeting.title}」已取消，卡片已更新。`);
      },
    }),
    subcommand({
      ...common,
      name: "remind",
      aliases: ["提醒"],
      usage: ["/会议 提醒 <会议编号>", "/meeting remind <id>"],
      summary: "在群里 @ 尚未回复的党员（书记、支委）",
      permission: "committee",
      args: meetingIdOnly,
      async run(ctx, args) {
        const meeting = await meetingOf(ctx, args.meetingId);
        if (meeting.status !== "scheduled")
          throw new UserError(`会议 ${meetingLabel(meeting)} ${STATUS[meeting.status]}，无需提醒。`);
        // Through the outbox, keyed by this command: a redelivered command nudges once.
        const count = await remindMeeting(ctx.deps, meeting, {
          key: `meeting:${meetingLabel(meeting)}:remind:manual:${ctx.message.messageId}`,
          description: `会议 ${meetingLabel(meeting)} 手动提醒`,
        });
        if (count === 0) {
          // Nobody to @: everyone answered, or those who did not are on no chat.
          const offline = (await pendingMembers(ctx.deps.models, meeting, ctx.deps.clock.now())).filter(
            isOffline,
          );
          await ctx.replyText(
            offline.length === 0
              ? `会议 ${meetingLabel(meeting)} 的党员都已回复，无需提醒。`
              : `会议 ${meetingLabel(meeting)} 尚未回复的都是未使用飞书的党员：${offline.map((m) => m.name).join("、")}。请当面联系；到会时可由书记代为签到。`,
          );
          return;
        }
        ctx.deps.delivery.wake();
      },
    }),
    subcommand({
      ...common,
      name: "checkin",
      aliases: ["签到"],
      usage: ["/会议 签到 <会议编号> [@党员…] [姓名…]", "/meeting checkin <id> [@member…] [name…]"],
      summary: "签到（书记、支委可 @ 他人或写姓名代签，如不在飞书上的老党员）",
      permission: "member",
      args: checkinArgs,
      async run(ctx, args) {
        const { deps } = ctx;
        const meeting = await meetingOf(ctx, args.meetingId);
        const others = args.people.length + args.names.length > 0;
        if (others && !allowed("committee", ctx)) throw new UserError("只有书记和支委可以为他人签到。");
        const named = [];
        for (const name of args.names) named.push(await memberByName(deps.models, ctx.branch!._id, name));
        const people = others ? [...args.people, ...named] : null;
        const targets = people ?? [{ openId: ctx.message.senderOpenId, name: "你" }];
        const done: string[] = [];
        for (const person of targets) {
          const { already } = await checkIn(deps.models, deps.clock, {
            meetingId: meeting._id,
            openId: person.openId,
            by: ctx.message.senderOpenId,
            timeZone: deps.config.TZ,
          });
          done.push(`${person.name || person.openId}${already ? "（此前已签到）" : ""}`);
        }
        await refreshMeetingCard(deps, meeting);
        await ctx.replyText(`会议 ${meetingLabel(meeting)} 签到成功：${done.join("、")}`);
      },
    }),
    subcommand({
      ...common,
      name: "close",
      aliases: ["结束"],
      usage: ["/会议 结束 <会议编号> [会议纪要…]", "/meeting close <id> [minutes…]"],
      summary: "结束会议，冻结应到/实到/请假/缺席并记录纪要（书记、支委）",
      permission: "committee",
      args: closeArgs,
      async run(ctx, args) {
        const { deps } = ctx;
        const found = await meetingOf(ctx, args.meetingId);
        const meeting = await closeMeeting(deps.models, deps.clock, found._id, args.minutes, deps.config.TZ);
        await refreshMeetingCard(deps, meeting);
        const r = meeting.record!;
        const extra = [
          r.observers?.length ? `列席 ${r.observers.length}` : "",
          r.voluntary?.length ? `自愿参加 ${r.voluntary.length}` : "",
        ].filter(Boolean);
        await ctx.replyText(
          `会议 ${meetingLabel(meeting)} 已结束：应到 ${r.expected.length}，实到 ${r.present.length}，请假 ${r.leave.length}，缺席 ${r.absent.length}` +
            (extra.length ? `（另有${extra.join("，")}，不计应到）` : "") +
            "。" +
            (meeting.minutes ? "纪要已记录。" : "未填写纪要，可在结束命令后附上。"),
        );
      },
    }),
    subcommand({
      ...common,
      name: "edit",
      aliases: ["修改"],
      usage: [
        "/会议 修改 <会议编号> [主持人=@某人|姓名|无] [记录人=@某人|姓名|无]",
        "/meeting edit <id> [host=@someone|name|none] [recorder=@someone|name|none]",
      ],
      summary: "记录或更正会议的主持人、记录人（书记、支委；结束后也可更正台账）",
      permission: "committee",
      args: editMeetingArgs,
      async run(ctx, args) {
        const { deps } = ctx;
        const meeting = await meetingOf(ctx, args.meetingId);
        const branchId = ctx.branch!._id;
        const person = (role: MeetingRole, choice: PersonChoice | undefined) =>
          choice === undefined ? undefined : resolveMeetingPerson(deps.models, branchId, role, choice);
        const host = await person("host", args.host);
        const recorder = await person("recorder", args.recorder);
        await setMeetingPeople(deps.models, meeting, { host, recorder });
        await refreshMeetingCard(deps, meeting);
        const data = await meetingPeople(deps.models, {
          ...meeting,
          ...(host !== undefined && { host }),
          ...(recorder !== undefined && { recorder }),
        });
        const name = (p: { name: string } | null) => (p ? p.name : "未指定");
        await ctx.replyText(
          `会议 ${meetingLabel(meeting)} 已更新：主持人 ${name(data.host)}，记录人 ${name(data.recorder)}。`,
        );
      },
    }),
  ],
};
