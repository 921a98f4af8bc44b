import { MEETING_TYPES } from "../../config/meetings.js";
import { ATTENTION } from "../../config/statistics.js";
import { DEFAULT_BRANCH_HEALTH_RULES, type BranchHealthRules } from "../../config/branchHealth.js";
import { DEFAULT_DEVELOPMENT_RULES, type DevelopmentRules } from "../../config/development.js";
import type { Branch } from "../db/models/branch.js";
import type { MemberStatus } from "../db/models/member.js";
import { healthFindings, loadHealthData } from "./branchHealth.js";
import { complianceFromMeetings, type HeldMeeting } from "./compliance.js";
import type { Stage } from "./development.js";
import { developmentRollUp } from "./developmentRecord.js";
import type { Period } from "./period.js";
import { duesMembersOf, duesMembersStages, ratio, type DuesMembers, type DuesMembersGroup } from "./stats.js";
import {
  meetingGroups,
  meetingHours,
  membersOf,
  studyOf,
  type MeetingGroup,
  type OrgStatsModels,
} from "./orgStatsReads.js";

/**
 * The organisation roll-up (`/统计 党委`): what a 党委 compares across its branches over a period,
 * in a fixed number of queries whatever the number of branches (each groups in the database).
 *
 * Per branch, with the same definitions as one branch's statistics (stats.ts, compliance.ts):
 * - 三会一课 checked unit by unit (a monthly rule in each month, complianceFromMeetings); a meeting
 *   counts by its start (closed ones, and started ones not yet closed, `pending`);
 * - meetings held per type; participation Σ实到/Σ应到 of closed meetings, month by month;
 * - study: tasks due in the period whose scope is frozen (closed or past their deadline: a task
 *   still open is not judged yet), completion = confirmations / max(scope, confirmations);
 *   学时 = 自学 (confirmations of the tasks due in the period) + 集中 (check-ins at 党课 and
 *   主题党日 started in the period), and per head of the Party members on the roll now;
 * - dues as head-counts (免交 apart, rate null when nothing is due);
 * - members on the roll by status.
 *
 * Also per branch, as of `now`: the number of 支部体检 findings and the 发展党员 pipeline (people per
 * stage, steps overdue), read for all the branches at once too.
 *
 * Branches are sorted by what needs attention, each with its reasons (`attention`): rules missed
 * (months named), meetings held but not closed, members owing dues, low participation or study.
 * The order is for the organisation's secretaries to act on; it is not a ranking to publish.
 */

export type { OrgStatsModels } from "./orgStatsReads.js";

/** Why a branch needs attention, in order of weight. */
export type AttentionReason =
  | { kind: "missed"; zh: string; units: string[] }
  | { kind: "pending"; count: number }
  | { kind: "dues"; owing: number }
  | { kind: "participation"; rate: number }
  | { kind: "study"; rate: number };

export interface OrgBranchMonth {
  /** "YYYY-MM". */
  month: string;
  /** Every monthly rule met that month; null while the month is open and not met yet. */
  met: boolean | null;
  /** Closed meetings that started in the month and their Σ应到 / Σ实到. */
  meetings: number;
  expected: number;
  present: number;
}

export interface OrgStatsRow {
  branchId: string;
  name: string;
  orgId: string | null;
  complianceRate: number;
  metTypes: number;
  requiredTypes: number;
  /** Required types with a month (quarter) that ended unmet. */
  overdueTypes: number;
  /** Meetings counted by their start, per type in config order (types with none left out). */
  heldByType: { type: string; zh: string; held: number }[];
  /** Meetings started and not closed yet. */
  pending: number;
  /** Closed meetings: participation comes from their frozen records. */
  meetings: number;
  participationRate: number;
  months: OrgBranchMonth[];
  study: { tasks: number; expected: number; confirmed: number; rate: number | null };
  studyHours: { fromMeetings: number; fromStudies: number; perMember: number | null };
  dues: DuesMembers;
  /** Head-count: members fully paid / members with dues above zero; null when none is due. */
  duesRate: number | null;
  /** Members on the roll (active) by status; `partyMembers` = 正式 + 预备. */
  members: Partial<Record<MemberStatus, number>>;
  partyMembers: number;
  /** 支部体检 findings now (domain/branchHealth.ts), whatever the period. */
  health: { findings: number };
  /** 发展党员 now: people per stage and next steps overdue (developmentRecord.ts). */
  development: { stages: Partial<Record<Stage, number>>; overdue: number };
  attention: AttentionReason[];
}

