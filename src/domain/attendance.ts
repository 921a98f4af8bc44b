import { DateTime } from "luxon";
import { CHECKIN_OPENS_MINUTES_BEFORE } from "../../config/meetings.js";
import { isDuplicateKeyError } from "../db/connection.js";
import type { Attendance, RsvpResponse } from "../db/models/attendance.js";
import type { Models } from "../db/models/index.js";
import type { Meeting } from "../db/models/meeting.js";
import type { Member } from "../db/models/member.js";
import type { Clock } from "./clock.js";
import { UserError } from "./errors.js";
import { meetingLabel } from "./meetingNumbers.js";
import { sharedRead } from "./sharedRead.js";
import { meetingStanding } from "./whoCounts.js";

/**
 * Who is expected at a meeting, answers (参加 / 请假) and check-ins (签到).
 *
 * Every write is one single-document atomic operation; the unique index on (meetingId, openId)
 * makes a double click or a concurrent duplicate one record.
 *
 * Decisions:
 * - 参加 / 请假 may be answered (and changed, latest wins) while the meeting is `scheduled`, even
 *   after it started: a late 请假 is still worth recording until the secretary closes it.
 * - A check-in is the stronger fact: whoever checked in counts as present, whatever they answered.
 *   A check-in sets `response: "attend"` only when there was no answer yet (an earlier 请假 and its
 *   reason stay stored as said); after checking in, 请假 is refused. `respondedAt` is the time of an
 *   explicit answer, so it stays null for someone who only checked in.
 * - The check-in window is [startAt − 30 min, startAt + durationMin): open at exactly 30 minutes
 *   before, closed at exactly the end.
 */

export const DEFAULT_TIME_ZONE = "Asia/Shanghai";
export const LEAVE_REASON_MAX = 200;

export type MemberDoc = Member & { _id: unknown };

/** "11月24日 14:30" in the given zone. */
export function formatMeetingTime(date: Date, timeZone = DEFAULT_TIME_ZONE): string {
  return DateTime.fromJSDate(date, { zone: timeZone }).toFormat("M月d日 HH:mm");
}

export function checkinWindow(meeting: Pick<Meeting, "startAt" | "durationMin">): {
  opensAt: Date;
  endsAt: Date;
} {
  const start = meeting.startAt.getTime();
  return {
    opensAt: new Date(start - CHECKIN_OPENS_MINUTES_BEFORE * 60_000),
    endsAt: new Date(start + meeting.durationMin * 60_000),
  };
}

/** True while the meeting is scheduled and `now` is inside the check-in window. */
export function isCheckinOpen(
  meeting: Pick<Meeting, "startAt" | "durationMin" | "status">,
  now: Date,
): boolean {
  if (meeting.status !== "scheduled") return false;
  const { opensAt, endsAt } = checkinWindow(meeting);
  return now.getTime() >= opensAt.getTime() && now.getTime() < endsAt.getTime();
}

/**
 * Whether a person may answer and check in: counted (应到), 列席 or 自愿参加 (whoCounts.ts
 * `meetingStanding`). Checked in code after an exact-index lookup: the local server uses an index
 * only when every queried field is in it.
 */
export function memberInScope(
  member: Parameters<typeof meetingStanding>[0],
  meeting: Pick<Meeting, "type" | "partyGroup">,
  at: Date,
): boolean {
  return meetingStanding(member, meeting, at) !== "none";
}

/** "（仅限支委）": what the scope is, for refusals. */
export function describeScope(meeting: Pick<Meeting, "type" | "partyGroup">): string {
  if (meeting.type === "committee") return "仅限书记和支委";
  if (meeting.type === "group") return `仅限党小组「${meeting.partyGroup ?? ""}」的党员`;
  return "仅限本支部在册党员（入党积极分子、发展对象可列席）";
}

/** Who stands how to a meeting at `at`, in roster order: 应到, 列席 and 自愿参加. */
export interface MeetingRoster {
  expected: MemberDoc[];
  observers: MemberDoc[];
  voluntary: MemberDoc[];
}

export async function meetingRoster(
  models: Models,
  meeting: Pick<Meeting, "branchId" | "type" | "partyGroup">,
  at: Date,
): Promise<MeetingRoster> {
  const active = await models.Member.find({ branchId: meeting.branchId, active: true })
    .sort({ _id: 1 })
    .lean<MemberDoc[]>();
  const roster: MeetingRoster = { expected: [], observers: [], voluntary: [] };
  for (const member of active) {
    const standing = meetingStanding(member, meeting, at);
    if (standing === "expected") roster.expected.push(member);
    else if (standing === "observer") roster.observers.push(member);
    else if (standing === "voluntary") roster.voluntary.push(member);
  }
  return roster;
}

/**
 * The members counted in 应到 at `at` (正式 + 预备 in scope, not exempt or away), in roster order.
 * Callers with a clock pass its time; without one, exemption periods are read at the present.
 */
export async function scopeMembers(
  models: Models,
  meeting: Pick<Meeting, "branchId" | "type" | "partyGroup">,
  at: Date = new Date(),
): Promise<MemberDoc[]> {
  return (await meetingRoster(models, meeting, at)).expected;
}

/** May answer and check in (counted, 列席 or 自愿参加). */
export async function isInScope(
  models: Models,
  meeting: Pick<Meeting, "branchId" | "type" | "partyGroup">,
  openId: string,
  at: Date,
): Promise<boolean> {
  const roster = await sharedRead(models, `roster:${meeting.branchId}`, () =>
    models.Member.find({ branchId: meeting.branchId, active: true }).lean<Member[]>(),
  );
  return memberInScope(roster.find((member) => member.openId === openId) ?? null, meeting, at);
}

