import { z } from "zod";
import type { PersonChoice } from "../domain/meetingPeople.js";
import type { CommandInput } from "./types.js";
import { findMeetingType, MEETING_TYPES, type MeetingTypeId } from "../domain/meetingTypes.js";
import { commandInput, idArgs, idOnly, meetingId, option } from "./args.js";

export const TYPE_NAMES = MEETING_TYPES.map((t) => `${t.zh}(${t.id})`).join("、");

export interface NewMeetingArgs {
  type: MeetingTypeId;
  date: string;
  time: string;
  title: string;
  place?: string;
  durationMin?: number;
  partyGroup?: string;
  host?: PersonChoice;
  recorder?: PersonChoice;
}

const HOST = ["主持人", "host"];
const RECORDER = ["记录人", "recorder"];

/** 主持人=@李四, 主持人=李四 (by name: people on no chat), 主持人=无 (nobody); undefined if absent. */
function personOption(input: CommandInput, names: string[]): PersonChoice | undefined {
  for (const name of names) {
    const mention = input.labelled[name];
    if (mention) return { openId: mention.openId };
  }
  const typed = option(input, ...names)?.replace(/^@/, "");
  if (typed === undefined) return undefined;
  return typed === "无" || typed.toLowerCase() === "none" ? "none" : { name: typed };
}

/** `<类型> <YYYY-MM-DD> <HH:mm> <主题…> [地点=…] [时长=分钟] [党小组=…]`, or nothing (→ form card). */
export const newMeetingArgs = commandInput.transform((input, ctx): NewMeetingArgs | null => {
  if (input.positional.length === 0 && Object.keys(input.options).length === 0) return null;
  const [typeWord = "", date = "", time = "", ...titleWords] = input.positional;
  const type = findMeetingType(typeWord);
  if (!type) ctx.addIssue({ code: "custom", message: `会议类型「${typeWord}」不存在，可选：${TYPE_NAMES}` });
  if (!/^\d{4}-\d{1,2}-\d{1,2}$/.test(date)) ctx.addIssue({ code: "custom", message: "日期须为 YYYY-MM-DD" });
  if (!/^\d{1,2}:\d{2}$/.test(time)) ctx.addIssue({ code: "custom", message: "时间须为 HH:mm" });
  if (titleWords.length === 0) ctx.addIssue({ code: "custom", message: "缺少会议主题" });
  const duration = option(input, "时长", "duration");
  if (duration !== undefined && !/^\d{1,4}$/.test(duration)) {
    ctx.addIssue({ code: "custom", message: "时长须为分钟数，如 时长=90" });
  }
  if (!type) return z.NEVER;
  return {
    type: type.id,
    date,
    time,
    title: titleWords.join(" "),
    place: option(input, "地点", "place"),
    durationMin: duration === undefined ? undefined : Number(duration),
    partyGroup: option(input, "党小组", "group"),
    host: personOption(input, HOST),
    recorder: personOption(input, RECORDER),
  };
});

/** `<会议编号> [主持人=@某人|姓名|无] [记录人=…]`: at least one of them. */
export const editMeetingArgs = idArgs(meetingId, (id, input) => ({
  meetingId: id,
  host: personOption(input, HOST),
  recorder: personOption(input, RECORDER),
  extra: input.positional.length > 1 || input.mentions.length > 0,
})).refine((args) => (args.host !== undefined || args.recorder !== undefined) && !args.extra, {
  message: "请写明要修改的项，如 主持人=@某人 记录人=姓名（无 表示清空）",
});

/** `<会议编号>` alone. */
export const meetingIdOnly = idOnly(meetingId, "meetingId", "只需要会议编号");

/** `<会议编号> [@党员…] [姓名…]` for check-in. */
export const checkinArgs = idArgs(meetingId, (id, input) => ({
  meetingId: id,
  people: input.mentions,
  // People on no chat cannot be mentioned: they are named (`/会议 签到 M12 张三`).
  names: input.positional.slice(1),
}));

/** `<会议编号> [纪要…]`: everything after the id is the minutes. */
export const closeArgs = idArgs(meetingId, (id, input) => ({
  meetingId: id,
  minutes: input.rest.replace(/^\S+\s*/, ""),
}));
