import { DUES_CATEGORIES, type DuesCategory, type DuesRules } from "../../config/dues.js";
import { isDuplicateKeyError, trusted } from "../db/connection.js";
import { AUTO_SETTLED, type Due, type DueStatus, type DuesModels } from "../db/models/dues.js";
import type { Member } from "../db/models/member.js";
import { DEFAULT_TIME_ZONE } from "./attendance.js";
import type { Clock } from "./clock.js";
import {
  isAutoSettled,
  monthLabel,
  monthList,
  OPEN_STATUSES,
  requireMonth,
  type DueDoc,
  type DuesDeps,
  type DuesProfileDoc,
} from "./duesLedger.js";
import { addMonths, formatFen, monthlyDuesFen, monthOf, monthsBetween } from "./duesRules.js";
import { UserError } from "./errors.js";
import { isPartyMember, owesDuesFor, statusOf, STATUS_ZH } from "./whoCounts.js";
import type { SecretBox } from "./secretBox.js";

/**
 * 党费 (Party dues): per-member standards (profiles), the monthly dues, payments and claims.
 * The read side (month status, a member's year, arrears) is in duesLedger.ts, re-exported here.
 *
 * Decisions:
 * - A profile applies from its `effectiveFrom` month until the next profile's; setting one for a
 *   month that already has one replaces it. Probationary members owe from the month of their
 *   acceptance: that is simply the `effectiveFrom` of their first profile.
 * - The wage base is sealed with the dues key (secretBox) and stored only sealed; only the
 *   employed and retired categories keep a base, only farmer and reduced keep `fixedFen`.
 * - Setting a profile recomputes this member's dues from `effectiveFrom` on that are not paid
 *   (unpaid and pending keep their status, only the amount changes) plus zero-amount dues settled
 *   automatically; every month takes the amount of the profile that applies to it, so a later
 *   profile keeps its months. Paid dues and earlier months are never touched.
 * - A zero amount (免交, or 减交 to 0) is a due created already paid with paidFen 0 and
 *   `recordedBy` AUTO_SETTLED. A range payment skips such months (they are not refused).
 * - Monthly creation covers active 正式 and 预备 members only (预备 from the month of acceptance,
 *   whoCounts.ts `owesDuesFor`); an active member without a profile for the
 *   month is `skipped`, one whose due exists is `existing` (so running twice creates nothing).
 * - Payment window: from (current month − backPayMonths) to (current month + prepayMonths), the
 *   current month being that of `now` in the branch's time zone.
 * - No transactions: a payment marks each month with its own compare-and-set on the status; a
 *   month someone else marked paid in between is left out of the result.
 */

export * from "./duesLedger.js";

const REASON_MAX = 200;

const NOT_OWING = (member: Pick<Member, "status">) =>
  `${STATUS_ZH[statusOf(member)]}不缴纳党费：党费只由正式党员和预备党员缴纳。`;
const USES_BASE: readonly DuesCategory[] = ["employed", "retired"];
const USES_FIXED: readonly DuesCategory[] = ["farmer", "reduced"];
const NEEDS_REASON: readonly DuesCategory[] = ["reduced", "waived"];

/** The profile applying to a month: the latest `effectiveFrom` not after it. */
export function pickProfile<P extends { effectiveFrom: string }>(profiles: P[], month: string): P | null {
  let best: P | null = null;
  for (const p of profiles) {
    // Canonical "YYYY-MM" strings sort as months do.
    if (p.effectiveFrom <= month && (!best || p.effectiveFrom > best.effectiveFrom)) best = p;
  }
  return best;
}

function memberProfiles(models: Pick<DuesModels, "DuesProfile">, branchId: string, openId: string) {
  return models.DuesProfile.find({ branchId, openId }).lean<DuesProfileDoc[]>();
}

/** The member's profile for a month, or null when none applies yet. */
export async function profileFor(
  models: Pick<DuesModels, "DuesProfile">,
  branchId: string,
  openId: string,
  month: string,
): Promise<DuesProfileDoc | null> {
  return pickProfile(await memberProfiles(models, branchId, openId), requireMonth(month));
}

/** Whether any profile exists (start-up refuses to run without the dues key if so). */
export async function hasAnyProfile(models: Pick<DuesModels, "DuesProfile">): Promise<boolean> {
  return (await models.DuesProfile.exists({})) !== null;
}

