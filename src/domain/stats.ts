import type { PipelineStage } from "mongoose";
import { MEETING_TYPES } from "../../config/meetings.js";
import type { Models } from "../db/models/index.js";
import { STUDY_STATUSES, type StudyTask } from "../db/models/study.js";
import { branchCompliance, closedMeetingsStages, type Compliance } from "./compliance.js";
import type { MeetingTypeId } from "./meetingTypes.js";
import { DEFAULT_TIME_ZONE } from "./attendance.js";
import { parsePeriod, type Period } from "./period.js";
import { trusted } from "../db/connection.js";
import type { Member } from "../db/models/member.js";
import { branchStudyHours, type BranchStudyHours } from "./statsStudyHours.js";
import { countedInStudy, freezeStudyScope, studyShouldFreeze } from "./study.js";

/**
 * Statistics of a branch, and of many branches side by side, over a period.
 *
 * Everything is counted in the database: each query returns summary rows (per type and month,
 * per member, per task, per month, per branch), never the documents themselves.
 *
 * Definitions:
 * - Participation comes from the frozen `record` (its 应到 holds counted members only; 列席 and
 *   自愿参加 are not in it) of CLOSED meetings that started in the period:
 *   expected = Σ |应到|, present = Σ |实到|, rate = present / expected (0 when nothing was
 *   expected). Per member: the meetings they were expected at and, of those, the ones they were
 *   present at; members who have left since are still listed (the records are history).
 * - Study: the tasks (open or closed) whose deadline falls in the period. A task closed or past
 *   its deadline has its scope frozen (`expected`, like a meeting's 应到: the members counted —
 *   Party members not exempt or away, whoCounts.ts — at its close or deadline, whichever came
 *   first), so a closed period never changes when members leave; an open task before its
 *   deadline counts the members now active and counted at its deadline. expected = Σ max(that
 *   scope, the task's confirmations), so a confirmer from outside the scope does not push the
 *   rate above 1; confirmed = confirmations of
 *   those tasks, late ones included; hoursTotal = Σ hours credited by them; members = how many
 *   distinct members confirmed at least one.
 * - Dues: the monthly dues of the period's months. total / paid count records (a 免交 zero due is
 *   created paid, so it counts as paid); rate = paid / total (0 with none); collectedFen = Σ
 *   paidFen of paid ones; outstandingFen = Σ amountFen of unpaid and pending ones. `members`
 *   counts heads: members owing something above zero (due), of them those with all of it paid
 *   (paid) or not (owing), and members whose every due is zero (waived, 免交) apart; its rate is
 *   null when nothing is due. The roll-up's duesRate is that head-count rate.
 */

export type StatsModels = Pick<
  Models,
  "Meeting" | "Member" | "StudyTask" | "StudyConfirmation" | "Due" | "Attendance"
>;

export interface TypeParticipation {
  type: MeetingTypeId;
  zh: string;
  meetings: number;
  expected: number;
  present: number;
  rate: number;
}

export interface MemberParticipation {
  openId: string;
  /** The member's name, or the openId when unknown or unnamed. */
  name: string;
  expected: number;
  present: number;
  rate: number;
}

export interface MonthParticipation {
  /** "YYYY-MM". */
  month: string;
  meetings: number;
  expected: number;
  present: number;
  rate: number;
}

export interface StudyStats {
  tasks: number;
  expected: number;
  confirmed: number;
  completionRate: number;
  hoursTotal: number;
  members: number;
}

export interface DuesMonthStats {
  month: string;
  total: number;
  paid: number;
  rate: number;
  collectedFen: number;
  outstandingFen: number;
}

/** Head-counts of the period's dues: members, not member-months; 免交 (a zero due) apart. */
export interface DuesMembers {
  /** Members with at least one due above zero in the period. */
  due: number;
  /** Of those, members with every such due paid. */
  paid: number;
  /** Members with at least one due above zero not paid (unpaid or pending). */
  owing: number;
  /** Members whose every due of the period is zero (免交, or 减交 to 0). */
  waived: number;
  /** paid / due, null when nobody owes anything in the period (shown as "—"). */
  rate: number | null;
}

export interface DuesStats {
  /** Every month of the period, zeros included. */
  months: DuesMonthStats[];
  /** Member-months, a 免交 zero due counted as paid. */
  total: number;
  paid: number;
  rate: number;
  collectedFen: number;
  outstandingFen: number;
  members: DuesMembers;
}

