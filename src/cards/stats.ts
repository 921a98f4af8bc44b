/**
 * Statistics cards and messages (pure builders: data → card JSON 2.0 or text, no I/O).
 *
 * - branchStatsCard: one branch's 组织生活 over a period — 三会一课 compliance per meeting type,
 *   participation per type, the members with the lowest participation, study, dues, and a chart of
 *   the participation rate per month;
 * - the organisation roll-up is cards/orgStats.ts;
 * - complianceWarningText / complianceReportText: DMs to a secretary.
 *
 * The chart is the card JSON 2.0 图表 component (open.feishu.cn/document/feishu-cards/
 * card-json-v2-components/content-components/chart): `{ tag: "chart", aspect_ratio, chart_spec }`
 * where `chart_spec` is a VChart spec (`{ type: "line", data: { values }, xField, yField }`). The
 * spec may not contain JavaScript, so values are plain numbers (percent, one decimal), and texts in
 * the spec cannot be translated: the chart's title is a markdown element above it instead.
 * Tables are markdown lists (one line per row), which stay readable on mobile.
 *
 * Rates are numbers 0..1; a rate that is not a finite number, or whose denominator (expected,
 * total) is 0, shows as "—" — the domain reports 0 for those.
 */
import { formatFen } from "../domain/duesRules.js";
import { pendingText, unitName, unitsStatus, unitsWord } from "./complianceUnits.js";
import {
  card,
  escapeMarkdown,
  header,
  hr,
  i18n,
  markdown,
  MONTHS_EN,
  truncate,
  type Card,
  type CardElement,
  type HeaderTemplate,
  type I18nText,
} from "./common.js";

/** One branch's statistics over a period (computed by the domain). */
export interface BranchStatsView {
  branchName: string;
  /** "2026", "2026-Q4", "2026-11". */
  periodLabel: string;
  compliance: {
    rows: {
      type: string;
      zh: string;
      /** Meetings of this type required in the period; null when not required. */
      required: number | null;
      held: number;
      /** null when not required; true when every month (quarter) of the rule is met. */
      met: boolean | null;
      /** The months ("2026-02"), quarters ("2026-Q1") or year the rule is checked in. */
      units?: { label: string; required: number; held: number; state: "met" | "missed" | "open" }[];
      /** Meetings started but not closed yet ("M7"), counted in `held`. */
      pending?: string[];
    }[];
    requiredTypes: number;
    metTypes: number;
    rate: number;
    /** Types with a month (quarter) that ended unmet; absent: judged by met/required. */
    overdueTypes?: number;
  };
  participationByType: { zh: string; meetings: number; expected: number; present: number; rate: number }[];
  /** Lowest rate first. */
  participationByMember: { name: string; expected: number; present: number; rate: number }[];
  participationByMonth: { month: string; expected: number; present: number; rate: number }[];
  study: { tasks: number; confirmed: number; expected: number; completionRate: number; hoursTotal: number };
  /**
   * 学时 of the period: 集中学习 (党课, 主题党日 check-ins) and 自学 (study tasks). `members`
   * (lowest first) only where the asker is a secretary in a private chat: never in a group.
   */
  studyHours: {
    fromMeetings: number;
    fromStudies: number;
    total: number;
    target: number;
    members?: { name: string; fromMeetings: number; fromStudies: number; towardTarget: number }[];
  };
  dues: {
    collectedFen: number;
    outstandingFen: number;
    /** Head-counts: members owing above zero, fully paid, owing, 免交 apart; rate null when none due. */
    members: { due: number; paid: number; owing: number; waived: number; rate: number | null };
  };
}

/** What the compliance messages need: the branch, the period and its compliance. */
export type ComplianceMessageInput = Pick<BranchStatsView, "branchName" | "periodLabel" | "compliance">;

/** Members listed on the branch card (lowest participation first). */
export const LOWEST_MEMBERS_SHOWN = 10;
/** Months drawn in the chart (the latest ones, should a period ever be longer). */
export const CHART_MONTHS_MAX = 24;

const NAME_MAX = 20;
const BRANCH_NAME_MAX = 30;
const TYPE_NAME_MAX = 20;

/** True when `rate` is a number that can be shown. */
export function isRate(rate: unknown): rate is number {
  return typeof rate === "number" && Number.isFinite(rate);
}

/**
 * A rate, or NaN when its denominator is 0: the domain reports 0 when no one was expected, which
 * would read as "nobody came" rather than "no data".
 */
export function rateOf(rate: number, denominator: number): number {
  return denominator > 0 ? rate : NaN;
}