/** The plain wage base of a profile in fen (for the secretary's eyes only), or null. */
export function profileBaseFen(box: SecretBox, profile: { baseSealed?: string | null }): number | null {
  return profile.baseSealed ? Number(box.open(profile.baseSealed)) : null;
}

/** A new Due document: unpaid, or already settled when the amount is zero. */
function newDue(branchId: string, openId: string, month: string, amountFen: number, now: Date) {
  const settled = amountFen === 0;
  const status: DueStatus = settled ? "paid" : "unpaid";
  return {
    branchId,
    openId,
    month,
    amountFen,
    status,
    paidFen: settled ? 0 : null,
    paidAt: settled ? now : null,
    recordedBy: settled ? AUTO_SETTLED : null,
  };
}

/** Inserts a month's due unless it exists; returns the stored one and whether it was new. */
async function ensureDue(
  models: Pick<DuesModels, "Due">,
  doc: ReturnType<typeof newDue>,
): Promise<{ due: DueDoc; created: boolean }> {
  try {
    const created = await models.Due.create(doc);
    return { due: created.toObject() as DueDoc, created: true };
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const { branchId, openId, month } = doc;
    const due = await models.Due.findOne({ branchId, openId, month }).lean<DueDoc>();
    if (!due) throw error;
    return { due, created: false };
  }
}

export interface SetDuesProfileInput {
  branchId: string;
  openId: string;
  category: DuesCategory;
  /** 税后月工资 / 月离退休费 in fen (employed, retired). */
  baseFen?: number | null;
  /** The monthly amount for a farmer or a reduced member, fen. */
  fixedFen?: number | null;
  effectiveFrom: string;
  /** Required for 减交 and 免交 (the branch's decision). */
  reason?: string;
  setBy: string;
}

/** Sets a member's dues standard from a month on and re-prices their unpaid dues from then. */
export async function setDuesProfile(
  models: DuesDeps,
  clock: Clock,
  box: SecretBox,
  rules: DuesRules,
  input: SetDuesProfileInput,
): Promise<{ monthlyFen: number; effectiveFrom: string; repriced: string[] }> {
  const { branchId, openId, category } = input;
  const effectiveFrom = requireMonth(input.effectiveFrom, "生效月份");
  if (!DUES_CATEGORIES.includes(category)) throw new UserError(`未知的党费类别：${String(category)}`);
  const reason = (input.reason ?? "").trim();
  if (NEEDS_REASON.includes(category) && !reason) {
    throw new UserError("减交或免交党费须注明原因（经党支部研究决定）。");
  }
  if ([...reason].length > REASON_MAX) throw new UserError(`原因最多 ${REASON_MAX} 字。`);
  const member = await models.Member.findOne({ branchId, openId }).lean<Member>();
  if (!member?.active) throw new UserError("此人不是本支部的在册党员，请先 /党员 同步。");
  if (!isPartyMember(member)) throw new UserError(NOT_OWING(member));

  const monthlyFen = monthlyDuesFen(rules, {
    category,
    baseFen: input.baseFen ?? null,
    fixedFen: input.fixedFen ?? null,
  });
  const set = {
    category,
    baseSealed: USES_BASE.includes(category) ? box.seal(String(input.baseFen)) : null,
    fixedFen: USES_FIXED.includes(category) ? (input.fixedFen ?? null) : null,
    monthlyFen,
    reason,
    setBy: input.setBy,
  };
  const key = { branchId, openId, effectiveFrom };
  try {
    await models.DuesProfile.updateOne(key, { $set: set }, { upsert: true });
  } catch (error) {
    // Two sets racing for the same month: the unique index lets one insert; this one updates.
    if (!isDuplicateKeyError(error)) throw error;
    await models.DuesProfile.updateOne(key, { $set: set });
  }

  const repriced = await repriceDues(models, clock.now(), branchId, openId, effectiveFrom);
  return { monthlyFen, effectiveFrom, repriced };
}

