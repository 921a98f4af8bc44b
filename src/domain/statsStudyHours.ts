import {
  MEETING_TYPES_COUNTING_AS_STUDY,
  SELF_STUDY_COUNTS_TOWARD_TARGET,
  YEARLY_STUDY_HOURS_TARGET,
} from "../../config/study.js";
import type { Models } from "../db/models/index.js";
import type { Member } from "../db/models/member.js";
import type { Period } from "./period.js";
import { trusted } from "../db/connection.js";
import { countedInStudy } from "./study.js";
import { meetingStudyHours } from "./studyHours.js";

/**
 * 学时 of a branch over a period, by the rules of studyHours.ts (`/我的`): 集中学习 = each
 * check-in at a meeting of a type in MEETING_TYPES_COUNTING_AS_STUDY (党课, 主题党日; not
 * cancelled) that started in the period, its duration rounded down to half hours; 自学 = the
 * hours of confirmations of the study tasks due in the period. Per member against the yearly
 * target (YEARLY_STUDY_HOURS_TARGET), what counts toward it first (集中, plus 自学 where
 * config/study.ts says), lowest first: every member counted now (Party members not exempt or
 * away), and anyone else with hours.
 */

export type StudyHoursModels = Pick<Models, "Meeting" | "Attendance" | "StudyConfirmation" | "Member">;

export interface MemberStudyHours {
  openId: string;
  name: string;
  /** 集中学习: checked-in 党课 / 主题党日 hours. */
  fromMeetings: number;
  /** 自学: confirmed study tasks' hours. */
  fromStudies: number;
  /** What counts toward the target. */
  towardTarget: number;
}

export interface BranchStudyHours {
  fromMeetings: number;
  fromStudies: number;
  total: number;
  target: number;
  /** Lowest towardTarget first; ties: lowest total, then by name. */
  members: MemberStudyHours[];
}

const COUNTING_TYPES: readonly string[] = MEETING_TYPES_COUNTING_AS_STUDY;

export async function branchStudyHours(
  models: StudyHoursModels,
  branchId: string,
  period: Period,
  taskIds: readonly string[],
  now: Date,
): Promise<BranchStudyHours> {
  // Meetings by {branchId} alone (the prefix of its index); types, status and start in code.
  const [meetings, roster, studies] = await Promise.all([
    models.Meeting.find({ branchId }, { type: 1, status: 1, durationMin: 1, startAt: 1 }).lean<
      { _id: string; type: string; status: string; durationMin: number; startAt: Date }[]
    >(),
    models.Member.find(
      { branchId, active: true },
      { openId: 1, name: 1, active: 1, role: 1, partyGroup: 1, status: 1, exemptions: 1, transferOut: 1 },
    ).lean<
      (Pick<Member, "active" | "role" | "partyGroup" | "status" | "exemptions" | "transferOut"> & {
        openId: string;
        name: string;
      })[]
    >(),
    taskIds.length === 0
      ? Promise.resolve([])
      : models.StudyConfirmation.aggregate<{ _id: string; hours: number }>([
          { $match: { taskId: { $in: [...taskIds] } } },
          { $group: { _id: "$openId", hours: { $sum: "$hours" } } },
        ]),
  ]);
  const counting = meetings.filter(
    (m) =>
      COUNTING_TYPES.includes(m.type) &&
      m.status !== "cancelled" &&
      m.startAt >= period.start &&
      m.startAt < period.end,
  );
  const hoursOf = new Map(counting.map((m) => [m._id, meetingStudyHours(m.durationMin)]));
  const attended =
    counting.length === 0
      ? []
      : await models.Attendance.aggregate<{ _id: string; meetingIds: string[] }>([
          { $match: { meetingId: { $in: counting.map((m) => m._id) }, checkedInAt: { $ne: null } } },
          { $group: { _id: "$openId", meetingIds: { $push: "$meetingId" } } },
        ]);

  const rows = new Map<string, MemberStudyHours>();
  const row = (openId: string) => {
    let r = rows.get(openId);
    if (!r) {
      r = { openId, name: openId, fromMeetings: 0, fromStudies: 0, towardTarget: 0 };
      rows.set(openId, r);
    }
    return r;
  };
  const at = now < period.end ? now : new Date(period.end.getTime() - 1);
  for (const member of roster) {
    if (countedInStudy(member, { scope: "branch", partyGroup: null }, at)) row(member.openId);
  }
  for (const a of attended)
    row(a._id).fromMeetings = a.meetingIds.reduce((s, id) => s + (hoursOf.get(id) ?? 0), 0);
  for (const s of studies) row(s._id).fromStudies = s.hours;

  const names = new Map(roster.map((m) => [m.openId, m.name]));
  const missing = [...rows.keys()].filter((id) => !names.has(id));
  if (missing.length > 0) {
    const others = await models.Member.find(
      { branchId, openId: trusted({ $in: missing }) },
      { openId: 1, name: 1 },
    ).lean<{ openId: string; name: string }[]>();
    for (const m of others) names.set(m.openId, m.name);
  }
  const members = [...rows.values()]
    .map((r) => ({
      ...r,
      name: names.get(r.openId) || r.openId,
      towardTarget: r.fromMeetings + (SELF_STUDY_COUNTS_TOWARD_TARGET ? r.fromStudies : 0),
    }))
    .sort(
      (a, b) =>
        a.towardTarget - b.towardTarget ||
        a.fromMeetings + a.fromStudies - (b.fromMeetings + b.fromStudies) ||
        a.name.localeCompare(b.name, "zh"),
    );
  const fromMeetings = attended.reduce(
    (sum, a) => sum + a.meetingIds.reduce((s, id) => s + (hoursOf.get(id) ?? 0), 0),
    0,
  );
  const fromStudies = studies.reduce((sum, s) => sum + s.hours, 0);
  return {
    fromMeetings,
    fromStudies,
    total: fromMeetings + fromStudies,
    target: YEARLY_STUDY_HOURS_TARGET,
    members,
  };
}
