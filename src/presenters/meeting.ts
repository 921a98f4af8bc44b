import type { Models } from "../db/models/index.js";
import type { Meeting } from "../db/models/meeting.js";
import type { Clock } from "../domain/clock.js";
import {
  DEFAULT_TIME_ZONE,
  formatMeetingTime,
  meetingAttendance,
  type MeetingAttendance,
} from "../domain/meetings.js";
import { meetingLabel } from "../domain/meetingNumbers.js";
import { meetingPeople } from "../domain/meetingPeople.js";
import { meetingTypeById, type MeetingTypeId } from "../domain/meetingTypes.js";
import type { PersonRef } from "../domain/people.js";

export type { PersonRef };

/** Everything a meeting card shows: built here from the domain's data, rendered by cards/meeting.ts. */
export interface MeetingCardData extends MeetingAttendance {
  id: string; // the stored id, for the buttons
  label: string; // "M5": the branch's number, as people type it
  host: PersonRef | null; // 主持人
  recorder: PersonRef | null; // 记录人
  type: MeetingTypeId;
  title: string;
  startAt: Date;
  durationMin: number;
  place: string;
  agenda: string;
  partyGroup: string | null;
  status: "scheduled" | "cancelled" | "closed";
  minutes: string;
  timeZone: string; // e.g. Asia/Shanghai, for formatting times
}

/** The meeting card's view model: the meeting, who answered what, and the zone to show times in. */
export async function meetingCardData(
  models: Models,
  clock: Clock,
  meeting: Meeting,
  timeZone = DEFAULT_TIME_ZONE,
): Promise<MeetingCardData> {
  const attendance = await meetingAttendance(models, clock, meeting);
  return {
    id: meeting._id,
    label: meetingLabel(meeting),
    ...(await meetingPeople(models, meeting)),
    type: meeting.type as MeetingTypeId,
    title: meeting.title,
    startAt: meeting.startAt,
    durationMin: meeting.durationMin,
    place: meeting.place ?? "",
    agenda: meeting.agenda ?? "",
    partyGroup: meeting.partyGroup ?? null,
    status: meeting.status as MeetingCardData["status"],
    ...attendance,
    minutes: meeting.minutes ?? "",
    timeZone,
  };
}

const STATUS_ZH = { scheduled: "未结束", cancelled: "已取消", closed: "已结束" } as const;

function nameList(people: PersonRef[]): string {
  return people.length === 0 ? "无" : people.map((p) => p.name).join("、");
}

/** Plain-text summary for `/meeting show`: details, then who answered what, or the frozen record. */
export function formatAttendanceSummary(data: MeetingCardData): string {
  const type = meetingTypeById(data.type);
  const lines = [
    `${data.label} ${type.zh}：${data.title}（${STATUS_ZH[data.status]}）`,
    `时间：${formatMeetingTime(data.startAt, data.timeZone)}，${data.durationMin} 分钟`,
  ];
  if (data.place) lines.push(`地点：${data.place}`);
  if (data.host) lines.push(`主持人：${data.host.name}`);
  if (data.recorder) lines.push(`记录人：${data.recorder.name}`);
  if (data.partyGroup) lines.push(`党小组：${data.partyGroup}`);
  if (data.agenda) lines.push(`议程：${data.agenda}`);
  if (data.record) {
    const r = data.record;
    lines.push(
      `应到（${r.expected.length}）：${nameList(r.expected)}`,
      `实到（${r.present.length}）：${nameList(r.present)}`,
      `请假（${r.leave.length}）：${nameList(r.leave)}`,
      `缺席（${r.absent.length}）：${nameList(r.absent)}`,
    );
    if (r.observers?.length) lines.push(`列席（不计应到）：${nameList(r.observers)}`);
    if (r.voluntary?.length) lines.push(`自愿参加（不计应到）：${nameList(r.voluntary)}`);
    if (data.minutes) lines.push(`会议记录：${data.minutes}`);
  } else {
    const leave = data.leave.map((p) => (p.reason ? `${p.name}（${p.reason}）` : p.name));
    lines.push(
      `参加（${data.attending.length}）：${nameList(data.attending)}`,
      `请假（${data.leave.length}）：${leave.length === 0 ? "无" : leave.join("、")}`,
      `未回复（${data.pending.length}）：${nameList(data.pending)}`,
      `已签到（${data.checkedIn.length}）：${nameList(data.checkedIn)}`,
    );
    if (data.observers?.length) lines.push(`列席（不计应到）：${nameList(data.observers)}`);
    if (data.voluntary?.length) lines.push(`自愿参加（不计应到）：${nameList(data.voluntary)}`);
  }
  return lines.join("\n");
}

/** `/meeting show`: the card data and its text summary. */
export async function attendanceSummary(
  models: Models,
  clock: Clock,
  meeting: Meeting,
  timeZone = DEFAULT_TIME_ZONE,
): Promise<{ data: MeetingCardData; text: string }> {
  const data = await meetingCardData(models, clock, meeting, timeZone);
  return { data, text: formatAttendanceSummary(data) };
}