export interface BranchStats {
  period: Period;
  compliance: Compliance;
  /** Types with at least one closed meeting, in config order. */
  participationByType: TypeParticipation[];
  /** Lowest rate first; ties: more meetings expected first, then by name. */
  participationByMember: MemberParticipation[];
  /** Every month of the period, zeros included. */
  participationByMonth: MonthParticipation[];
  study: StudyStats;
  /** 学时: 集中学习 (党课, 主题党日 check-ins) and 自学 (study tasks), per member (statsStudyHours.ts). */
  studyHours: BranchStudyHours;
  dues: DuesStats;
}

/** n / d, 0 when d is 0. */
export const ratio = (n: number, d: number) => (d === 0 ? 0 : n / d);

/** `{$size: record.<field>}`, 0 when the record or the list is missing. */
export const sizeOf = (field: string) => ({ $size: { $ifNull: [`$record.${field}`, []] } });

/**
 * The local month ("YYYY-MM") of `startAt`, computed in the database by comparing with the
 * local starts of the period's months (so the server needs no time-zone support). Only
 * meaningful for meetings already matched to [start, end).
 */
export function monthOfStart(period: Period, timeZone: string): unknown {
  const months = period.months;
  if (months.length === 1) return months[0];
  return {
    $switch: {
      branches: months.slice(0, -1).map((month, i) => ({
        case: { $lt: ["$startAt", parsePeriod(months[i + 1]!, timeZone)!.start] },
        then: month,
      })),
      default: months[months.length - 1],
    },
  };
}

interface TypeMonthGroup {
  _id: { type: string; month: string };
  meetings: number;
  expected: number;
  present: number;
}

/** Closed meetings of a branch in the period, counted per type and month. */
function meetingsByTypeAndMonth(models: StatsModels, branchId: string, period: Period, timeZone: string) {
  const pipeline: PipelineStage[] = [
    ...closedMeetingsStages(branchId, period),
    {
      $project: {
        type: 1,
        month: monthOfStart(period, timeZone),
        expected: sizeOf("expected"),
        present: sizeOf("present"),
      },
    },
    {
      $group: {
        _id: { type: "$type", month: "$month" },
        meetings: { $sum: 1 },
        expected: { $sum: "$expected" },
        present: { $sum: "$present" },
      },
    },
  ];
  return models.Meeting.aggregate<TypeMonthGroup>(pipeline);
}

/** Per member: meetings expected at and present at (present ⊆ expected in a frozen record). */
function meetingsByMember(models: StatsModels, branchId: string, period: Period) {
  return models.Meeting.aggregate<{ _id: string; expected: number; present: number }>([
    ...closedMeetingsStages(branchId, period),
    { $project: { expected: "$record.expected", present: "$record.present" } },
    { $unwind: "$expected" },
    {
      $group: {
        _id: "$expected",
        expected: { $sum: 1 },
        present: { $sum: { $cond: [{ $in: ["$expected", { $ifNull: ["$present", []] }] }, 1, 0] } },
      },
    },
  ]);
}

async function memberNames(models: StatsModels, branchId: string, openIds: string[]) {
  if (openIds.length === 0) return new Map<string, string>();
  const members = await models.Member.find(
    { branchId, openId: trusted({ $in: openIds }) },
    { openId: 1, name: 1 },
  ).lean<{ openId: string; name: string }[]>();
  return new Map(members.map((m) => [m.openId, m.name]));
}

type StudyTaskRow = Pick<StudyTask, "_id" | "scope" | "partyGroup" | "deadline" | "status" | "closedAt"> & {
  expected: string[] | null;
};

