import { DateTime } from "luxon";
import {
  DUES_CATEGORIES,
  DUES_CATEGORY_NAMES,
  MAX_MONEY_FEN,
  type DuesCategory,
  type DuesRules,
} from "../../config/dues.js";
import { UserError } from "./errors.js";

/**
 * Dues arithmetic: pure functions over the rule table of config/dues.ts. Money is integer fen
 * (分) throughout — never floating yuan — and months are "YYYY-MM" strings.
 */

export interface DuesProfile {
  category: DuesCategory;
  /** 税后月工资 (employed) or 月离退休费 (retired), integer fen. */
  baseFen?: number | null;
  /** The monthly amount set for a farmer (within the rule's range) or a reduced member, fen. */
  fixedFen?: number | null;
}

function isFen(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 && value <= MAX_MONEY_FEN;
}

function bracketAmount(brackets: DuesRules["employed"]["brackets"], baseFen: number): number {
  const bracket = brackets.find((b) => b.upToFen === null || baseFen <= b.upToFen);
  // The schema guarantees a last, open-ended bracket.
  if (!bracket) throw new Error("dues rules have no bracket for this base");
  // baseFen × basisPoints / 10000, rounded half up to the fen, in integers only: adding half the
  // divisor (5000) before the floor division rounds x.5 fen up and anything below it down. Both
  // factors are non-negative and bounded (≤ 1e9 fen × ≤ 1e4), so the product stays a safe integer.
  return Math.floor((baseFen * bracket.basisPoints + 5000) / 10000);
}

/**
 * The dues a member owes for one month, in fen. Throws UserError (Chinese) when the profile lacks
 * what its category needs or holds a value the rules do not allow.
 */
export function monthlyDuesFen(rules: DuesRules, profile: DuesProfile): number {
  const { category, baseFen, fixedFen } = profile;
  switch (category) {
    case "employed":
    case "retired": {
      const what = category === "employed" ? "税后月工资" : "月离退休费";
      const who = category === "employed" ? "在职党员" : "离退休党员";
      if (baseFen === undefined || baseFen === null) throw new UserError(`${who}需填写${what}`);
      if (!isFen(baseFen)) {
        throw new UserError(`${what}须为 0 至 ${formatFen(MAX_MONEY_FEN)} 之间的金额（精确到分）`);
      }
      return bracketAmount(rules[category].brackets, baseFen);
    }
    case "student":
    case "unemployed":
    case "relief":
      return rules.fixedFen[category];
    case "farmer": {
      const { minFen, maxFen } = rules.farmer;
      const range = `${formatFen(minFen)}至${formatFen(maxFen)}`;
      if (fixedFen === undefined || fixedFen === null) {
        throw new UserError(`农民党员需填写每月党费（${range}）`);
      }
      if (!Number.isSafeInteger(fixedFen) || fixedFen < minFen || fixedFen > maxFen) {
        throw new UserError(`农民党员每月党费应在${range}之间`);
      }
      return fixedFen;
    }
    case "reduced":
      // The amount is what the branch decided (报上一级党委批准); that it is below the computed
      // amount is not checked, since the member's base may not be on record.
      if (fixedFen === undefined || fixedFen === null) {
        throw new UserError("减交党员需填写经党支部研究确定的每月党费");
      }
      if (!isFen(fixedFen)) throw new UserError("减交党员的每月党费须为不小于 0 的金额（精确到分）");
      return fixedFen;
    case "waived":
      return 0;
    default: {
      const unknown: never = category;
      throw new UserError(`未知的党费类别：${String(unknown)}`);
    }
  }
}

/** "127.50 元", "0.20 元", "-3.05 元": fen as yuan with two decimals, integer math only. */
export function formatFen(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`not an integer amount of fen: ${fen}`);
  const abs = Math.abs(fen);
  const yuan = Math.floor(abs / 100);
  const cents = abs % 100;
  return `${fen < 0 ? "-" : ""}${yuan}.${String(cents).padStart(2, "0")} 元`;
}

// Digits with optional thousands separators (all groups of three), then at most two decimals.
const YUAN_RE = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$/;

