import type { Types } from "mongoose";
import {
  AUTO_SETTLED,
  type Due,
  type DueStatus,
  type DuesModels,
  type DuesProfile,
} from "../db/models/dues.js";
import type { Models } from "../db/models/index.js";
import type { Member } from "../db/models/member.js";
import { addMonths, parseMonth } from "./duesRules.js";
import { UserError } from "./errors.js";
import { trusted } from "../db/connection.js";

/**
 * The dues ledger read side: a month's collection, a member's year and own dues, arrears. The write side
 * (profiles, monthly creation, payments) is in dues.ts, which re-exports all of this.
 *
 * Decisions:
 * - "Unpaid" in arrears means not confirmed paid: `unpaid` and `pending` (the member said
 *   我已缴纳 but the secretary has not recorded it) both count, and rows say which are pending.
 * - A run of consecutive unpaid months ends at the first month, going back from `uptoMonth`,
 *   that is paid (a zero-amount 免交 month is paid) or has no Due at all — a month without a Due
 *   (no profile yet, or not created yet) neither breaks into nor extends a run, it ends it. So the
 *   monthly creation job must run for a month before arrears are counted up to it.
 * - Arrears cover active members only (someone who left the chat is not warned about); the
 *   month and year views cover every Due, whoever it belongs to.
 * - Queries go by exact index fields (the local server uses an index only when every queried
 *   field is in it); month ranges and the rest are filtered in code.
 */

/** What the dues functions need: members plus the two dues models. */
export type DuesDeps = Pick<Models, "Member"> & DuesModels;

export type DueDoc = Due & { _id: Types.ObjectId; status: DueStatus };
export type DuesProfileDoc = DuesProfile & { _id: Types.ObjectId };

export const OPEN_STATUSES: readonly DueStatus[] = ["unpaid", "pending"];

/** A zero-amount due settled at creation (免交), as opposed to a payment someone recorded. */
export function isAutoSettled(due: Pick<Due, "status" | "recordedBy">): boolean {
  return due.status === "paid" && due.recordedBy === AUTO_SETTLED;
}

/** "2026年1月". */
export function monthLabel(month: string): string {
  return `${month.slice(0, 4)}年${Number(month.slice(5, 7))}月`;
}

/** "2026年1月、2026年2月". */
export function monthList(months: readonly string[]): string {
  return months.map(monthLabel).join("、");
}

/** A month as typed → canonical "YYYY-MM", or a UserError naming what was wrong. */
export function requireMonth(text: string, what = "月份"): string {
  const month = parseMonth(text);
  if (!month) throw new UserError(`${what}「${text}」无法识别，请写成 2026-01 这样的格式。`);
  return month;
}

async function memberNames(models: Pick<Models, "Member">, branchId: string, openIds: string[]) {
  if (openIds.length === 0) return new Map<string, string>();
  const members = await models.Member.find(
    { branchId, openId: trusted({ $in: [...new Set(openIds)] }) },
    { openId: 1, name: 1 },
  ).lean<Pick<Member, "openId" | "name">[]>();
  return new Map(members.map((m) => [m.openId, m.name ?? ""]));
}

const STATUS_ORDER: Record<DueStatus, number> = { unpaid: 0, pending: 1, paid: 2 };

export interface MonthStatusRow {
  openId: string;
  name: string;
  amountFen: number;
  status: DueStatus;
  paidFen: number | null;
}

export interface MonthStatus {
  month: string;
  /** Unpaid first, then pending, then paid; by name within each. */
  rows: MonthStatusRow[];
  paidCount: number;
  pendingCount: number;
  total: number;
  collectedFen: number;
  /** What unpaid and pending dues still owe. */
  outstandingFen: number;
}

/** Who has paid a month's dues and how much came in. */
export async function monthStatus(
  models: Pick<DuesDeps, "Member" | "Due">,
  branchId: string,
  month: string,
): Promise<MonthStatus> {
  const m = requireMonth(month);
  const dues = await models.Due.find({ branchId, month: m }).lean<DueDoc[]>();
  const names = await memberNames(
    models,
    branchId,
    dues.map((d) => d.openId),
  );
  const rows = dues
    .map((d) => ({
      openId: d.openId,
      name: names.get(d.openId) ?? "",
      amountFen: d.amountFen,
      status: d.status,
      paidFen: d.paidFen ?? null,
    }))
    .sort(
      (a, b) =>
        STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
        a.name.localeCompare(b.name, "zh") ||
        a.openId.localeCompare(b.openId),
    );
  const paid = rows.filter((r) => r.status === "paid");
  const open = rows.filter((r) => r.status !== "paid");
  return {
    month: m,
    rows,
    paidCount: paid.length,
    pendingCount: rows.filter((r) => r.status === "pending").length,
    total: rows.length,
    collectedFen: paid.reduce((sum, r) => sum + (r.paidFen ?? 0), 0),
    outstandingFen: open.reduce((sum, r) => sum + r.amountFen, 0),
  };
}