function attentionOf(row: Omit<OrgStatsRow, "attention">, missed: AttentionReason[]): AttentionReason[] {
  const reasons = [...missed];
  if (row.pending > 0) reasons.push({ kind: "pending", count: row.pending });
  if (row.dues.owing > 0) reasons.push({ kind: "dues", owing: row.dues.owing });
  if (row.meetings > 0 && row.participationRate < ATTENTION.participationBelow)
    reasons.push({ kind: "participation", rate: row.participationRate });
  if (row.study.rate !== null && row.study.rate < ATTENTION.studyBelow)
    reasons.push({ kind: "study", rate: row.study.rate });
  return reasons;
}

const weight = (row: OrgStatsRow) => [
  -row.overdueTypes,
  -row.pending,
  -(row.dues.due === 0 ? 0 : row.dues.owing / row.dues.due),
  row.meetings > 0 ? row.participationRate : 1,
  row.study.rate ?? 1,
];

/** Most attention first; ties by branch id (a stable order, not a ranking). */
function byAttention(a: OrgStatsRow, b: OrgStatsRow): number {
  const wa = weight(a);
  const wb = weight(b);
  for (let i = 0; i < wa.length; i++) if (wa[i] !== wb[i]) return wa[i]! - wb[i]!;
  return a.branchId.localeCompare(b.branchId);
}

/**
 * One row per branch (of the organisation `orgId`, or every branch when null), most attention
 * first. `now` decides which months have ended (missed, not merely open) and which meetings have
 * started; `timeZone` splits the period into local months.
 */