async function studyStats(
  models: StatsModels,
  branchId: string,
  period: Period,
  now: Date,
): Promise<{ stats: StudyStats; taskIds: string[] }> {
  const [tasks, roster] = await Promise.all([
    // {branchId, status $in} alone uses the {branchId, status, deadline} index on the local
    // server (a range beside it does not); the deadline is a second $match.
    models.StudyTask.aggregate<StudyTaskRow>([
      { $match: { branchId, status: { $in: [...STUDY_STATUSES] } } },
      { $match: { deadline: { $gte: period.start, $lt: period.end } } },
      { $project: { scope: 1, partyGroup: 1, deadline: 1, status: 1, closedAt: 1, expected: 1 } },
    ]),
    // Active members with what decides whether a task counts them (whoCounts.ts).
    models.Member.find(
      { branchId, active: true },
      { openId: 1, active: 1, role: 1, partyGroup: 1, status: 1, exemptions: 1, transferOut: 1 },
    ).lean<
      (Pick<Member, "active" | "role" | "partyGroup" | "status" | "exemptions" | "transferOut"> & {
        openId: string;
      })[]
    >(),
  ]);
  if (tasks.length === 0)
    return {
      stats: { tasks: 0, expected: 0, confirmed: 0, completionRate: 0, hoursTotal: 0, members: 0 },
      taskIds: [],
    };

  const taskIds = tasks.map((t) => t._id);
  // By taskId alone: the {taskId, openId} index covers it.
  const [perTask, perMember] = await Promise.all([
    models.StudyConfirmation.aggregate<{ _id: string; confirmed: number; hours: number }>([
      { $match: { taskId: { $in: taskIds } } },
      { $group: { _id: "$taskId", confirmed: { $sum: 1 }, hours: { $sum: "$hours" } } },
    ]),
    models.StudyConfirmation.aggregate<{ members: number }>([
      { $match: { taskId: { $in: taskIds } } },
      { $group: { _id: "$openId" } },
      { $group: { _id: null, members: { $sum: 1 } } },
    ]),
  ]);
  const byTask = new Map(perTask.map((t) => [t._id, t]));

  let expected = 0;
  let confirmed = 0;
  let hoursTotal = 0;
  for (const task of tasks) {
    const row = byTask.get(task._id);
    // A closed task, or one past its deadline, counts the scope as it was (frozen once, here if
    // nothing froze it before); an open one the members counted now at its deadline.
    const frozen =
      task.expected ?? (studyShouldFreeze(task, now) ? await freezeStudyScope(models, task, roster) : null);
    const scope =
      frozen?.length ?? roster.filter((member) => countedInStudy(member, task, task.deadline)).length;
    // Someone who confirmed from outside the scope (away, say) does not push the rate above 1.
    expected += Math.max(scope, row?.confirmed ?? 0);
    confirmed += row?.confirmed ?? 0;
    hoursTotal += row?.hours ?? 0;
  }
  return {
    stats: {
      tasks: tasks.length,
      expected,
      confirmed,
      completionRate: ratio(confirmed, expected),
      hoursTotal,
      members: perMember[0]?.members ?? 0,
    },
    taskIds,
  };
}

interface DuesGroup {
  _id: string;
  total: number;
  paid: number;
  collectedFen: number;
  outstandingFen: number;
}

/** Dues grouped by `key` ("$month" or "$branchId"). */
function duesGroupStage(key: string): PipelineStage.Group {
  const isPaid = { $eq: ["$status", "paid"] };
  return {
    $group: {
      _id: key,
      total: { $sum: 1 },
      paid: { $sum: { $cond: [isPaid, 1, 0] } },
      collectedFen: { $sum: { $cond: [isPaid, { $ifNull: ["$paidFen", 0] }, 0] } },
      outstandingFen: { $sum: { $cond: [isPaid, 0, "$amountFen"] } },
    },
  };
}

export interface DuesMembersGroup {
  _id: string | null;
  due: number;
  paid: number;
  owing: number;
  waived: number;
}

/**
 * Head-counts grouped by `key` ("$branchId", or null for one branch): first per member (dues
 * above zero, and of those the unpaid ones), then per key.
 */
export function duesMembersStages(key: string | null): PipelineStage[] {
  const owed = { $gt: ["$amountFen", 0] };
  return [
    {
      $group: {
        _id: { key: key ?? null, openId: "$openId" },
        owed: { $sum: { $cond: [owed, 1, 0] } },
        unpaid: { $sum: { $cond: [{ $and: [owed, { $ne: ["$status", "paid"] }] }, 1, 0] } },
      },
    },
    {
      $group: {
        _id: "$_id.key",
        due: { $sum: { $cond: [{ $gt: ["$owed", 0] }, 1, 0] } },
        paid: { $sum: { $cond: [{ $and: [{ $gt: ["$owed", 0] }, { $eq: ["$unpaid", 0] }] }, 1, 0] } },
        owing: { $sum: { $cond: [{ $gt: ["$unpaid", 0] }, 1, 0] } },
        waived: { $sum: { $cond: [{ $eq: ["$owed", 0] }, 1, 0] } },
      },
    },
  ];
}

