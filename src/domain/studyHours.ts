import { DateTime } from "luxon";
import {
  MEETING_TYPES_COUNTING_AS_STUDY,
  SELF_STUDY_COUNTS_TOWARD_TARGET,
  YEARLY_STUDY_HOURS_TARGET,
} from "../../config/study.js";
import type { Attendance } from "../db/models/attendance.js";
import type { Meeting } from "../db/models/meeting.js";
import type { StudyConfirmation, StudyTask } from "../db/models/study.js";
import { memberInScope, type MemberDoc } from "./attendance.js";
import type { Clock } from "./clock.js";
import { memberInStudyScope, type StudyDeps } from "./study.js";
import { holdingExemption } from "./whoCounts.js";
import { trusted } from "../db/connection.js";

/**
 * One member's view of study: 学时 of a year, and what is still open for them (`/我的`).
 *
 * 学时 of a year (`total`, everything) = the hours copied onto their confirmations of that local year, plus each
 * checked-in meeting of a type in MEETING_TYPES_COUNTING_AS_STUDY (not cancelled) whose check-in
 * falls in that local year, counting its duration rounded down to half hours. What counts toward
 * the 32 学时 target is `studyTarget`: 集中学习培训, and self-study only where config/study.ts says.
 */

export interface YearlyStudyHoursInput {
  branchId: string;
  openId: string;
  year: number;
  /** The branch's zone: which local year a check-in falls in. */
  timeZone: string;
}

export interface YearlyStudyHours {
  fromStudies: number;
  fromMeetings: number;
  total: number;
  target: number;
}

/** A meeting's duration as 学时: hours rounded down to half hours (100 min → 1.5). */
export function meetingStudyHours(durationMin: number): number {
  return Math.floor(durationMin / 30) / 2;
}

const COUNTING_TYPES: readonly string[] = MEETING_TYPES_COUNTING_AS_STUDY;

/** Where the member stands to the 32 学时 target: the hours that count toward it, or exempt. */
export interface StudyTarget {
  /** 集中学习培训 (checked-in meetings), plus 学习任务 where the rule table says so. */
  towardTarget: number;
  target: number;
  /** "exempt" / "away" while such a period holds (left out of the target), else null. */
  exemptedAs: "exempt" | "away" | null;
}

export function studyTarget(
  hours: YearlyStudyHours,
  member: Parameters<typeof holdingExemption>[0] | null,
  at: Date,
  selfStudyCounts: boolean = SELF_STUDY_COUNTS_TOWARD_TARGET,
): StudyTarget {
  const exemption = member ? holdingExemption(member, at) : null;
  return {
    towardTarget: hours.fromMeetings + (selfStudyCounts ? hours.fromStudies : 0),
    target: hours.target,
    exemptedAs: (exemption?.kind as StudyTarget["exemptedAs"] | undefined) ?? null,
  };
}

export async function yearlyStudyHours(
  models: StudyDeps,
  { branchId, openId, year, timeZone }: YearlyStudyHoursInput,
): Promise<YearlyStudyHours> {
  // Every query goes by the fields of one index: confirmations by {branchId, openId, year},
  // meetings by {branchId}, check-ins by the unique {meetingId, openId}.
  const [confirmations, meetings] = await Promise.all([
    models.StudyConfirmation.find({ branchId, openId, year }, { hours: 1 }).lean<
      Pick<StudyConfirmation, "hours">[]
    >(),
    models.Meeting.find({ branchId }, { type: 1, status: 1, durationMin: 1 }).lean<
      Pick<Meeting, "_id" | "type" | "status" | "durationMin">[]
    >(),
  ]);
  const counting = meetings.filter((m) => COUNTING_TYPES.includes(m.type) && m.status !== "cancelled");
  const attendances =
    counting.length === 0
      ? []
      : await models.Attendance.find(
          { meetingId: trusted({ $in: counting.map((m) => m._id) }), openId },
          { meetingId: 1, checkedInAt: 1 },
        ).lean<Pick<Attendance, "meetingId" | "checkedInAt">[]>();
  const byId = new Map(counting.map((m) => [m._id, m]));

  const fromStudies = confirmations.reduce((sum, c) => sum + c.hours, 0);
  let fromMeetings = 0;
  for (const attendance of attendances) {
    const meeting = byId.get(attendance.meetingId);
    if (!meeting || !attendance.checkedInAt) continue;
    if (DateTime.fromJSDate(attendance.checkedInAt, { zone: timeZone }).year !== year) continue;
    fromMeetings += meetingStudyHours(meeting.durationMin);
  }
  // Half-hour steps add up exactly in binary floating point.
  return { fromStudies, fromMeetings, total: fromStudies + fromMeetings, target: YEARLY_STUDY_HOURS_TARGET };
}

async function activeMember(models: StudyDeps, branchId: string, openId: string): Promise<MemberDoc | null> {
  const member = await models.Member.findOne({ branchId, openId }).lean<MemberDoc>();
  return member?.active ? member : null;
}

/**
 * `/我的`: open tasks in the member's scope they have not confirmed, nearest deadline first;
 * `overdue` once the deadline has passed (confirming is still possible).
 */
export async function openStudiesFor(
  models: StudyDeps,
  clock: Clock,
  { branchId, openId }: { branchId: string; openId: string },
): Promise<(StudyTask & { overdue: boolean })[]> {
  const member = await activeMember(models, branchId, openId);
  if (!member) return [];
  const open = await models.StudyTask.find({ branchId, status: "open" })
    .sort({ deadline: 1, seq: 1 })
    .lean<StudyTask[]>();
  const inScope = open.filter((study) => memberInStudyScope(member, study, clock.now()));
  if (inScope.length === 0) return [];
  const confirmed = await models.StudyConfirmation.find(
    { taskId: trusted({ $in: inScope.map((s) => s._id) }), openId },
    { taskId: 1 },
  ).lean<Pick<StudyConfirmation, "taskId">[]>();
  const done = new Set(confirmed.map((c) => c.taskId));
  const now = clock.now().getTime();
  return inScope
    .filter((study) => !done.has(study._id))
    .map((study) => ({ ...study, overdue: now > study.deadline.getTime() }));
}

/**
 * `/我的`: scheduled meetings in the member's scope that have not ended yet (upcoming, or under
 * way and still open for check-in), soonest first.
 */
export async function upcomingMeetingsFor(
  models: StudyDeps,
  clock: Clock,
  { branchId, openId }: { branchId: string; openId: string },
): Promise<Meeting[]> {
  const member = await activeMember(models, branchId, openId);
  if (!member) return [];
  // By {branchId} alone, the prefix of the meetings' {branchId, startAt} index; the rest in code.
  const meetings = await models.Meeting.find({ branchId }, { minutes: 0, record: 0 }).lean<Meeting[]>();
  const now = clock.now().getTime();
  return meetings
    .filter(
      (m) =>
        m.status === "scheduled" &&
        m.startAt.getTime() + m.durationMin * 60_000 > now &&
        memberInScope(member, m, clock.now()),
    )
    .sort((a, b) => a.startAt.getTime() - b.startAt.getTime() || a.seq - b.seq);
}