/**
 * A rate 0..1 as a percent with at most one decimal: 0.5 → "50%", 1/3 → "33.3%", 1 → "100%";
 * NaN, ±Infinity, null or undefined → "—".
 */
export function formatPercent(rate: number | null | undefined): string {
  if (!isRate(rate)) return "—";
  const tenths = Math.round(rate * 1000);
  const value = tenths / 10;
  return `${Object.is(value, -0) ? 0 : value}%`;
}

/** A rate as a number for the chart: percent with one decimal, or null when not a finite number. */
export function percentValue(rate: number): number | null {
  return isRate(rate) ? Math.round(rate * 1000) / 10 : null;
}

/** "2026" → "2026 年", "2026-Q4" → "2026 年第 4 季度", "2026-11" → "2026 年 11 月"; English alike. */
export function periodText(label: string): I18nText {
  const year = /^(\d{4})$/.exec(label);
  if (year) return { zh: `${year[1]} 年`, en: `${year[1]}` };
  const quarter = /^(\d{4})-[Qq]([1-4])$/.exec(label);
  if (quarter) return { zh: `${quarter[1]} 年第 ${quarter[2]} 季度`, en: `Q${quarter[2]} ${quarter[1]}` };
  const month = /^(\d{4})-(\d{1,2})$/.exec(label);
  if (month && Number(month[2]) >= 1 && Number(month[2]) <= 12) {
    const m = Number(month[2]);
    return { zh: `${month[1]} 年 ${m} 月`, en: `${MONTHS_EN[m - 1]} ${month[1]}` };
  }
  return { zh: label, en: label };
}

/** A count for display: integers as is with thousands separators. */
export function count(n: number): string {
  return Number.isFinite(n) ? n.toLocaleString("en-US") : "—";
}

/** Hours with at most one decimal: 12 → "12", 12.25 → "12.3". */
export function hours(h: number): string {
  return Number.isFinite(h) ? String(Math.round(h * 10) / 10) : "—";
}

function money(fen: number): string {
  return Number.isSafeInteger(fen) ? formatFen(fen) : "—";
}

/** User text (a name) for a markdown element: shortened and escaped. */
export function safeName(text: string, max: number): string {
  return escapeMarkdown(truncate(text.replace(/\s+/g, " ").trim(), max));
}

function join(lines: I18nText[]): I18nText {
  return { zh: lines.map((l) => l.zh).join("\n"), en: lines.map((l) => l.en).join("\n") };
}

export function section(title: I18nText, lines: I18nText[]): CardElement {
  return markdown(join([{ zh: `**${title.zh}**`, en: `**${title.en}**` }, ...lines]));
}

type ComplianceRow = BranchStatsView["compliance"]["rows"][number];

/** Whether a row is required, and met; a required row without `met` counts held against required. */
function rowStatus(row: ComplianceRow): "not-required" | "met" | "open" {
  if (row.required === null) return "not-required";
  const met = row.met ?? row.held >= row.required;
  return met ? "met" : "open";
}

/** "支部党员大会：✅ 已完成 1/1" / "⚠️ 未完成 0/1" / "⏳ 进行中 0/1（未到期）" / "— 不要求". */
function complianceLine(row: ComplianceRow): I18nText {
  const name = safeName(row.zh, TYPE_NAME_MAX);
  const status = rowStatus(row);
  const pending = pendingText(row);
  if (status === "not-required") {
    const held =
      row.held > 0 ? { zh: `（已开 ${count(row.held)} 次）`, en: ` (${count(row.held)} held)` } : null;
    return {
      zh: `${name}：— 不要求${held?.zh ?? ""}${pending.zh}`,
      en: `${name}: — not required${held?.en ?? ""}${pending.en}`,
    };
  }
  const units = row.units ?? [];
  if (units.length > 1) {
    const text = unitsStatus(row, units);
    return { zh: `${name}：${text.zh}${pending.zh}`, en: `${name}: ${text.en}${pending.en}` };
  }
  const ratio = `${count(row.held)}/${count(row.required ?? 0)}`;
  if (status === "open" && units[0]?.state === "open")
    return {
      zh: `${name}：⏳ 进行中 ${ratio}（未到期）${pending.zh}`,
      en: `${name}: ⏳ in progress ${ratio} (not yet due)${pending.en}`,
    };
  return status === "met"
    ? { zh: `${name}：✅ 已完成 ${ratio}${pending.zh}`, en: `${name}: ✅ done ${ratio}${pending.en}` }
    : { zh: `${name}：⚠️ 未完成 ${ratio}${pending.zh}`, en: `${name}: ⚠️ not done ${ratio}${pending.en}` };
}