export function duesMembersOf(group: DuesMembersGroup | undefined): DuesMembers {
  const due = group?.due ?? 0;
  const paid = group?.paid ?? 0;
  return {
    due,
    paid,
    owing: group?.owing ?? 0,
    waived: group?.waived ?? 0,
    rate: due === 0 ? null : paid / due,
  };
}

async function duesStats(models: StatsModels, branchId: string, period: Period): Promise<DuesStats> {
  // {branchId, month $in}: the {branchId, month} index.
  const match = { $match: { branchId, month: { $in: period.months } } };
  const [groups, heads] = await Promise.all([
    models.Due.aggregate<DuesGroup>([match, duesGroupStage("$month")]),
    models.Due.aggregate<DuesMembersGroup>([match, ...duesMembersStages(null)]),
  ]);
  const byMonth = new Map(groups.map((g) => [g._id, g]));
  const months = period.months.map((month) => {
    const g = byMonth.get(month);
    const total = g?.total ?? 0;
    const paid = g?.paid ?? 0;
    return {
      month,
      total,
      paid,
      rate: ratio(paid, total),
      collectedFen: g?.collectedFen ?? 0,
      outstandingFen: g?.outstandingFen ?? 0,
    };
  });
  const sum = (key: "total" | "paid" | "collectedFen" | "outstandingFen") =>
    months.reduce((acc, m) => acc + m[key], 0);
  return {
    months,
    total: sum("total"),
    paid: sum("paid"),
    rate: ratio(sum("paid"), sum("total")),
    collectedFen: sum("collectedFen"),
    outstandingFen: sum("outstandingFen"),
    members: duesMembersOf(heads[0]),
  };
}

/**
 * Compliance, participation, study and dues of one branch over a period. `timeZone` is the zone
 * the period was built in (it splits a quarter or a year into local months).
 */
export async function branchStats(
  models: StatsModels,
  branchId: string,
  period: Period,
  { timeZone = DEFAULT_TIME_ZONE, now = new Date() }: { timeZone?: string; now?: Date } = {},
): Promise<BranchStats> {
  const [compliance, typeMonth, perMember, { study, studyHours }, dues] = await Promise.all([
    branchCompliance(models, branchId, period, { now, timeZone }),
    meetingsByTypeAndMonth(models, branchId, period, timeZone),
    meetingsByMember(models, branchId, period),
    studyStats(models, branchId, period, now).then(async ({ stats, taskIds }) => ({
      study: stats,
      studyHours: await branchStudyHours(models, branchId, period, taskIds, now),
    })),
    duesStats(models, branchId, period),
  ]);

  const byType = new Map<string, { meetings: number; expected: number; present: number }>();
  const byMonth = new Map<string, { meetings: number; expected: number; present: number }>();
  for (const g of typeMonth) {
    for (const [map, key] of [
      [byType, g._id.type],
      [byMonth, g._id.month],
    ] as const) {
      const acc = map.get(key) ?? { meetings: 0, expected: 0, present: 0 };
      acc.meetings += g.meetings;
      acc.expected += g.expected;
      acc.present += g.present;
      map.set(key, acc);
    }
  }

  const participationByType = MEETING_TYPES.flatMap((type) => {
    const acc = byType.get(type.id);
    if (!acc) return [];
    return [{ type: type.id, zh: type.zh, ...acc, rate: ratio(acc.present, acc.expected) }];
  });
  const participationByMonth = period.months.map((month) => {
    const acc = byMonth.get(month) ?? { meetings: 0, expected: 0, present: 0 };
    return { month, ...acc, rate: ratio(acc.present, acc.expected) };
  });

  const names = await memberNames(
    models,
    branchId,
    perMember.map((m) => m._id),
  );
  const participationByMember = perMember
    .map((m) => ({
      openId: m._id,
      name: names.get(m._id) || m._id,
      expected: m.expected,
      present: m.present,
      rate: ratio(m.present, m.expected),
    }))
    .sort((a, b) => a.rate - b.rate || b.expected - a.expected || a.name.localeCompare(b.name, "zh"));

  return {
    period,
    compliance,
    participationByType,
    participationByMember,
    participationByMonth,
    study,
    studyHours,
    dues,
  };
}