export async function requireMeeting(models: Models, meetingId: string): Promise<Meeting> {
  const meeting = await sharedRead(models, `meeting:${meetingId}`, () =>
    models.Meeting.findById(meetingId).lean<Meeting>(),
  );
  if (!meeting) throw new UserError(`未找到会议 ${meetingId}`);
  return meeting;
}

/** Refuses anything but a scheduled meeting, saying whether it was cancelled or closed. */
export function assertScheduled(meeting: Meeting, doing: string): void {
  if (meeting.status === "cancelled")
    throw new UserError(`会议 ${meetingLabel(meeting)} 已取消，不能再${doing}`);
  if (meeting.status === "closed")
    throw new UserError(`会议 ${meetingLabel(meeting)} 已结束，不能再${doing}`);
}

async function assertInScope(models: Models, meeting: Meeting, openId: string, at: Date): Promise<void> {
  if (!(await isInScope(models, meeting, openId, at))) {
    throw new UserError(`你不在本次会议的范围内（${describeScope(meeting)}），无需回复或签到`);
  }
}

export interface RespondInput {
  meetingId: string;
  openId: string;
  response: RsvpResponse;
  reason?: string;
}

/** Records 参加 / 请假; the latest answer wins. `changed` is false when nothing new was said. */
export async function respond(
  models: Models,
  clock: Clock,
  input: RespondInput,
): Promise<{ changed: boolean; meeting: Meeting }> {
  const { openId, response } = input;
  if (response !== "attend" && response !== "leave") throw new Error(`unknown response ${String(response)}`);
  const meeting = await requireMeeting(models, input.meetingId);
  assertScheduled(meeting, "回复");
  const reason = response === "leave" ? (input.reason ?? "").trim() : "";
  if (response === "leave" && reason === "") throw new UserError("请假需填写事由");
  if ([...reason].length > LEAVE_REASON_MAX) throw new UserError(`请假事由不能超过 ${LEAVE_REASON_MAX} 字`);
  await assertInScope(models, meeting, openId, clock.now());

  const key = { meetingId: meeting._id, openId };
  const fields = { response, reason, respondedAt: clock.now() };
  // Most answers are first answers: one insert, and the unique (meetingId, openId) index turns
  // a double click into a duplicate-key error instead of a second record.
  try {
    await models.Attendance.create({ ...key, branchId: meeting.branchId, ...fields });
    return { changed: true, meeting };
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
  // Queries go by the unique key alone, so they stay on its index on both servers.
  const existing = await models.Attendance.findOne(key).lean<Attendance>();
  if (response === "leave" && existing?.checkedInAt) throw new UserError("你已签到，不能再请假");
  if (existing?.response === response && existing.reason === reason) return { changed: false, meeting };
  // A different answer: the latest wins.
  await models.Attendance.updateOne(key, { $set: fields });
  return { changed: true, meeting };
}

export interface CheckInInput {
  meetingId: string;
  openId: string;
  /** Who checked them in: themselves, or a secretary. */
  by: string;
  timeZone?: string;
}

/** 签到 once: a second check-in keeps the first time and returns `already: true`. */
export async function checkIn(
  models: Models,
  clock: Clock,
  input: CheckInInput,
): Promise<{ already: boolean; meeting: Meeting }> {
  const timeZone = input.timeZone ?? DEFAULT_TIME_ZONE;
  const meeting = await requireMeeting(models, input.meetingId);
  assertScheduled(meeting, "签到");
  const now = clock.now();
  const { opensAt, endsAt } = checkinWindow(meeting);
  if (now.getTime() < opensAt.getTime()) {
    throw new UserError(`签到尚未开始，将于 ${formatMeetingTime(opensAt, timeZone)} 开放`);
  }
  if (now.getTime() >= endsAt.getTime()) {
    throw new UserError(`会议已于 ${formatMeetingTime(endsAt, timeZone)} 结束，签到已关闭`);
  }
  await assertInScope(models, meeting, input.openId, now);

  const key = { meetingId: meeting._id, openId: input.openId };
  const notYet = { ...key, checkedInAt: null };
  const set = { $set: { checkedInAt: now, checkedInBy: input.by } };
  let already = false;
  const first = await models.Attendance.updateOne(notYet, set);
  if (first.modifiedCount === 0) {
    try {
      await models.Attendance.create({
        ...key,
        branchId: meeting.branchId,
        response: "attend",
        checkedInAt: now,
        checkedInBy: input.by,
      });
      return { already: false, meeting };
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const retry = await models.Attendance.updateOne(notYet, set);
      already = retry.modifiedCount === 0;
    }
  }
  // Checking in without having answered counts as 参加.
  if (!already)
    await models.Attendance.updateOne({ ...key, response: null }, { $set: { response: "attend" } });
  return { already, meeting };
}

/** Counted members (应到) who neither answered nor checked in: whom a reminder mentions. */
export async function pendingMembers(
  models: Models,
  meeting: Meeting,
  at: Date = new Date(),
): Promise<MemberDoc[]> {
  const [members, answered] = await Promise.all([
    scopeMembers(models, meeting, at),
    models.Attendance.find({ meetingId: meeting._id }, { openId: 1, response: 1, checkedInAt: 1 }).lean<
      Attendance[]
    >(),
  ]);
  const done = new Set(answered.filter((a) => a.response || a.checkedInAt).map((a) => a.openId));
  return members.filter((m) => !done.has(m.openId));
}

// 代签 names someone on no chat: the roster's one lookup by name (and its refusals) serves it.
export { memberByName } from "./roster.js";
