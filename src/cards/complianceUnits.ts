/**
 * Texts of a 三会一课 rule checked unit by unit (month, quarter, year) for the statistics card and
 * messages (cards/stats.ts): the units' names, the months missed and still to come, and the
 * meetings held but not closed.
 */
import { unitNameZh, unitsWordZh } from "../domain/compliance.js";
import { escapeMarkdown, MONTHS_EN, type I18nText } from "./common.js";

/** What these texts read of a compliance row (cards/stats.ts's BranchStatsView rows). */
interface ComplianceRow {
  held: number;
  pending?: string[];
}

function count(n: number): string {
  return Number.isFinite(n) ? n.toLocaleString("en-US") : "—";
}

export interface Unit {
  label: string;
  state: "met" | "missed" | "open";
}

/** "2026-02" → "2月", "2026-Q2" → "第2季度", "2026" → "2026年". */
export function unitName(label: string): I18nText {
  const quarter = /^\d{4}-Q(\d)$/.exec(label);
  const month = /^\d{4}-(\d{2})$/.exec(label);
  const en = quarter ? `Q${quarter[1]}` : month ? (MONTHS_EN[Number(month[1]) - 1] ?? label) : label;
  return { zh: unitNameZh(label), en };
}

export function unitsWord(units: Unit[]): I18nText {
  const zh = unitsWordZh(units);
  return { zh, en: zh === "个季度" ? "quarters" : "months" };
}

/** "，其中 M7 已召开、待结束 (/会议 结束 M7)". */
export function pendingText(row: ComplianceRow): I18nText {
  const pending = row.pending ?? [];
  if (pending.length === 0) return { zh: "", en: "" };
  return {
    zh: `；${pending.map((id) => `${escapeMarkdown(id)} 已召开、待结束 (/会议 结束 ${escapeMarkdown(id)})`).join("、")}`,
    en: `; ${pending.map((id) => `${escapeMarkdown(id)} held, not closed (/meeting close ${escapeMarkdown(id)})`).join(", ")}`,
  };
}

/**
 * A rule checked month by month (quarter by quarter): "✅ 已完成 3/3 个月", "⚠️ 达标 1/3 个月，
 * 未达标：2月、3月", "⏳ 至今达标 3/3 个月，还有 9 个月未到", with the meetings held in all.
 */
export function unitsStatus(row: ComplianceRow, units: Unit[]): I18nText {
  const word = unitsWord(units);
  const met = units.filter((u) => u.state === "met").length;
  const missed = units.filter((u) => u.state === "missed");
  const open = units.filter((u) => u.state === "open").length;
  const held = { zh: `（共开 ${count(row.held)} 次）`, en: ` (${count(row.held)} held)` };
  const later =
    open > 0
      ? { zh: `，还有 ${open} ${word.zh}未到`, en: `, ${open} ${word.en} still to come` }
      : { zh: "", en: "" };
  if (missed.length > 0) {
    const names = missed.map((u) => unitName(u.label));
    return {
      zh: `⚠️ 达标 ${met}/${units.length} ${word.zh}，未达标：${names.map((n) => n.zh).join("、")}${later.zh}${held.zh}`,
      en: `⚠️ met in ${met}/${units.length} ${word.en}, missed: ${names.map((n) => n.en).join(", ")}${later.en}${held.en}`,
    };
  }
  if (open === 0)
    return {
      zh: `✅ 已完成 ${met}/${units.length} ${word.zh}${held.zh}`,
      en: `✅ done in ${met}/${units.length} ${word.en}${held.en}`,
    };
  return {
    zh: `⏳ 至今达标 ${met}/${met} ${word.zh}${later.zh}${held.zh}`,
    en: `⏳ on schedule, met in ${met}/${met} ${word.en}${later.en}${held.en}`,
  };
}
