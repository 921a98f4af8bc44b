import { DEFAULT_MEETING_MINUTES } from "../../config/meetings.js";
import { isDuplicateKeyError, trusted } from "../db/connection.js";
import type { Attendance } from "../db/models/attendance.js";
import type { Models } from "../db/models/index.js";
import type { Meeting } from "../db/models/meeting.js";
import {
  DEFAULT_TIME_ZONE,
  assertScheduled,
  formatMeetingTime,
  isCheckinOpen,
  meetingRoster,
  requireMeeting,
  type MemberDoc,
} from "./attendance.js";
import type { Clock } from "./clock.js";
import { UserError } from "./errors.js";
import { MEETING_TYPES, type MeetingTypeId } from "./meetingTypes.js";
import type { PersonRef } from "./people.js";
import { resolveMeetingPerson, type PersonChoice } from "./meetingPeople.js";
import { claimMeetingNumber, meetingLabel, parseMeetingNumber } from "./meetingNumbers.js";
import { insertWithShortId } from "./shortId.js";
import { standingRecord } from "./whoCounts.js";

// Answers and check-ins live in attendance.ts; callers may import everything from here.
export {
  DEFAULT_TIME_ZONE,
  LEAVE_REASON_MAX,
  checkIn,
  checkinWindow,
  describeScope,
  formatMeetingTime,
  isCheckinOpen,
  isInScope,
  meetingRoster,
  memberByName,
  pendingMembers,
  respond,
  scopeMembers,
  type CheckInInput,
  type MemberDoc,
  type RespondInput,
} from "./attendance.js";

export const MIN_DURATION_MIN = 10;
export const MAX_DURATION_MIN = 1440;
export const TITLE_MAX = 100;
export const PLACE_MAX = 100;
export const AGENDA_MAX = 2000;
export const MINUTES_MAX = 5000;

const length = (text: string) => [...text].length;

export interface CreateMeetingInput {
  branchId: string;
  chatId: string;
  type: MeetingTypeId;
  title: string;
  startAt: Date;
  durationMin?: number;
  place?: string;
  agenda?: string;
  /** Required for a 党小组会 (`group`), ignored for other types. */
  partyGroup?: string | null;
  /** 主持人 and 记录人: someone on the branch's roster (refused otherwise), or left open. */
  host?: PersonChoice;
  recorder?: PersonChoice;
  createdBy: string;
  /** The Lark message id of the command: a redelivery returns the meeting it already created. */
  sourceKey: string;
  /** For times in refusals. */
  timeZone?: string;
}