function complianceSummary(compliance: BranchStatsView["compliance"]): I18nText {
  if (compliance.requiredTypes === 0)
    return { zh: "本期没有要求召开的三会一课", en: "No meetings are required in this period" };
  const rate = formatPercent(compliance.rate);
  const overdue = compliance.overdueTypes;
  const open = compliance.requiredTypes - compliance.metTypes;
  const tail =
    overdue === undefined || open === 0
      ? { zh: "", en: "" }
      : overdue > 0
        ? { zh: `，${count(overdue)} 项逾期`, en: `, ${count(overdue)} overdue` }
        : { zh: "，无逾期（其余尚未到期）", en: ", none overdue (the rest not yet due)" };
  return {
    zh: `三会一课完成 ${count(compliance.metTypes)}/${count(compliance.requiredTypes)} 项（${rate}）${tail.zh}`,
    en: `${count(compliance.metTypes)}/${count(compliance.requiredTypes)} required meeting types done (${rate})${tail.en}`,
  };
}

function complianceElement(compliance: BranchStatsView["compliance"]): CardElement {
  const summary = complianceSummary(compliance);
  return section(i18n("三会一课", "Required meetings"), [
    { zh: `**${summary.zh}**`, en: `**${summary.en}**` },
    ...compliance.rows.map(complianceLine),
  ]);
}

function participationByTypeElement(rows: BranchStatsView["participationByType"]): CardElement {
  const lines = rows.map((row) => {
    const name = safeName(row.zh, TYPE_NAME_MAX);
    const ratio = `${count(row.present)}/${count(row.expected)}`;
    const rate = formatPercent(rateOf(row.rate, row.expected));
    return {
      zh: `${name}：${count(row.meetings)} 次 · 实到/应到 ${ratio} · ${rate}`,
      en: `${name}: ${count(row.meetings)} meetings · present/expected ${ratio} · ${rate}`,
    };
  });
  if (lines.length === 0) lines.push(i18n("本期没有会议。", "No meetings in this period."));
  return section(i18n("参会情况（按类型）", "Attendance by meeting type"), lines);
}

/** Members with the lowest rate first (stable, so the domain's tie order stays); without data: out. */
function lowestMembers(rows: BranchStatsView["participationByMember"]) {
  return rows.filter((row) => row.expected > 0 && isRate(row.rate)).sort((a, b) => a.rate - b.rate);
}

function lowestMembersElement(rows: BranchStatsView["participationByMember"]): CardElement {
  const members = lowestMembers(rows);
  const shown = members.slice(0, LOWEST_MEMBERS_SHOWN);
  const lines: I18nText[] = shown.map((row, i) => {
    const text = `${i + 1}. ${safeName(row.name, NAME_MAX)}　${count(row.present)}/${count(row.expected)} · ${formatPercent(row.rate)}`;
    return { zh: text, en: text };
  });
  if (lines.length === 0) lines.push(i18n("暂无数据。", "No data."));
  else if (members.length > shown.length)
    lines.push({
      zh: `（共 ${count(members.length)} 名党员，仅列出最低的 ${shown.length} 名）`,
      en: `(${count(members.length)} members; only the lowest ${shown.length} are listed)`,
    });
  return section(i18n("参会率最低的党员", "Lowest attendance"), lines);
}

/** Members listed in the 学时 section, lowest first. */
export const STUDY_HOURS_MEMBERS_SHOWN = 20;

function studyElement(
  study: BranchStatsView["study"],
  studyHours: BranchStatsView["studyHours"],
): CardElement {
  const ratio = `${count(study.confirmed)}/${count(study.expected)}`;
  const rate = formatPercent(rateOf(study.completionRate, study.expected));
  return section(i18n("学习", "Study"), [
    {
      zh: `学习任务 ${count(study.tasks)} 项 · 已确认 ${ratio}（${rate}）`,
      en: `${count(study.tasks)} study tasks · confirmed ${ratio} (${rate})`,
    },
    {
      zh: `学时合计 ${hours(studyHours.total)} 小时（集中学习 ${hours(studyHours.fromMeetings)} · 自学 ${hours(studyHours.fromStudies)}）`,
      en: `Study hours in total: ${hours(studyHours.total)} (in sessions ${hours(studyHours.fromMeetings)} · self-study ${hours(studyHours.fromStudies)})`,
    },
  ]);
}