/** Gives every not-paid (or auto-settled) due from `from` on the amount of its profile. */
async function repriceDues(
  models: DuesModels,
  now: Date,
  branchId: string,
  openId: string,
  from: string,
): Promise<string[]> {
  const profiles = await memberProfiles(models, branchId, openId);
  const dues = await models.Due.find({ branchId, openId }).lean<DueDoc[]>();
  const repriced: string[] = [];
  for (const due of dues) {
    if (due.month < from) continue;
    const auto = isAutoSettled(due);
    if (!auto && !OPEN_STATUSES.includes(due.status)) continue;
    const profile = pickProfile(profiles, due.month);
    if (!profile) continue;
    const amountFen = profile.monthlyFen;
    let set: Partial<Due>;
    if (amountFen === 0) {
      if (auto) continue; // already settled at zero
      set = { amountFen, status: "paid", paidFen: 0, paidAt: now, recordedBy: AUTO_SETTLED };
    } else if (auto) {
      set = { amountFen, status: "unpaid", paidFen: null, paidAt: null, recordedBy: null };
    } else {
      if (amountFen === due.amountFen) continue;
      set = { amountFen };
    }
    // Compare-and-set on the status read: a payment in between wins and is left alone.
    const result = await models.Due.updateOne({ _id: due._id, status: due.status }, { $set: set });
    if (result.matchedCount === 1) repriced.push(due.month);
  }
  return repriced.sort();
}

/**
 * Creates one month's dues for every active member who owes it (whoCounts.ts `owesDuesFor`:
 * 正式, or 预备 from the month of acceptance in `timeZone`) and has a profile for it. Others get
 * none and are not counted. Idempotent: dues that exist are counted as `existing`.
 */
export async function createMonthlyDues(
  models: DuesDeps,
  clock: Clock,
  input: { month: string; branchId?: string; timeZone?: string },
): Promise<{ created: number; existing: number; skipped: number }> {
  const month = requireMonth(input.month);
  const now = clock.now();
  const timeZone = input.timeZone ?? DEFAULT_TIME_ZONE;
  const filter = input.branchId ? { branchId: input.branchId, active: true } : { active: true };
  const members = await models.Member.find(filter, {
    branchId: 1,
    openId: 1,
    status: 1,
    statusSince: 1,
    profile: 1,
    transferOut: 1,
  }).lean<Pick<Member, "branchId" | "openId" | "status" | "statusSince" | "profile" | "transferOut">[]>();
  const byBranch = new Map<string, string[]>();
  for (const m of members) {
    if (!owesDuesFor(m, month, (date) => monthOf(date, timeZone))) continue;
    byBranch.set(m.branchId, [...(byBranch.get(m.branchId) ?? []), m.openId]);
  }

  const counts = { created: 0, existing: 0, skipped: 0 };
  for (const [branchId, openIds] of byBranch) {
    const profiles = await models.DuesProfile.find({ branchId, openId: trusted({ $in: openIds }) }).lean<
      DuesProfileDoc[]
    >();
    const byMember = new Map<string, DuesProfileDoc[]>();
    for (const p of profiles) byMember.set(p.openId, [...(byMember.get(p.openId) ?? []), p]);
    for (const openId of openIds) {
      const profile = pickProfile(byMember.get(openId) ?? [], month);
      if (!profile) {
        counts.skipped++;
        continue;
      }
      const { created } = await ensureDue(models, newDue(branchId, openId, month, profile.monthlyFen, now));
      counts[created ? "created" : "existing"]++;
    }
  }
  return counts;
}

export interface RecordPaymentInput {
  branchId: string;
  openId: string;
  from: string;
  to: string;
  /** The amount received; when given it must equal the sum due. */
  amountFen?: number;
  by: string;
  /** Defaults to the clock's now; its month (in timeZone) is the current month. */
  now?: Date;
  timeZone?: string;
}