export async function createMeeting(
  models: Models,
  clock: Clock,
  input: CreateMeetingInput,
): Promise<{ meeting: Meeting; created: boolean }> {
  // A redelivered command answers with what it created, even if its start has passed since.
  const existing = await models.Meeting.findOne({ sourceKey: input.sourceKey }).lean<Meeting>();
  if (existing) return { meeting: existing, created: false };

  if (!MEETING_TYPES.some((t) => t.id === input.type)) throw new UserError(`未知的会议类型：${input.type}`);
  const title = input.title.trim();
  if (title === "") throw new UserError("会议标题不能为空");
  if (length(title) > TITLE_MAX) throw new UserError(`会议标题不能超过 ${TITLE_MAX} 字`);
  const startAt = input.startAt;
  if (!(startAt instanceof Date) || Number.isNaN(startAt.getTime())) throw new UserError("会议开始时间无效");
  if (startAt.getTime() < clock.now().getTime()) {
    const when = formatMeetingTime(startAt, input.timeZone ?? DEFAULT_TIME_ZONE);
    throw new UserError(`开始时间 ${when} 已经过去，请填写将来的时间`);
  }
  const durationMin = input.durationMin ?? DEFAULT_MEETING_MINUTES;
  if (!Number.isInteger(durationMin) || durationMin < MIN_DURATION_MIN || durationMin > MAX_DURATION_MIN) {
    throw new UserError(`会议时长须为 ${MIN_DURATION_MIN} 到 ${MAX_DURATION_MIN} 分钟之间的整数`);
  }
  const place = (input.place ?? "").trim();
  if (length(place) > PLACE_MAX) throw new UserError(`地点不能超过 ${PLACE_MAX} 字`);
  const agenda = (input.agenda ?? "").trim();
  if (length(agenda) > AGENDA_MAX) throw new UserError(`议程不能超过 ${AGENDA_MAX} 字`);

  let partyGroup: string | null = null;
  if (input.type === "group") {
    partyGroup = (input.partyGroup ?? "").trim();
    if (partyGroup === "") throw new UserError("党小组会需指定党小组，例如 党小组=第一党小组");
    const hasMembers = await models.Member.exists({ branchId: input.branchId, active: true, partyGroup });
    if (!hasMembers) throw new UserError(`本支部没有属于党小组「${partyGroup}」的在册党员`);
  }

  const host = await resolveMeetingPerson(models, input.branchId, "host", input.host ?? "none");
  const recorder = await resolveMeetingPerson(models, input.branchId, "recorder", input.recorder ?? "none");

  try {
    const number = await claimMeetingNumber(models, input.branchId, input.sourceKey);
    const meeting = await insertWithShortId<Meeting>(models.Meeting, "M", {
      branchId: input.branchId,
      number,
      chatId: input.chatId,
      type: input.type,
      title,
      startAt,
      durationMin,
      place,
      agenda,
      partyGroup,
      host,
      recorder,
      status: "scheduled",
      cardMessageId: null,
      createdBy: input.createdBy,
      sourceKey: input.sourceKey,
      // The injected clock, not the wall clock: reminders compare it with their due times.
      createdAt: clock.now(),
      minutes: "",
      record: null,
      closedAt: null,
      cancelledAt: null,
    });
    return { meeting, created: true };
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    // A concurrent delivery of the same command won the unique sourceKey.
    const winner = await models.Meeting.findOne({ sourceKey: input.sourceKey }).lean<Meeting>();
    if (!winner) throw error;
    return { meeting: winner, created: false };
  }
}

/** Remembers the message that shows the meeting card, so answers can refresh it. */
export async function setCardMessageId(models: Models, meetingId: string, messageId: string): Promise<void> {
  await models.Meeting.updateOne({ _id: meetingId }, { $set: { cardMessageId: messageId } });
}

/**
 * Scheduled meetings of every branch that start after `after` and no later than `until`,
 * earliest first: what the meeting jobs (reminders, check-in, close prompts) look at.
 */
export async function scheduledMeetingsStarting(
  models: Models,
  after: Date,
  until: Date,
): Promise<(Meeting & { createdAt?: Date })[]> {
  return models.Meeting.find({ status: "scheduled", startAt: trusted({ $gt: after, $lte: until }) })
    .sort({ startAt: 1 })
    .lean<(Meeting & { createdAt?: Date })[]>();
}

/** The meeting this branch numbers "M5" (another branch's M5 is not found). */
export async function findMeeting(models: Models, branchId: string, typed: string): Promise<Meeting | null> {
  const number = parseMeetingNumber(typed);
  if (number === null) return null;
  return models.Meeting.findOne({ branchId, number }).lean<Meeting>();
}

/**
 * Meetings of a branch for `/meeting list`: every still-scheduled meeting first, soonest first
 * (including ones that started but were never closed, so the secretary sees them), then closed
 * and cancelled ones, newest first, `limit` in all.
 */
export async function listMeetings(
  models: Models,
  branchId: string,
  { limit = 10 }: { limit?: number } = {},
): Promise<Meeting[]> {
  const open = await models.Meeting.find({ branchId, status: "scheduled" })
    .sort({ startAt: 1, seq: 1 })
    .limit(limit)
    .lean<Meeting[]>();
  if (open.length >= limit) return open;
  const past = await models.Meeting.find({ branchId, status: trusted({ $in: ["closed", "cancelled"] }) })
    .sort({ startAt: -1, seq: -1 })
    .limit(limit - open.length)
    .lean<Meeting[]>();
  return [...open, ...past];
}