/**
 * An amount typed in yuan → integer fen: "8500", "8,500.5", "8500.50", "0.2", "¥8500", "8500元".
 * Null for negatives, more than two decimals, anything else, or more than 10,000,000 yuan.
 */
export function parseYuanToFen(text: string): number | null {
  const cleaned = text
    .trim()
    .replace(/^[¥￥]\s*/, "")
    .replace(/\s*元$/, "");
  const match = YUAN_RE.exec(cleaned);
  if (!match) return null;
  const digits = (match[1] ?? "").replace(/,/g, "").replace(/^0+(?=\d)/, "");
  // More digits than the cap has cannot be accepted, and would overflow exact integers.
  if (digits.length > String(MAX_MONEY_FEN / 100).length) return null;
  const decimals = (match[2] ?? "").padEnd(2, "0");
  const fen = Number(digits) * 100 + Number(decimals);
  return fen <= MAX_MONEY_FEN ? fen : null;
}

const CATEGORY_BY_ALIAS: ReadonlyMap<string, DuesCategory> = new Map(
  DUES_CATEGORIES.flatMap((category) => [
    [category, category] as const,
    ...DUES_CATEGORY_NAMES[category].aliases.map((alias) => [alias.toLowerCase(), category] as const),
  ]),
);

/** A category from a word a secretary typed (在职, 退休, student, …); null if none matches. */
export function parseCategory(word: string): DuesCategory | null {
  return CATEGORY_BY_ALIAS.get(word.trim().toLowerCase()) ?? null;
}

// ---- Months ("YYYY-MM") ----

const MONTH_RE = /^(\d{4})-(\d{2})$/;

/** Months since year 0 of a canonical "YYYY-MM"; throws RangeError on anything else. */
function monthIndex(month: string): number {
  const match = MONTH_RE.exec(month);
  const m = match ? Number(match[2]) : 0;
  if (!match || m < 1 || m > 12) throw new RangeError(`not a month "YYYY-MM": ${month}`);
  return Number(match[1]) * 12 + (m - 1);
}

function monthFromIndex(index: number): string {
  const year = Math.floor(index / 12);
  if (year < 0 || year > 9999) throw new RangeError(`month out of range: year ${year}`);
  return `${String(year).padStart(4, "0")}-${String((index % 12) + 1).padStart(2, "0")}`;
}

/**
 * A month typed by a user → "YYYY-MM", or null. Accepts "2026-05", "2026-5", "2026/5", "2026.5",
 * "202605" and "2026年5月"; the month must be 1–12.
 */
export function parseMonth(text: string): string | null {
  const t = text.trim();
  const match = /^(\d{4})(?:[-/.](\d{1,2})|年(\d{1,2})月?|(\d{2}))$/.exec(t);
  if (!match) return null;
  const month = Number(match[2] ?? match[3] ?? match[4]);
  if (month < 1 || month > 12) return null;
  return `${match[1]}-${String(month).padStart(2, "0")}`;
}

/** The month `n` months after `month` (n may be negative): addMonths("2026-12", 1) = "2027-01". */
export function addMonths(month: string, n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not a whole number of months: ${n}`);
  return monthFromIndex(monthIndex(month) + n);
}

/** Negative, zero or positive as `a` is before, the same as, or after `b`. */
export function compareMonths(a: string, b: string): number {
  return Math.sign(monthIndex(a) - monthIndex(b));
}

/** Every month from `from` to `to`, both included; empty when `to` is before `from`. */
export function monthsBetween(from: string, to: string): string[] {
  const start = monthIndex(from);
  const end = monthIndex(to);
  const months: string[] = [];
  for (let i = start; i <= end; i++) months.push(monthFromIndex(i));
  return months;
}

/** The month ("YYYY-MM") an instant falls in, in the given IANA time zone. */
export function monthOf(date: Date, timeZone: string): string {
  const dt = DateTime.fromJSDate(date, { zone: timeZone });
  if (!dt.isValid) throw new RangeError(`cannot place ${String(date)} in time zone ${timeZone}`);
  return dt.toFormat("yyyy-MM");
}