/** Records a member's payment for the months from..to (both included). */
export async function recordPayment(
  models: DuesDeps,
  clock: Clock,
  rules: DuesRules,
  input: RecordPaymentInput,
): Promise<{ months: string[]; totalFen: number; skipped: string[] }> {
  const { branchId, openId } = input;
  const from = requireMonth(input.from, "起始月份");
  const to = requireMonth(input.to, "结束月份");
  if (from > to) throw new UserError("起始月份不能晚于结束月份。");
  const now = input.now ?? clock.now();
  const current = monthOf(now, input.timeZone ?? DEFAULT_TIME_ZONE);
  const earliest = addMonths(current, -rules.backPayMonths);
  const latest = addMonths(current, rules.prepayMonths);
  if (from < earliest) {
    throw new UserError(
      `补缴最多 ${rules.backPayMonths} 个月：现在最早可补缴 ${monthLabel(earliest)}，${monthLabel(from)} 已超出。`,
    );
  }
  if (to > latest) {
    const quarter = rules.prepayMonths === 3 ? "（一个季度）" : "";
    throw new UserError(
      `预缴最多 ${rules.prepayMonths} 个月${quarter}：现在最晚可预缴到 ${monthLabel(latest)}，${monthLabel(to)} 已超出。`,
    );
  }
  const member = await models.Member.findOne({ branchId, openId }).lean<Member>();
  if (!member) throw new UserError("此人不是本支部的党员，请先 /党员 同步。");
  if (!isPartyMember(member)) throw new UserError(NOT_OWING(member));

  const months = monthsBetween(from, to);
  const profiles = await memberProfiles(models, branchId, openId);
  const noProfile = months.filter((m) => !pickProfile(profiles, m));
  if (noProfile.length > 0) {
    throw new UserError(`${monthList(noProfile)} 尚未设定党费标准，请先设定。`);
  }

  // Plan from what is stored (a missing month as the due it would be) and refuse before writing.
  const stored = new Map(
    (await models.Due.find({ branchId, openId }).lean<DueDoc[]>()).map((d) => [d.month, d]),
  );
  const plan = months.map(
    (month) =>
      stored.get(month) ??
      newDue(branchId, openId, month, pickProfile(profiles, month)?.monthlyFen ?? 0, now),
  );
  const alreadyPaid = plan.filter((d) => d.status === "paid" && !isAutoSettled(d)).map((d) => d.month);
  if (alreadyPaid.length > 0) throw new UserError(`${monthList(alreadyPaid)} 已缴纳，不能重复登记。`);
  const skipped = plan.filter(isAutoSettled).map((d) => d.month);
  const toPay = plan.filter((d) => OPEN_STATUSES.includes(d.status));
  if (toPay.length === 0) throw new UserError("所选月份均为免交，无需缴纳。");
  const expected = toPay.reduce((sum, d) => sum + d.amountFen, 0);
  if (input.amountFen !== undefined && input.amountFen !== expected) {
    throw new UserError(
      `${monthLabel(from)}至${monthLabel(to)}应缴 ${formatFen(expected)}（${toPay.length} 个月），` +
        `与登记金额 ${formatFen(input.amountFen)} 不符，未登记。`,
    );
  }

  const paid: string[] = [];
  let totalFen = 0;
  for (const planned of toPay) {
    const due = "_id" in planned ? planned : (await ensureDue(models, planned)).due;
    const result = await models.Due.updateOne(
      { _id: due._id, status: trusted({ $in: [...OPEN_STATUSES] }) },
      { $set: { status: "paid", paidFen: due.amountFen, paidAt: now, recordedBy: input.by } },
    );
    if (result.matchedCount !== 1) continue; // recorded by someone else meanwhile
    paid.push(due.month);
    totalFen += due.amountFen;
  }
  return { months: paid, totalFen, skipped };
}

export interface ClaimResult {
  /** Newly marked pending. */
  claimed: string[];
  /** Already pending or paid: left as they were. */
  pending: string[];
  paid: string[];
  /** No due for the month (yet). */
  missing: string[];
}

/** The member's 我已缴纳: marks those unpaid dues pending, for the secretary to confirm. */
export async function claimPaid(
  models: Pick<DuesModels, "Due">,
  clock: Clock,
  input: { branchId: string; openId: string; months: string[] },
): Promise<ClaimResult> {
  const { branchId, openId } = input;
  const months = [...new Set(input.months.map((m) => requireMonth(m)))].sort();
  if (months.length === 0) throw new UserError("请说明是哪个月的党费。");
  const stored = new Map(
    (await models.Due.find({ branchId, openId }).lean<DueDoc[]>()).map((d) => [d.month, d]),
  );
  const result: ClaimResult = { claimed: [], pending: [], paid: [], missing: [] };
  const now = clock.now();
  for (const month of months) {
    const due = stored.get(month);
    if (!due) {
      result.missing.push(month);
      continue;
    }
    if (due.status === "unpaid") {
      const cas = await models.Due.updateOne(
        { _id: due._id, status: "unpaid" },
        { $set: { status: "pending", claimedAt: now } },
      );
      if (cas.matchedCount === 1) {
        result.claimed.push(month);
        continue;
      }
      const fresh = await models.Due.findOne({ branchId, openId, month }).lean<DueDoc>();
      result[fresh?.status === "paid" ? "paid" : "pending"].push(month);
      continue;
    }
    result[due.status === "paid" ? "paid" : "pending"].push(month);
  }
  return result;
}