/** Reloads a meeting whose compare-and-set lost, and refuses with its current state. */
async function refuseLostClaim(models: Models, meetingId: string, doing: string): Promise<never> {
  const current = await requireMeeting(models, meetingId);
  assertScheduled(current, doing);
  throw new Error(`meeting ${meetingId} changed concurrently`);
}

/** scheduled → cancelled. */
export async function cancelMeeting(models: Models, clock: Clock, meetingId: string): Promise<Meeting> {
  const meeting = await requireMeeting(models, meetingId);
  assertScheduled(meeting, "取消");
  const result = await models.Meeting.updateOne(
    { _id: meeting._id, status: "scheduled" },
    { $set: { status: "cancelled", cancelledAt: clock.now() } },
  );
  if (result.modifiedCount === 0) return refuseLostClaim(models, meeting._id, "取消");
  return requireMeeting(models, meeting._id);
}

/**
 * scheduled → closed, freezing the record: 应到 = the counted members at close time (正式 + 预备
 * in scope, not exempt or away); 实到 = of them, checked in; 请假 = answered 请假 and did not
 * check in; 缺席 = the rest of 应到. 列席 / 自愿参加 = activists and targets / exempt or away
 * members who checked in. `statuses` keeps each listed person's status and standing then.
 */
export async function closeMeeting(
  models: Models,
  clock: Clock,
  meetingId: string,
  minutes: string,
  timeZone = DEFAULT_TIME_ZONE,
): Promise<Meeting> {
  const meeting = await requireMeeting(models, meetingId);
  assertScheduled(meeting, "结束");
  const now = clock.now();
  if (now.getTime() < meeting.startAt.getTime()) {
    throw new UserError(
      `会议 ${meetingLabel(meeting)} 将于 ${formatMeetingTime(meeting.startAt, timeZone)} 开始，开始后才能结束`,
    );
  }
  const text = minutes.trim();
  if (length(text) > MINUTES_MAX) throw new UserError(`会议记录不能超过 ${MINUTES_MAX} 字`);

  const [roster, attendances] = await Promise.all([
    meetingRoster(models, meeting, now),
    attendancesOf(models, meeting),
  ]);
  const byOpenId = new Map(attendances.map((a) => [a.openId, a]));
  const expected = roster.expected.map((m) => m.openId);
  const came = (m: MemberDoc) => Boolean(byOpenId.get(m.openId)?.checkedInAt);
  const observers = roster.observers.filter(came);
  const voluntary = roster.voluntary.filter(came);
  const statuses = [
    ...roster.expected.map((m) => standingRecord(m, "expected", now)),
    ...observers.map((m) => standingRecord(m, "observer", now)),
    ...voluntary.map((m) => standingRecord(m, "voluntary", now)),
  ];
  const present = expected.filter((id) => byOpenId.get(id)?.checkedInAt);
  const leave = expected.filter(
    (id) => !byOpenId.get(id)?.checkedInAt && byOpenId.get(id)?.response === "leave",
  );
  const counted = new Set([...present, ...leave]);
  const absent = expected.filter((id) => !counted.has(id));

  const result = await models.Meeting.updateOne(
    { _id: meeting._id, status: "scheduled" },
    {
      $set: {
        status: "closed",
        closedAt: now,
        minutes: text,
        record: {
          expected,
          present,
          leave,
          absent,
          observers: observers.map((m) => m.openId),
          voluntary: voluntary.map((m) => m.openId),
          statuses,
        },
      },
    },
  );
  if (result.modifiedCount === 0) return refuseLostClaim(models, meeting._id, "结束");
  return requireMeeting(models, meeting._id);
}

function attendancesOf(models: Models, meeting: Meeting): Promise<Attendance[]> {
  return models.Attendance.find({ meetingId: meeting._id }).sort({ _id: 1 }).lean<Attendance[]>();
}