/** Per member 学时 against the yearly target, lowest first (secretaries, private chat only). */
function studyHoursMembersElement(studyHours: BranchStatsView["studyHours"]): CardElement | null {
  const members = studyHours.members;
  if (!members) return null;
  const shown = members.slice(0, STUDY_HOURS_MEMBERS_SHOWN);
  const target = hours(studyHours.target);
  const lines: I18nText[] = shown.map((m, i) => {
    const name = safeName(m.name, NAME_MAX);
    return {
      zh: `${i + 1}. ${name}　集中学习 ${hours(m.fromMeetings)} · 自学 ${hours(m.fromStudies)} · 计入 ${hours(m.towardTarget)}/${target}`,
      en: `${i + 1}. ${name}　sessions ${hours(m.fromMeetings)} · self-study ${hours(m.fromStudies)} · counted ${hours(m.towardTarget)}/${target}`,
    };
  });
  if (lines.length === 0) lines.push(i18n("暂无数据。", "No data."));
  else if (members.length > shown.length)
    lines.push({
      zh: `（共 ${count(members.length)} 名党员，仅列出最低的 ${shown.length} 名）`,
      en: `(${count(members.length)} members; only the lowest ${shown.length} are listed)`,
    });
  return section(
    i18n(
      `党员学时（年度目标 ${target} 学时，最低的在前）`,
      `Study hours per member (yearly target ${target})`,
    ),
    lines,
  );
}

function duesElement(dues: BranchStatsView["dues"]): CardElement {
  const m = dues.members;
  const waivedZh = m.waived > 0 ? ` · 免交 ${count(m.waived)} 人` : "";
  const waivedEn = m.waived > 0 ? ` · ${count(m.waived)} waived` : "";
  const ratio = `${count(m.paid)}/${count(m.due)}`;
  return section(i18n("党费", "Party dues"), [
    m.due === 0
      ? { zh: `已缴清 —（本期无应缴党费）${waivedZh}`, en: `Paid in full — (nothing due)${waivedEn}` }
      : {
          zh: `已缴清 ${ratio} 人（${formatPercent(m.rate)}） · 欠缴 ${count(m.owing)} 人${waivedZh}`,
          en: `Paid in full ${ratio} members (${formatPercent(m.rate)}) · ${count(m.owing)} owing${waivedEn}`,
        },
    {
      zh: `已收 ${money(dues.collectedFen)} · 未缴 ${money(dues.outstandingFen)}`,
      en: `Collected ${money(dues.collectedFen)} · outstanding ${money(dues.outstandingFen)}`,
    },
  ]);
}

/** One point of the participation chart: the month and its rate in percent (null: no data). */
export interface ChartPoint {
  month: string;
  rate: number | null;
}

/**
 * The 图表 component: participation rate (%) per month, a line (a bar for a single month), y axis
 * 0–100; a month without meetings (no one expected) is null, a gap. Only data and field names, no
 * functions (the chart component does not run JavaScript).
 */
export function participationChart(months: BranchStatsView["participationByMonth"]): CardElement {
  const values: ChartPoint[] = months
    .slice(-CHART_MONTHS_MAX)
    .map((m) => ({ month: m.month, rate: percentValue(rateOf(m.rate, m.expected)) }));
  return {
    tag: "chart",
    aspect_ratio: "2:1",
    chart_spec: {
      type: values.length > 1 ? "line" : "bar",
      data: { values },
      xField: "month",
      yField: "rate",
      axes: [{ orient: "left", min: 0, max: 100 }],
      label: { visible: true },
    },
  };
}

function chartElements(months: BranchStatsView["participationByMonth"]): CardElement[] {
  const title = i18n("每月参会率（%）", "Attendance rate by month (%)");
  if (!months.some((m) => isRate(rateOf(m.rate, m.expected)))) {
    return [section(title, [i18n("暂无数据。", "No data.")])];
  }
  return [markdown({ zh: `**${title.zh}**`, en: `**${title.en}**` }), participationChart(months)];
}

/** Orange only for what is overdue: green when all is met, blue when the rest is merely not yet due. */
function complianceTemplate(compliance: BranchStatsView["compliance"]): HeaderTemplate {
  if (compliance.metTypes >= compliance.requiredTypes) return "green";
  if (compliance.overdueTypes === undefined) return "orange";
  return compliance.overdueTypes > 0 ? "orange" : "blue";
}

/**
 * The statistics card of one branch for a period: "「支部」2026 年 组织生活统计". Lists have fixed
 * lengths (the lowest LOWEST_MEMBERS_SHOWN members), so it stays within Lark's limits for any size.
 */