export async function orgStats(
  models: OrgStatsModels,
  { orgId }: { orgId: string | null },
  period: Period,
  {
    now,
    timeZone,
    healthRules = DEFAULT_BRANCH_HEALTH_RULES,
    developmentRules = DEFAULT_DEVELOPMENT_RULES,
  }: {
    now: Date;
    timeZone: string;
    healthRules?: BranchHealthRules;
    developmentRules?: DevelopmentRules;
  },
): Promise<OrgStatsRow[]> {
  const branches = await models.Branch.find(orgId === null ? {} : { orgId }, {
    name: 1,
    orgId: 1,
    committeeTerm: 1,
  }).lean<(Pick<Branch, "_id" | "name" | "committeeTerm"> & { orgId: string | null })[]>();
  if (branches.length === 0) return [];
  // Every branch: no branch filter at all (a long $in costs the local server one probe per id).
  const ids = orgId === null ? null : branches.map((b) => b._id);

  const [meetings, hours, study, members, dues] = await Promise.all([
    meetingGroups(models, ids, period, now, timeZone),
    meetingHours(models, ids, period),
    studyOf(models, ids, period),
    membersOf(models, ids),
    models.Due.aggregate<DuesMembersGroup>([
      // {branchId $in} alone uses the {branchId, month} index on the local server; months after.
      ...(ids === null ? [] : [{ $match: { branchId: { $in: ids } } }]),
      // A period's months are consecutive: a range, cheaper per record than a list on the local server.
      { $match: { month: { $gte: period.months[0], $lte: period.months[period.months.length - 1] } } },
      ...duesMembersStages("$branchId"),
    ]),
  ]);
  const healthData = await loadHealthData(models, ids, healthRules, { now, timeZone });
  const healthOf = new Map(
    branches.map((b) => [b._id, healthFindings(b, healthData, healthRules, { now, timeZone }).length]),
  );
  const pipelineOf = new Map(
    (await developmentRollUp(models, ids, developmentRules, now, timeZone)).map((d) => [d.branchId, d]),
  );
  const group = <V>(items: V[], key: (v: V) => string) => {
    const map = new Map<string, V[]>();
    for (const item of items) map.set(key(item), [...(map.get(key(item)) ?? []), item]);
    return map;
  };
  const counted = meetings.filter((g) => g._id.closed || g._id.started);
  const meetingsOf = group(counted, (g) => g._id.branchId);
  const membersByBranch = group(members, (g) => g._id.branchId);
  const duesOf = new Map(dues.map((d) => [d._id, d]));

  const rows = branches.map((branch): OrgStatsRow => {
    const groups = meetingsOf.get(branch._id) ?? [];
    const held: HeldMeeting[] = groups.flatMap((g) =>
      Array.from({ length: g.held }, () => ({
        id: "",
        type: g._id.type,
        month: g._id.month,
        pending: !g._id.closed,
      })),
    );
    const compliance = complianceFromMeetings(held, period, { now, timeZone });
    const closed = groups.filter((g) => g._id.closed);
    const sum = (list: MeetingGroup[], field: "held" | "expected" | "present") =>
      list.reduce((total, g) => total + g[field], 0);
    // The monthly rules (their units are months): a month is met when each of them is.
    const monthlyRows = compliance.rows.filter(
      (r) => r.required !== null && /^\d{4}-\d{2}$/.test(r.units?.[0]?.label ?? ""),
    );
    const months = period.months.map((month): OrgBranchMonth => {
      const inMonth = closed.filter((g) => g._id.month === month);
      const states = monthlyRows.map((r) => r.units!.find((u) => u.label === month)?.state);
      return {
        month,
        met:
          states.length === 0
            ? null
            : states.every((s) => s === "met")
              ? true
              : states.some((s) => s === "missed")
                ? false
                : null,
        meetings: sum(inMonth, "held"),
        expected: sum(inMonth, "expected"),
        present: sum(inMonth, "present"),
      };
    });
    const missed: AttentionReason[] = compliance.rows.flatMap((r) => {
      const units = (r.units ?? []).filter((u) => u.state === "missed").map((u) => u.label);
      return units.length > 0 ? [{ kind: "missed" as const, zh: r.zh, units }] : [];
    });
    const s = study.get(branch._id);
    const statusCounts: Partial<Record<MemberStatus, number>> = {};
    for (const m of membersByBranch.get(branch._id) ?? []) statusCounts[m._id.status] = m.n;
    const partyMembers = (statusCounts.full ?? 0) + (statusCounts.probationary ?? 0);
    const fromMeetings = hours.get(branch._id) ?? 0;
    const fromStudies = s?.hours ?? 0;
    const duesMembers = duesMembersOf(duesOf.get(branch._id));
    const row: Omit<OrgStatsRow, "attention"> = {
      branchId: branch._id,
      name: branch.name,
      orgId: branch.orgId ?? null,
      complianceRate: compliance.rate,
      metTypes: compliance.metTypes,
      requiredTypes: compliance.requiredTypes,
      overdueTypes: compliance.overdueTypes ?? 0,
      heldByType: MEETING_TYPES.flatMap((type) => {
        const n = compliance.rows.find((r) => r.type === type.id)?.held ?? 0;
        return n > 0 ? [{ type: type.id, zh: type.zh, held: n }] : [];
      }),
      pending: sum(groups, "held") - sum(closed, "held"),
      meetings: sum(closed, "held"),
      participationRate: ratio(sum(closed, "present"), sum(closed, "expected")),
      months,
      study: {
        tasks: s?.tasks ?? 0,
        expected: s?.expected ?? 0,
        confirmed: s?.confirmed ?? 0,
        rate: s && s.expected > 0 ? s.confirmed / s.expected : null,
      },
      studyHours: {
        fromMeetings,
        fromStudies,
        perMember: partyMembers === 0 ? null : (fromMeetings + fromStudies) / partyMembers,
      },
      dues: duesMembers,
      duesRate: duesMembers.rate,
      members: statusCounts,
      partyMembers,
      health: { findings: healthOf.get(branch._id) ?? 0 },
      development: {
        stages: pipelineOf.get(branch._id)?.stages ?? {},
        overdue: pipelineOf.get(branch._id)?.overdue ?? 0,
      },
    };
    return { ...row, attention: attentionOf(row, missed) };
  });
  return rows.sort(byAttention);
}

/** Across the branches, month by month: branches that met every monthly rule, and participation. */
export interface OrgTrendMonth {
  month: string;
  /** Branches whose month has ended (or is met) and has a monthly rule. */
  judged: number;
  met: number;
  expected: number;
  present: number;
}

export function orgTrend(rows: readonly OrgStatsRow[], period: Pick<Period, "months">): OrgTrendMonth[] {
  return period.months.map((month) => {
    const cells = rows.map((r) => r.months.find((m) => m.month === month)!).filter(Boolean);
    return {
      month,
      judged: cells.filter((c) => c.met !== null).length,
      met: cells.filter((c) => c.met === true).length,
      expected: cells.reduce((t, c) => t + c.expected, 0),
      present: cells.reduce((t, c) => t + c.present, 0),
    };
  });
}