export interface MemberYearRow {
  month: string;
  amountFen: number | null;
  status: DueStatus | "none";
  paidFen: number | null;
}

/** A member's twelve months of one year, with what was paid and what is still owed. */
export async function memberYear(
  models: Pick<DuesDeps, "Due">,
  branchId: string,
  openId: string,
  year: number,
): Promise<{ year: number; rows: MemberYearRow[]; paidFen: number; owedFen: number }> {
  if (!Number.isInteger(year) || year < 1900 || year > 9999) throw new UserError(`年份「${year}」无效。`);
  const prefix = `${year}-`;
  const dues = (await models.Due.find({ branchId, openId }).lean<DueDoc[]>()).filter((d) =>
    d.month.startsWith(prefix),
  );
  const byMonth = new Map(dues.map((d) => [d.month, d]));
  const rows: MemberYearRow[] = [];
  for (let i = 1; i <= 12; i++) {
    const month = `${year}-${String(i).padStart(2, "0")}`;
    const due = byMonth.get(month);
    rows.push({
      month,
      amountFen: due ? due.amountFen : null,
      status: due ? due.status : "none",
      paidFen: due ? (due.paidFen ?? null) : null,
    });
  }
  return {
    year,
    rows,
    paidFen: dues.reduce((sum, d) => sum + (d.status === "paid" ? (d.paidFen ?? 0) : 0), 0),
    owedFen: dues.reduce((sum, d) => sum + (d.status === "paid" ? 0 : d.amountFen), 0),
  };
}

export interface MemberDuesRow {
  month: string;
  amountFen: number;
  status: DueStatus;
  paidFen: number | null;
  /** Paid for a month after the current one (预缴). */
  ahead: boolean;
}

export interface MemberDues {
  currentMonth: string;
  /** This year's months with a due, every open month of any year, months paid ahead; ascending. */
  rows: MemberDuesRow[];
  /** Unpaid and pending months up to the current one, whatever their year (as the reminder counts). */
  owed: string[];
  owedFen: number;
  /** Paid (by someone, not 免交) in the current month's year. */
  paidThisYearFen: number;
  paidAhead: string[];
  paidAheadFen: number;
}

/**
 * A member's own dues as of `currentMonth`: what is owed, from any year (on 10 January the
 * months of last year are still owed), and what was paid this year or ahead.
 */
export async function memberDues(
  models: Pick<DuesDeps, "Due">,
  branchId: string,
  openId: string,
  currentMonth: string,
): Promise<MemberDues> {
  const current = requireMonth(currentMonth);
  const prefix = current.slice(0, 5);
  const dues = (await models.Due.find({ branchId, openId }).lean<DueDoc[]>()).sort((a, b) =>
    a.month < b.month ? -1 : a.month > b.month ? 1 : 0,
  );
  const open = (d: DueDoc) => OPEN_STATUSES.includes(d.status);
  const paidByHand = (d: DueDoc) => d.status === "paid" && !isAutoSettled(d);
  const ahead = (d: DueDoc) => paidByHand(d) && d.month > current;
  const rows = dues
    .filter((d) => d.month.startsWith(prefix) || open(d) || ahead(d))
    .map((d) => ({
      month: d.month,
      amountFen: d.amountFen,
      status: d.status,
      paidFen: d.paidFen ?? null,
      ahead: ahead(d),
    }));
  const owed = dues.filter((d) => open(d) && d.month <= current);
  const paidAhead = dues.filter(ahead);
  return {
    currentMonth: current,
    rows,
    owed: owed.map((d) => d.month),
    owedFen: owed.reduce((sum, d) => sum + d.amountFen, 0),
    paidThisYearFen: dues
      .filter((d) => paidByHand(d) && d.month.startsWith(prefix))
      .reduce((sum, d) => sum + (d.paidFen ?? 0), 0),
    paidAhead: paidAhead.map((d) => d.month),
    paidAheadFen: paidAhead.reduce((sum, d) => sum + (d.paidFen ?? 0), 0),
  };
}