/** Names of these people in the branch (left members too, for frozen records); openId if unnamed. */
async function namesOf(
  models: Models,
  branchId: string,
  openIds: string[],
): Promise<(openId: string) => PersonRef> {
  if (openIds.length === 0) return (openId) => ({ openId, name: openId });
  const members = await models.Member.find(
    { branchId, openId: trusted({ $in: [...new Set(openIds)] }) },
    { openId: 1, name: 1 },
  ).lean<Pick<MemberDoc, "openId" | "name">[]>();
  const names = new Map(members.map((m) => [m.openId, m.name]));
  return (openId) => ({ openId, name: names.get(openId) || openId });
}

/** Who answered what: the live lists for an open meeting, the frozen record once closed. */
export interface MeetingAttendance {
  attending: PersonRef[];
  leave: (PersonRef & { reason: string })[];
  pending: PersonRef[];
  checkedIn: PersonRef[];
  /** 列席 (activists, targets) and 自愿参加 (exempt or away) who answered 参加 or checked in: not counted. */
  observers?: PersonRef[];
  voluntary?: PersonRef[];
  /** True from 30 minutes before the start until the end, while the meeting is open. */
  checkinOpen: boolean;
  record: {
    expected: PersonRef[];
    present: PersonRef[];
    leave: PersonRef[];
    absent: PersonRef[];
    observers?: PersonRef[];
    voluntary?: PersonRef[];
  } | null;
}

/**
 * The live lists cover the counted members (应到) only: 参加 = answered 参加 or checked in; 请假 = answered
 * 请假 and not checked in; 未回复 = neither; 已签到 in check-in order. For a closed meeting
 * `record` is the frozen one.
 */
export async function meetingAttendance(
  models: Models,
  clock: Clock,
  meeting: Meeting,
): Promise<MeetingAttendance> {
  const [roster, attendances] = await Promise.all([
    meetingRoster(models, meeting, clock.now()),
    attendancesOf(models, meeting),
  ]);
  const members = roster.expected;
  const byOpenId = new Map(attendances.map((a) => [a.openId, a]));
  const record = meeting.status === "closed" ? meeting.record : null;
  const recordIds = record
    ? [
        ...record.expected,
        ...record.present,
        ...record.leave,
        ...record.absent,
        ...(record.observers ?? []),
        ...(record.voluntary ?? []),
      ]
    : [];
  const person = await namesOf(models, meeting.branchId, recordIds);
  const memberRef = (m: MemberDoc): PersonRef => ({ openId: m.openId, name: m.name || m.openId });

  const attending: PersonRef[] = [];
  const leave: MeetingAttendance["leave"] = [];
  const pending: PersonRef[] = [];
  const checkedIn: { ref: PersonRef; at: number }[] = [];
  for (const member of members) {
    const answer = byOpenId.get(member.openId);
    const ref = memberRef(member);
    if (answer?.checkedInAt) checkedIn.push({ ref, at: answer.checkedInAt.getTime() });
    if (answer?.checkedInAt || answer?.response === "attend") attending.push(ref);
    else if (answer?.response === "leave") leave.push({ ...ref, reason: answer.reason ?? "" });
    else pending.push(ref);
  }

  const joined = (m: MemberDoc) => {
    const answer = byOpenId.get(m.openId);
    return Boolean(answer?.checkedInAt) || answer?.response === "attend";
  };

  return {
    attending,
    leave,
    pending,
    checkedIn: checkedIn.sort((a, b) => a.at - b.at).map((c) => c.ref),
    observers: roster.observers.filter(joined).map(memberRef),
    voluntary: roster.voluntary.filter(joined).map(memberRef),
    checkinOpen: isCheckinOpen(meeting, clock.now()),
    record: record
      ? {
          expected: record.expected.map(person),
          present: record.present.map(person),
          leave: record.leave.map(person),
          absent: record.absent.map(person),
          observers: (record.observers ?? []).map(person),
          voluntary: (record.voluntary ?? []).map(person),
        }
      : null,
  };
}
