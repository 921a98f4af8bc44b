import { DateTime } from "luxon";
import type { PipelineStage } from "mongoose";
import { MEETING_TYPES } from "../../config/meetings.js";
import type { Models } from "../db/models/index.js";
import type { MeetingTypeId } from "./meetingTypes.js";
import { trusted } from "../db/connection.js";
import { meetingLabel } from "./meetingNumbers.js";
import { parsePeriod, periodContaining, type Period } from "./period.js";

/**
 * 三会一课 compliance: how many meetings of each type a branch held in a period against the
 * minimum the rules in config/meetings.ts require.
 *
 * Decisions:
 * - A meeting counts by its start: closed ones, and scheduled ones whose start has passed (held,
 *   only not closed yet: listed in `pending` so the secretary is asked to close them). A cancelled
 *   one was not held. It counts in the local month of its start.
 * - A rule is checked unit by unit: a monthly rule in each month of the period, a quarterly rule
 *   in each quarter (not due in a month, `required` null), a yearly one only in a year. A type is
 *   met when every unit is; three meetings in January do not make up for February and March.
 *   `required` is still the total asked for (count × units), `held` the total held.
 * - A unit not ended by `now` and not yet met is "open" (still to come), not "missed":
 *   `overdueTypes` counts the types with a missed unit, which is what a card colours by.
 * - rate = met types / required types, 1 when nothing is required in the period.
 */

export type ComplianceModels = Pick<Models, "Meeting">;

/** One month (or quarter, or year) a rule is checked in: "2026-02", "2026-Q1", "2026". */
export interface ComplianceUnit {
  label: string;
  required: number;
  held: number;
  /** met: held enough; missed: ended without; open: not yet ended and not yet held enough. */
  state: "met" | "missed" | "open";
}

export interface ComplianceRow {
  type: MeetingTypeId;
  zh: string;
  /** null: the type is not due in this period. */
  required: number | null;
  /** Meetings counted by their start: closed ones and started ones not yet closed. */
  held: number;
  /** null when not required; true when every unit (month, quarter) is met. */
  met: boolean | null;
  /** The months (quarters, year) the rule is checked in; empty when not required. */
  units?: ComplianceUnit[];
  /** Meetings that started but are not closed yet ("M7"), counted in `held`. */
  pending?: string[];
}

export interface Compliance {
  rows: ComplianceRow[];
  requiredTypes: number;
  metTypes: number;
  /** metTypes / requiredTypes; 1 when none is required. */
  rate: number;
  /** Required types with a unit that ended unmet (what is overdue, not what is merely not yet due). */
  overdueTypes?: number;
}

/** "2026-02" → "2月", "2026-Q2" → "第2季度", "2026" → "2026年": a unit as the 台账 names it. */
export function unitNameZh(label: string): string {
  const quarter = /^\d{4}-Q(\d)$/.exec(label);
  if (quarter) return `第${quarter[1]}季度`;
  const month = /^\d{4}-(\d{2})$/.exec(label);
  if (month) return `${Number(month[1])}月`;
  return `${label}年`;
}

/** "个月" or "个季度": what a row's units are. */
export function unitsWordZh(units: readonly Pick<ComplianceUnit, "label">[]): string {
  return units[0] && /-Q/.test(units[0].label) ? "个季度" : "个月";
}

type Requirement = { per: "month" | "quarter" | "year"; count: number } | null;

/** How many meetings a requirement asks for in a period; null when it is not due in it. */
export function requiredCount(
  requirement: Requirement,
  period: Pick<Period, "kind" | "months">,
): number | null {
  if (!requirement) return null;
  const months = period.months.length;
  if (requirement.per === "month") return months === 0 ? null : requirement.count * months;
  if (requirement.per === "quarter") {
    // Periods are whole months aligned on the calendar: a quarter or a year holds whole quarters.
    const quarters = period.kind === "month" ? 0 : Math.floor(months / 3);
    return quarters === 0 ? null : requirement.count * quarters;
  }
  return period.kind === "year" ? requirement.count * Math.floor(months / 12) : null;
}

/**
 * The stages selecting the closed meetings of one or more branches that started in a period.
 * The first $match is exactly {branchId, startAt range} (one branch) or {branchId $in} (several):
 * the local server uses the {branchId, startAt} index only for a filter made of its fields alone
 * (a third field, or $in with a range, makes it scan the collection), so the rest is a second
 * $match. MongoDB merges the two.
 */
export function closedMeetingsStages(branchId: string | string[], period: Period): PipelineStage[] {
  const range = { $gte: period.start, $lt: period.end };
  return typeof branchId === "string"
    ? [{ $match: { branchId, startAt: range } }, { $match: { status: "closed" } }]
    : [{ $match: { branchId: { $in: branchId } } }, { $match: { status: "closed", startAt: range } }];
}

/** The units a rule is checked in within a period: its months, quarters or the year. */
function unitLabels(per: "month" | "quarter" | "year", period: Pick<Period, "kind" | "label" | "months">) {
  if (per === "month") return period.months;
  if (per === "quarter") {
    if (period.kind === "month") return [];
    return [
      ...new Set(period.months.map((m) => `${m.slice(0, 4)}-Q${Math.ceil(Number(m.slice(5, 7)) / 3)}`)),
    ];
  }
  return period.kind === "year" ? [period.label] : [];
}

