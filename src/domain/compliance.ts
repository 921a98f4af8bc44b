import { DateTime } from "luxon";
import type { PipelineStage } from "mongoose";
import { MEETING_TYPES } from "../../config/meetings.js";
import type { Models } from "../db/models/index.js";
import type { MeetingTypeId } from "./meetingTypes.js";
import { periodContaining, type Period } from "./period.js";

/**
 * 三会一课 compliance: how many meetings of each type a branch held in a period against the
 * minimum the rules in config/meetings.ts require.
 *
 * Decisions:
 * - Only CLOSED meetings count: a cancelled one was not held, and one still scheduled has no
 *   record yet (closing it later makes it count). A meeting counts in the period containing its
 *   start, in the branch's zone (the period's bounds are already local), so one spanning midnight
 *   counts on the day it began.
 * - The required number is a count over the whole period: "month" × the months in it, "quarter" ×
 *   the quarters fully inside it (none in a month: not due, `required` null), "year" only for a
 *   year. A type is met when `held >= required`; types with no requirement (其他) are listed with
 *   `required` and `met` null and are left out of the rate.
 * - rate = met types / required types, 1 when nothing is required in the period.
 */

export type ComplianceModels = Pick<Models, "Meeting">;

export interface ComplianceRow {
  type: MeetingTypeId;
  zh: string;
  /** null: the type is not due in this period. */
  required: number | null;
  held: number;
  /** null when not required. */
  met: boolean | null;
}

export interface Compliance {
  rows: ComplianceRow[];
  requiredTypes: number;
  metTypes: number;
  /** metTypes / requiredTypes; 1 when none is required. */
  rate: number;
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

/** Compliance from the number of closed meetings per type in the period (pure). */
export function complianceFromHeld(
  held: ReadonlyMap<string, number>,
  period: Pick<Period, "kind" | "months">,
): Compliance {
  const rows: ComplianceRow[] = MEETING_TYPES.map((type) => {
    const required = requiredCount(type.required, period);
    const count = held.get(type.id) ?? 0;
    return {
      type: type.id,
      zh: type.zh,
      required,
      held: count,
      met: required === null ? null : count >= required,
    };
  });
  const requiredTypes = rows.filter((r) => r.required !== null).length;
  const metTypes = rows.filter((r) => r.met === true).length;
  return { rows, requiredTypes, metTypes, rate: requiredTypes === 0 ? 1 : metTypes / requiredTypes };
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

/** 三会一课 compliance of one branch in a period, counted in the database by type. */
export async function branchCompliance(
  models: ComplianceModels,
  branchId: string,
  period: Period,
): Promise<Compliance> {
  const groups = await models.Meeting.aggregate<{ _id: string; held: number }>([
    ...closedMeetingsStages(branchId, period),
    { $group: { _id: "$type", held: { $sum: 1 } } },
  ]);
  return complianceFromHeld(new Map(groups.map((g) => [g._id, g.held])), period);
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