/** Length of the run of months in `open` ending at `upto` (crosses year boundaries). */
function runEndingAt(open: ReadonlySet<string>, upto: string): number {
  let count = 0;
  for (let month = upto; open.has(month); month = addMonths(month, -1)) count++;
  return count;
}

export interface UnpaidMonths {
  /** Unpaid and pending months ≤ uptoMonth, ascending. */
  months: string[];
  /** The pending ones among them (我已缴纳, awaiting the secretary). */
  pending: string[];
  owedFen: number;
  /** Consecutive not-paid months ending at uptoMonth; 0 when uptoMonth itself is paid or has no Due. */
  consecutiveUnpaid: number;
}

/** A member's open dues summed up to a month (the dues read elsewhere in one query). */
export function summarize(dues: readonly DueDoc[], upto: string): UnpaidMonths {
  const open = dues.filter((d) => OPEN_STATUSES.includes(d.status) && d.month <= upto);
  open.sort((a, b) => (a.month < b.month ? -1 : a.month > b.month ? 1 : 0));
  return {
    months: open.map((d) => d.month),
    pending: open.filter((d) => d.status === "pending").map((d) => d.month),
    owedFen: open.reduce((sum, d) => sum + d.amountFen, 0),
    consecutiveUnpaid: runEndingAt(new Set(open.map((d) => d.month)), upto),
  };
}

/** A member's not-yet-paid months up to a month, and how many in a row end at it. */
export async function unpaidMonths(
  models: Pick<DuesDeps, "Due">,
  branchId: string,
  openId: string,
  uptoMonth: string,
): Promise<UnpaidMonths> {
  const upto = requireMonth(uptoMonth);
  const dues = await models.Due.find({
    branchId,
    openId,
    status: trusted({ $in: [...OPEN_STATUSES] }),
  }).lean<DueDoc[]>();
  return summarize(dues, upto);
}

/**
 * "党费交至 YYYY-MM" for an introduction letter: the last month of the member's unbroken run of
 * settled dues (paid, or 免交 at zero) from their first Due on; a month still open ends the run,
 * so months paid ahead after a gap do not count. Null when the first month is open or there are
 * no dues at all.
 */
export async function duesPaidThrough(
  models: Pick<DuesDeps, "Due">,
  branchId: string,
  openId: string,
): Promise<string | null> {
  const dues = await models.Due.find({ branchId, openId }, { month: 1, status: 1 }).lean<DueDoc[]>();
  dues.sort((a, b) => (a.month < b.month ? -1 : a.month > b.month ? 1 : 0));
  let through: string | null = null;
  for (const due of dues) {
    if (due.status !== "paid") break;
    // A month without a Due between two paid ones is a gap: the run ends before it.
    if (through !== null && due.month !== addMonths(through, 1)) break;
    through = due.month;
  }
  return through;
}

export interface ArrearsRow extends UnpaidMonths {
  openId: string;
  name: string;
  /** Same as consecutiveUnpaid: the jobs warn at 3 and 5 and flag at 6. */
  consecutive: number;
}

/**
 * Active members with at least one not-yet-paid month up to `uptoMonth`, longest run first.
 */
export async function arrearsLevels(
  models: Pick<DuesDeps, "Member" | "Due">,
  branchId: string,
  uptoMonth: string,
): Promise<ArrearsRow[]> {
  const upto = requireMonth(uptoMonth);
  const open = await models.Due.find({ branchId, status: trusted({ $in: [...OPEN_STATUSES] }) }).lean<
    DueDoc[]
  >();
  const active = await models.Member.find({ branchId, active: true }, { openId: 1, name: 1 }).lean<
    Pick<Member, "openId" | "name">[]
  >();
  const byMember = new Map<string, DueDoc[]>();
  for (const due of open) byMember.set(due.openId, [...(byMember.get(due.openId) ?? []), due]);
  const rows: ArrearsRow[] = [];
  for (const member of active) {
    const summary = summarize(byMember.get(member.openId) ?? [], upto);
    if (summary.months.length === 0) continue;
    rows.push({
      openId: member.openId,
      name: member.name ?? "",
      consecutive: summary.consecutiveUnpaid,
      ...summary,
    });
  }
  return rows.sort(
    (a, b) =>
      b.consecutive - a.consecutive ||
      b.months.length - a.months.length ||
      a.name.localeCompare(b.name, "zh") ||
      a.openId.localeCompare(b.openId),
  );
}
