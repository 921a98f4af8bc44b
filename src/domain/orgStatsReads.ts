import type { PipelineStage } from "mongoose";
import { MEETING_TYPES_COUNTING_AS_STUDY } from "../../config/study.js";
import type { MemberStatus } from "../db/models/member.js";
import { STUDY_STATUSES } from "../db/models/study.js";
import type { Models } from "../db/models/index.js";
import type { Period } from "./period.js";
import { monthOfStart, sizeOf } from "./stats.js";
import { meetingStudyHours } from "./studyHours.js";

/**
 * The roll-up's reads (orgStats.ts): each groups in the database over all the branches at once
 * (or those of `ids`), so their number does not grow with the branches.
 */

export type OrgStatsModels = Pick<
  Models,
  "Branch" | "Meeting" | "Due" | "Member" | "StudyTask" | "StudyConfirmation" | "Attendance" | "Development"
>;

const DAY_MS = 24 * 3600_000;

/** The stages selecting meetings of the branches (all when `ids` is null) started in a period. */
export function meetingsStages(
  ids: string[] | null,
  period: Period,
  extra: Record<string, unknown>,
): PipelineStage[] {
  // {branchId $in} alone uses the {branchId, startAt} index on the local server; the rest after.
  const range = { startAt: { $gte: period.start, $lt: period.end }, ...extra };
  return ids === null ? [{ $match: range }] : [{ $match: { branchId: { $in: ids } } }, { $match: range }];
}

export interface MeetingGroup {
  _id: { branchId: string; type: string; month: string; closed: boolean; started: boolean };
  held: number;
  expected: number;
  present: number;
}

export function meetingGroups(
  models: OrgStatsModels,
  ids: string[] | null,
  period: Period,
  now: Date,
  tz: string,
) {
  // A scheduled meeting counts once its start has passed; the rest is dropped by the caller.
  return models.Meeting.aggregate<MeetingGroup>([
    // Closed meetings, and scheduled ones whose start has passed (held, not closed yet).
    ...meetingsStages(ids, period, { status: { $in: ["closed", "scheduled"] } }),
    {
      $project: {
        branchId: 1,
        type: 1,
        closed: { $eq: ["$status", "closed"] },
        started: { $lt: ["$startAt", now] },
        month: monthOfStart(period, tz),
        expected: sizeOf("expected"),
        present: sizeOf("present"),
      },
    },
    {
      $group: {
        _id: {
          branchId: "$branchId",
          type: "$type",
          month: "$month",
          closed: "$closed",
          started: "$started",
        },
        held: { $sum: 1 },
        expected: { $sum: "$expected" },
        present: { $sum: "$present" },
      },
    },
  ]);
}

/** 集中学时 per branch: check-ins at 党课 / 主题党日 (not cancelled) started in the period. */
export async function meetingHours(models: OrgStatsModels, ids: string[] | null, period: Period) {
  const meetings = await models.Meeting.aggregate<{ _id: string; branchId: string; durationMin: number }>([
    ...meetingsStages(ids, period, {
      type: { $in: [...MEETING_TYPES_COUNTING_AS_STUDY] },
      status: { $in: ["closed", "scheduled"] },
    }),
    { $project: { branchId: 1, durationMin: 1 } },
  ]);
  const hours = new Map<string, number>();
  if (meetings.length === 0) return hours;
  // Check-ins of the branches since the period began, joined to its meetings here: a long
  // `meetingId $in` costs the local server a probe per id against every record (quadratic).
  const checkIns = await models.Attendance.aggregate<{ _id: string; n: number }>([
    ...(ids === null ? [] : [{ $match: { branchId: { $in: ids } } }]),
    { $match: { checkedInAt: { $gte: new Date(period.start.getTime() - DAY_MS) } } },
    { $group: { _id: "$meetingId", n: { $sum: 1 } } },
  ]);
  const checkedIn = new Map(checkIns.map((c) => [c._id, c.n]));
  for (const m of meetings) {
    const h = (checkedIn.get(m._id) ?? 0) * meetingStudyHours(m.durationMin);
    hours.set(m.branchId, (hours.get(m.branchId) ?? 0) + h);
  }
  return hours;
}

/** Study per branch: frozen tasks' completion; 自学 hours of every task due in the period. */
export async function studyOf(models: OrgStatsModels, ids: string[] | null, period: Period) {
  const tasks = await models.StudyTask.aggregate<{ _id: string; branchId: string; scope: number | null }>([
    ...(ids === null ? [] : [{ $match: { branchId: { $in: ids } } }]),
    { $match: { status: { $in: [...STUDY_STATUSES] }, deadline: { $gte: period.start, $lt: period.end } } },
    {
      $project: {
        branchId: 1,
        // The frozen scope's size; null while the task is not frozen (still open).
        scope: {
          $cond: [{ $eq: [{ $ifNull: ["$expected", null] }, null] }, null, { $size: "$expected" }],
        },
      },
    },
  ]);
  const byBranch = new Map<string, { tasks: number; expected: number; confirmed: number; hours: number }>();
  if (tasks.length === 0) return byBranch;
  // Confirmations of the branches from the year before the period on (a task may be confirmed
  // early or late), joined to its tasks here rather than by a long `taskId $in` (see above).
  const confirmations = await models.StudyConfirmation.aggregate<{ _id: string; n: number; hours: number }>([
    ...(ids === null ? [] : [{ $match: { branchId: { $in: ids } } }]),
    { $match: { year: { $gte: period.start.getUTCFullYear() - 1 } } },
    { $group: { _id: "$taskId", n: { $sum: 1 }, hours: { $sum: "$hours" } } },
  ]);
  const confirmed = new Map(confirmations.map((c) => [c._id, c]));
  for (const task of tasks) {
    const acc = byBranch.get(task.branchId) ?? { tasks: 0, expected: 0, confirmed: 0, hours: 0 };
    const c = confirmed.get(task._id);
    acc.hours += c?.hours ?? 0;
    if (task.scope !== null) {
      acc.tasks += 1;
      acc.expected += Math.max(task.scope, c?.n ?? 0);
      acc.confirmed += c?.n ?? 0;
    }
    byBranch.set(task.branchId, acc);
  }
  return byBranch;
}

export function membersOf(models: OrgStatsModels, ids: string[] | null) {
  return models.Member.aggregate<{ _id: { branchId: string; status: MemberStatus }; n: number }>([
    ...(ids === null ? [] : [{ $match: { branchId: { $in: ids } } }]),
    // Someone transferred out is on the roll until the 回执 but no longer counted (whoCounts.ts).
    { $match: { active: true, transferOut: null } },
    // A document written before statuses existed is a 正式党员 (whoCounts.ts statusOf).
    { $group: { _id: { branchId: "$branchId", status: { $ifNull: ["$status", "full"] } }, n: { $sum: 1 } } },
  ]);
}

/** The reasons a branch needs attention (config/statistics.ts sets the thresholds). */