export function branchStatsCard(view: BranchStatsView): Card {
  const period = periodText(view.periodLabel);
  const name = truncate(view.branchName.trim(), BRANCH_NAME_MAX);
  const title = { zh: `「${name}」${period.zh} 组织生活统计`, en: `${name}: activities ${period.en}` };
  const summary = complianceSummary(view.compliance);
  const elements: CardElement[] = [
    complianceElement(view.compliance),
    hr(),
    participationByTypeElement(view.participationByType),
    ...chartElements(view.participationByMonth),
    hr(),
    lowestMembersElement(view.participationByMember),
    hr(),
    studyElement(view.study, view.studyHours),
    ...(studyHoursMembersElement(view.studyHours) ? [studyHoursMembersElement(view.studyHours)!] : []),
    hr(),
    duesElement(view.dues),
  ];
  return card({
    header: header(title, complianceTemplate(view.compliance), summary),
    elements,
    summary: { zh: `${title.zh}：${summary.zh}`, en: `${title.en}: ${summary.en}` },
  });
}

/** A name for a plain text message: one line, no `<at>` tags, shortened. */
function plainName(text: string): string {
  return truncate(text.replace(/\s+/g, " ").trim().replace(/</g, "＜").replace(/>/g, "＞"), BRANCH_NAME_MAX);
}

function plainType(text: string): string {
  return truncate(text.replace(/\s+/g, " ").trim().replace(/</g, "＜").replace(/>/g, "＞"), TYPE_NAME_MAX);
}

/** Whether a row still needs meetings: a missed month (quarter), or its only unit not yet met. */
function needsMeetings(row: ComplianceRow): boolean {
  if (rowStatus(row) !== "open") return false;
  const units = row.units ?? [];
  if (units.length <= 1) return true;
  return units.some((u) => u.state === "missed");
}

/** "支部党员大会 0/1、支委会 1/3 个月（缺 2月、3月）": the required types not met. */
function openRowsText(rows: ComplianceRow[]): string {
  return rows
    .filter(needsMeetings)
    .map((row) => {
      const units = row.units ?? [];
      if (units.length <= 1) return `${plainType(row.zh)} ${count(row.held)}/${count(row.required ?? 0)}`;
      const met = units.filter((u) => u.state === "met").length;
      const missed = units.filter((u) => u.state === "missed").map((u) => unitName(u.label).zh);
      return `${plainType(row.zh)} 达标 ${met}/${units.length} ${unitsWord(units).zh}（缺 ${missed.join("、")}）`;
    })
    .join("、");
}

/** "党课 M7 已召开、待结束 (/会议 结束 M7)": meetings held and not closed. */
function pendingRowsText(rows: ComplianceRow[]): string {
  return rows
    .flatMap((row) =>
      (row.pending ?? []).map(
        (id) => `${plainType(row.zh)} ${plainType(id)} 已召开、待结束 (/会议 结束 ${plainType(id)})`,
      ),
    )
    .join("、");
}

/** "以下会议已召开、待结束，请及时结束会议以记录到会情况：…。" or "". */
function pendingSentence(rows: ComplianceRow[]): string {
  const pending = pendingRowsText(rows);
  return pending ? `以下会议已召开、待结束，请及时结束会议以记录到会情况：${pending}。` : "";
}

/**
 * The DM to a secretary when two thirds of a period have passed and required meetings are not yet
 * held: "「一支部」2026 年第 4 季度已过三分之二，以下组织生活尚未完成：支部党员大会 0/1、… 请及时安排。"
 * A monthly rule in a quarter or year is listed only for a month it missed (not for months to
 * come); meetings held but not closed are listed with the command that closes them. Null when
 * there is nothing to do (nothing to send).
 */
export function complianceWarningText(input: ComplianceMessageInput): string | null {
  const open = openRowsText(input.compliance.rows);
  const pending = pendingSentence(input.compliance.rows);
  if (!open && !pending) return null;
  const period = periodText(input.periodLabel).zh;
  const head = `「${plainName(input.branchName)}」${period}已过三分之二，`;
  return open ? `${head}以下组织生活尚未完成：${open}。请及时安排。${pending}` : `${head}${pending}`;
}

/**
 * The DM to a secretary at the end of a period: "「一支部」2026 年第 4 季度组织生活情况：三会一课完成
 * 3/4 项（75%）。未完成：支部党员大会 0/1。" (or "全部完成，谢谢！").
 */
export function complianceReportText(input: ComplianceMessageInput): string {
  const period = periodText(input.periodLabel).zh;
  const summary = complianceSummary(input.compliance).zh;
  const open = openRowsText(input.compliance.rows);
  const head = `「${plainName(input.branchName)}」${period}组织生活情况：${summary}。`;
  const pending = pendingSentence(input.compliance.rows);
  if (open) return `${head}未完成：${open}。${pending}`;
  return (input.compliance.requiredTypes > 0 ? `${head}要求的组织生活已全部完成。` : head) + pending;
}
