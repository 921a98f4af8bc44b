import type { Meeting } from "../db/models/meeting.js";
import { meetingLabel } from "../domain/meetingNumbers.js";
import { formatMeetingTime } from "../domain/attendance.js";
import { meetingTypeById } from "../domain/meetingTypes.js";
import { escapeText } from "./escape.js";

/** The group nudge that mentions only those who have not answered (by job or /会议 提醒). */
export function reminderText(meeting: Meeting, pendingOpenIds: string[], timeZone: string): string {
  const mentions = pendingOpenIds.map((id) => `<at user_id="${id.replace(/[^\w-]/g, "")}"></at>`).join(" ");
  const type = meetingTypeById(meeting.type).zh;
  const place = meeting.place ? `（地点：${meeting.place}）` : "";
  // Only the mentions built here are live; the title and place people typed are escaped.
  const body = escapeText(
    `提醒：会议 ${meetingLabel(meeting)} ${type}「${meeting.title}」将于 ` +
      `${formatMeetingTime(meeting.startAt, timeZone)} 开始${place}，请在会议卡片上回复参加或请假。`,
  );
  return `${mentions} ${body}`;
}