/** Meetings counted for compliance: per type, the local months of their starts, and the open ones. */
export interface HeldMeeting {
  id: string;
  type: string;
  /** "YYYY-MM" of the start, local. */
  month: string;
  /** Started but not closed yet. */
  pending: boolean;
}

/**
 * Compliance checked unit by unit (pure): a monthly rule is met in a quarter or a year only when it
 * is met in each of its months, a quarterly rule in a year only in each quarter. A unit that has
 * not ended by `now` and is not yet met is "open" (still to come), not missed.
 */
export function complianceFromMeetings(
  meetings: readonly HeldMeeting[],
  period: Pick<Period, "kind" | "label" | "months">,
  { now, timeZone }: { now: Date; timeZone: string },
): Compliance {
  const rows: ComplianceRow[] = MEETING_TYPES.map((type) => {
    const mine = meetings.filter((m) => m.type === type.id);
    const required = requiredCount(type.required, period);
    const pending = mine.filter((m) => m.pending).map((m) => m.id);
    if (!type.required || required === null)
      return { type: type.id, zh: type.zh, required: null, held: mine.length, met: null, units: [], pending };
    const per = type.required.per;
    const units = unitLabels(per, period).map((label): ComplianceUnit => {
      const unit = parsePeriod(label, timeZone)!;
      const held = mine.filter((m) => unit.months.includes(m.month)).length;
      const state = held >= type.required.count ? "met" : unit.end <= now ? "missed" : "open";
      return { label, required: type.required.count, held, state };
    });
    return {
      type: type.id,
      zh: type.zh,
      required,
      held: mine.length,
      met: units.every((u) => u.state === "met"),
      units,
      pending,
    };
  });
  const requiredTypes = rows.filter((r) => r.required !== null).length;
  const metTypes = rows.filter((r) => r.met === true).length;
  const overdueTypes = rows.filter((r) => r.units?.some((u) => u.state === "missed")).length;
  return {
    rows,
    requiredTypes,
    metTypes,
    rate: requiredTypes === 0 ? 1 : metTypes / requiredTypes,
    overdueTypes,
  };
}

/**
 * 三会一课 compliance of one branch in a period, month by month. A meeting counts by its start:
 * closed ones, and scheduled ones whose start is before `now` (held, not yet closed: listed as
 * pending so the secretary can close them); cancelled ones never.
 */
export async function branchCompliance(
  models: ComplianceModels,
  branchId: string,
  period: Period,
  { now, timeZone }: { now: Date; timeZone: string },
): Promise<Compliance> {
  const found = await models.Meeting.find(
    { branchId, startAt: trusted({ $gte: period.start, $lt: period.end }) },
    { type: 1, startAt: 1, status: 1, number: 1 },
  ).lean<{ _id: string; number?: number | null; type: string; startAt: Date; status: string }[]>();
  const meetings: HeldMeeting[] = found
    .filter((m) => m.status === "closed" || (m.status === "scheduled" && m.startAt < now))
    .sort((a, b) => a.startAt.getTime() - b.startAt.getTime())
    .map((m) => ({
      id: meetingLabel(m),
      type: m.type,
      month: DateTime.fromJSDate(m.startAt, { zone: timeZone }).toFormat("yyyy-MM"),
      pending: m.status !== "closed",
    }));
  return complianceFromMeetings(meetings, period, { now, timeZone });
}

const KINDS: Period["kind"][] = ["month", "quarter", "year"];

/**
 * For a job that runs once a day: the periods (month, quarter, year) to warn about today and the
 * ones that ended just before today, in the zone `timeZone`.
 * - warn: the period containing `now` when today is its "two thirds" day, the first local day at
 *   whose start at least two thirds of the period's days have passed (30-day month: the 21st;
 *   31-day month: the 22nd; Q1 of a common year: 2 March).
 * - ended: the period that ended at the start of today (today is the first day of the next one).
 * Each period is returned on exactly one local day, whatever the time of `now` in that day.
 */
export function compliancePeriodsDue(now: Date, timeZone: string): { warn: Period[]; ended: Period[] } {
  const today = DateTime.fromJSDate(now, { zone: timeZone }).startOf("day");
  const warn: Period[] = [];
  const ended: Period[] = [];
  for (const kind of KINDS) {
    const current = periodContaining(kind, now, timeZone);
    const start = DateTime.fromJSDate(current.start, { zone: timeZone });
    const end = DateTime.fromJSDate(current.end, { zone: timeZone });
    const days = Math.round(end.diff(start, "days").days);
    const warnDay = start.plus({ days: Math.ceil((days * 2) / 3) });
    if (warnDay.hasSame(today, "day")) warn.push(current);
    if (start.hasSame(today, "day")) {
      const previous = periodContaining(kind, today.minus({ days: 1 }).toJSDate(), timeZone);
      ended.push(previous);
    }
  }
  return { warn, ended };
}
