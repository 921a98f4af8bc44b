import { DateTime } from "luxon";
import { meCard } from "../cards/me.js";
import { meetingLabel } from "../domain/meetingNumbers.js";
import { meetingTypeById } from "../domain/meetingTypes.js";
import { openStudiesFor, studyTarget, upcomingMeetingsFor, yearlyStudyHours } from "../domain/studyHours.js";
import { noArguments } from "./args.js";
import { subcommand, type CommandFamily } from "./types.js";

export const meCommands: CommandFamily = {
  name: "me",
  aliases: ["我的"],
  summary: "我的学习任务、本年度学时和近期会议",
  subcommands: [
    subcommand({
      name: "",
      aliases: [],
      usage: ["/我的（私聊机器人）", "/me (in a private chat with the bot)"],
      summary: "我的学习任务、本年度学时和近期会议（私聊）",
      permission: "member",
      needsBranch: true,
      chat: "p2p",
      args: noArguments,
      async run(ctx) {
        const { deps, branch, member } = ctx;
        const openId = ctx.message.senderOpenId;
        const tz = deps.config.TZ;
        const year = DateTime.fromJSDate(deps.clock.now(), { zone: tz }).year;
        const who = { branchId: branch!._id, openId };
        const [hours, studies, meetings] = await Promise.all([
          yearlyStudyHours(deps.models, { ...who, year, timeZone: tz }),
          openStudiesFor(deps.models, deps.clock, who),
          upcomingMeetingsFor(deps.models, deps.clock, who),
        ]);
        await ctx.replyCard(
          meCard({
            name: member?.name || openId,
            year,
            hours,
            towardTarget: (() => {
              const target = studyTarget(hours, member ?? null, deps.clock.now());
              return { hours: target.towardTarget, exemptedAs: target.exemptedAs };
            })(),
            openStudies: studies.map((s) => ({
              id: s._id,
              title: s.title,
              deadline: s.deadline,
              overdue: s.overdue,
            })),
            upcomingMeetings: meetings.map((m) => ({
              id: meetingLabel(m),
              typeZh: meetingTypeById(m.type).zh,
              title: m.title,
              startAt: m.startAt,
            })),
            timeZone: tz,
          }),
        );
      },
    }),
  ],
};
