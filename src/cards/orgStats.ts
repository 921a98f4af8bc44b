/**
 * The organisation roll-up card (`/统计 党委`, to the organisation's secretaries in a private chat):
 * the branches that need attention first, each with why (the rule missed and its months, meetings
 * not closed, dues owing, low participation or study), then the others; per branch its meetings
 * per type, participation, study and 学时, dues head-count and members by status; and a chart of
 * the months across branches. Branches are listed without numbers or places: the order says what
 * to look at first, it is not a ranking (and the card never goes to a group).
 */
import { unitName } from "./complianceUnits.js";
import {
  buildWithinBudgets,
  card,
  header,
  hr,
  i18n,
  markdown,
  truncate,
  type Card,
  type CardElement,
  type HeaderTemplate,
  type I18nText,
} from "./common.js";
import { count, formatPercent, hours, percentValue, periodText, safeName, section } from "./stats.js";

export type AttentionReasonView =
  | { kind: "missed"; zh: string; units: string[] }
  | { kind: "pending"; count: number }
  | { kind: "dues"; owing: number }
  | { kind: "participation"; rate: number }
  | { kind: "study"; rate: number };

export interface OrgBranchView {
  branchId: string;
  name: string;
  metTypes: number;
  requiredTypes: number;
  overdueTypes: number;
  heldByType: { zh: string; held: number }[];
  meetings: number;
  participationRate: number;
  study: { tasks: number; rate: number | null };
  studyHours: { perMember: number | null };
  dues: { due: number; paid: number; owing: number; waived: number; rate: number | null };
  members: Partial<Record<string, number>>;
  /** 支部体检 findings now; left out of the card when absent. */
  health?: { findings: number };
  /** 发展党员 now: people per stage, next steps overdue; left out when absent. */
  development?: { stages: Partial<Record<string, number>>; overdue: number };
  attention: AttentionReasonView[];
}

export interface OrgStatsView {
  orgName: string;
  periodLabel: string;
  /** Most attention first (the domain's order). */
  rows: OrgBranchView[];
  /** Across the branches, month by month. */
  trend: { month: string; judged: number; met: number; expected: number; present: number }[];
}

/** Branches listed in full at most (the rest are counted). */
export const BRANCHES_SHOWN = 30;
const BRANCH_NAME_MAX = 30;
const TYPE_NAME_MAX = 12;

const STATUS_SHORT: [string, I18nText][] = [
  ["full", i18n("正式", "full")],
  ["probationary", i18n("预备", "probationary")],
  ["target", i18n("发展对象", "targets")],
  ["activist", i18n("积极分子", "activists")],
  ["applicant", i18n("申请人", "applicants")],
];

function reasonText(reason: AttentionReasonView): I18nText {
  switch (reason.kind) {
    case "missed": {
      const type = safeName(reason.zh, TYPE_NAME_MAX);
      const units = reason.units.map(unitName);
      return {
        zh: `${type} ${units.map((u) => u.zh).join("、")}未达标`,
        en: `${type} missed in ${units.map((u) => u.en).join(", ")}`,
      };
    }
    case "pending":
      return {
        zh: `${count(reason.count)} 次会议已召开、待结束`,
        en: `${count(reason.count)} meeting(s) held, not closed`,
      };
    case "dues":
      return { zh: `${count(reason.owing)} 人欠缴党费`, en: `${count(reason.owing)} owing dues` };
    case "participation":
      return { zh: `参会率 ${formatPercent(reason.rate)}`, en: `attendance ${formatPercent(reason.rate)}` };
    case "study":
      return { zh: `学习完成率 ${formatPercent(reason.rate)}`, en: `study ${formatPercent(reason.rate)}` };
  }
}

function joined(parts: I18nText[], zhSep: string, enSep: string): I18nText {
  return { zh: parts.map((p) => p.zh).join(zhSep), en: parts.map((p) => p.en).join(enSep) };
}

/** "三会一课 2/4 类 · 参会 85% · 学习 90%（人均 12.5 学时） · 党费 已缴清 10/12 人". */
function figuresText(row: OrgBranchView): I18nText {
  const done = `${count(row.metTypes)}/${count(row.requiredTypes)}`;
  const attendance = row.meetings > 0 ? formatPercent(row.participationRate) : "—";
  const study = formatPercent(row.study.rate);
  const perMember = row.studyHours.perMember === null ? "—" : hours(row.studyHours.perMember);
  const dues = row.dues.due === 0 ? "—" : `${count(row.dues.paid)}/${count(row.dues.due)}`;
  const waived =
    row.dues.waived > 0
      ? { zh: `（免交 ${count(row.dues.waived)}）`, en: ` (${count(row.dues.waived)} waived)` }
      : i18n("");
  return {
    zh: `三会一课 ${done} 类 · 参会 ${attendance} · 学习 ${study}（人均 ${perMember} 学时） · 党费已缴清 ${dues} 人${waived.zh}`,
    en: `meetings ${done} types · attendance ${attendance} · study ${study} (${perMember} h per member) · dues paid ${dues}${waived.en}`,
  };
}

/** "会议：支委会 3 · 党小组会 2｜党员：正式 10 · 预备 2 · 积极分子 1". */
function detailText(row: OrgBranchView): I18nText {
  const held = row.heldByType.map((t) => i18n(`${safeName(t.zh, TYPE_NAME_MAX)} ${count(t.held)}`));
  const members = STATUS_SHORT.filter(([status]) => (row.members[status] ?? 0) > 0).map(
    ([status, label]) => ({
      zh: `${label.zh} ${count(row.members[status] ?? 0)}`,
      en: `${label.en} ${count(row.members[status] ?? 0)}`,
    }),
  );
  const meetings = held.length > 0 ? joined(held, " · ", " · ") : i18n("无", "none");
  const roll = members.length > 0 ? joined(members, " · ", " · ") : i18n("无", "none");
  return {
    zh: `会议：${meetings.zh}｜党员：${roll.zh}`,
    en: `Meetings: ${meetings.en} | Members: ${roll.en}`,
  };
}

const PIPELINE_SHORT: [string, I18nText][] = [
  ["applicant", i18n("申请人", "applicants")],
  ["activist", i18n("积极分子", "activists")],
  ["target", i18n("发展对象", "targets")],
  ["probationary", i18n("预备", "probationary")],
];

/** "体检 2 项需处理 · 发展：申请人 1 · 积极分子 2 · 逾期 1 步" (null when the view has neither). */
function healthLine(row: OrgBranchView): I18nText | null {
  if (!row.health && !row.development) return null;
  const parts: I18nText[] = [];
  if (row.health) {
    parts.push(
      row.health.findings > 0
        ? {
            zh: `体检 ${count(row.health.findings)} 项需处理`,
            en: `health: ${count(row.health.findings)} to act on`,
          }
        : i18n("体检无问题", "health: nothing to act on"),
    );
  }
  if (row.development) {
    const stages = PIPELINE_SHORT.filter(([stage]) => (row.development!.stages[stage] ?? 0) > 0).map(
      ([stage, label]) => ({
        zh: `${label.zh} ${count(row.development!.stages[stage] ?? 0)}`,
        en: `${label.en} ${count(row.development!.stages[stage] ?? 0)}`,
      }),
    );
    const people = stages.length > 0 ? joined(stages, " · ", " · ") : i18n("无", "none");
    const overdue = row.development.overdue;
    parts.push({
      zh: `发展：${people.zh}${overdue > 0 ? ` · 逾期 ${count(overdue)} 步` : ""}`,
      en: `development: ${people.en}${overdue > 0 ? ` · ${count(overdue)} step(s) overdue` : ""}`,
    });
  }
  return joined(parts, " · ", " · ");
}

function branchBlock(row: OrgBranchView, detail: boolean): I18nText {
  const name = safeName(row.name, BRANCH_NAME_MAX);
  const mark = row.attention.length > 0 ? "⚠️" : "✅";
  const why = row.attention.length > 0 ? joined(row.attention.map(reasonText), "；", "; ") : null;
  const head = why
    ? { zh: `${mark} **${name}**：${why.zh}`, en: `${mark} **${name}**: ${why.en}` }
    : i18n(`${mark} **${name}**`);
  const health = healthLine(row);
  const lines = [head, figuresText(row), ...(health ? [health] : []), ...(detail ? [detailText(row)] : [])];
  return joined(lines, "\n", "\n");
}

/** The 图表 component: per month, the share of branches that met every monthly rule, and attendance. */
function trendChart(trend: OrgStatsView["trend"]): CardElement[] {
  const values = trend.flatMap((m) => [
    {
      month: m.month,
      series: "月度三会一课达标支部占比",
      value: percentValue(m.judged > 0 ? m.met / m.judged : NaN),
    },
    { month: m.month, series: "参会率", value: percentValue(m.expected > 0 ? m.present / m.expected : NaN) },
  ]);
  if (!values.some((v) => v.value !== null)) return [];
  return [
    markdown({
      zh: "**各月情况（%）**：三会一课每月达标的支部占比、各支部合计参会率",
      en: "**By month (%)**: share of branches meeting every monthly rule; attendance across branches",
    }),
    {
      tag: "chart",
      aspect_ratio: "2:1",
      chart_spec: {
        type: trend.length > 1 ? "line" : "bar",
        data: { values },
        xField: "month",
        yField: "value",
        seriesField: "series",
        axes: [{ orient: "left", min: 0, max: 100 }],
        legends: { visible: true, orient: "bottom" },
      },
    },
  ];
}

function template(rows: OrgBranchView[]): HeaderTemplate {
  if (rows.some((r) => r.overdueTypes > 0)) return "orange";
  return rows.some((r) => r.attention.length > 0) ? "blue" : "green";
}

interface Budget {
  shown: number;
  detail: boolean;
  chart: boolean;
}
const BUDGETS = [
  { shown: BRANCHES_SHOWN, detail: true, chart: true },
  { shown: BRANCHES_SHOWN, detail: false, chart: true },
  { shown: 20, detail: false, chart: true },
  { shown: 10, detail: false, chart: false },
] as const satisfies readonly Budget[];

/**
 * The roll-up card: header orange when a branch missed a rule, blue when something else needs a
 * look, green when nothing does. Within Lark's limits for any number of branches: the first
 * BRANCHES_SHOWN in full, fewer or shorter when long names would not fit, the rest counted.
 */
export function orgStatsCard(view: OrgStatsView): Card {
  const period = periodText(view.periodLabel);
  const name = truncate(view.orgName.trim(), BRANCH_NAME_MAX);
  const title = {
    zh: `「${name}」${period.zh} 各支部组织生活统计`,
    en: `${name}: branch activities ${period.en}`,
  };
  const needing = view.rows.filter((r) => r.attention.length > 0).length;
  const done = view.rows.filter((r) => r.metTypes >= r.requiredTypes).length;
  const overview = {
    zh: `共 ${count(view.rows.length)} 个支部，需关注 ${count(needing)} 个，三会一课全部达标 ${count(done)} 个`,
    en: `${count(view.rows.length)} branches, ${count(needing)} to look at, ${count(done)} with every rule met`,
  };
  return buildWithinBudgets(BUDGETS, (budget) => {
    const shown = view.rows.slice(0, budget.shown);
    const attention = shown.filter((r) => r.attention.length > 0).map((r) => branchBlock(r, budget.detail));
    const others = shown.filter((r) => r.attention.length === 0).map((r) => branchBlock(r, budget.detail));
    const elements: CardElement[] = [];
    if (view.rows.length === 0) elements.push(markdown(i18n("暂无支部。", "No branches.")));
    if (attention.length > 0)
      elements.push(
        section(
          i18n("需关注（按需关注程度排列，非排名）", "To look at (most first; not a ranking)"),
          attention,
        ),
      );
    if (others.length > 0) elements.push(section(i18n("其余支部", "The other branches"), others));
    if (view.rows.length > shown.length) {
      const left = view.rows.slice(shown.length);
      const leftNeeding = left.filter((r) => r.attention.length > 0).length;
      elements.push(
        markdown({
          zh: `…… 另有 ${count(left.length)} 个支部未列出（其中需关注 ${count(leftNeeding)} 个），请用 /导出 或按支部查看 /统计。`,
          en: `… ${count(left.length)} more branches not listed (${count(leftNeeding)} to look at); see /导出 or each branch's /统计.`,
        }),
      );
    }
    if (budget.chart) {
      const chart = trendChart(view.trend);
      if (chart.length > 0) elements.push(hr(), ...chart);
    }
    elements.push(
      markdown(
        i18n(
          "三会一课：要求的会议类型中每月（季度）都达标的类数；参会：实到/应到；学习：已截止任务的确认/应学；人均学时：集中+自学 ÷ 正式和预备党员；党费：已缴清人数/应缴人数（免交另计，本期无应缴为 —）。",
          "Meetings: required types met in every month (quarter); attendance: present/expected; study: confirmations/expected of tasks past their deadline; hours per member: 集中 + 自学 ÷ full and probationary members; dues: members paid in full/members owing (waived apart, — when nothing is due).",
        ),
        { textSize: "notation" },
      ),
    );
    return card({
      header: header(title, template(view.rows), overview),
      elements,
      summary: { zh: `${title.zh}：${overview.zh}`, en: `${title.en}: ${overview.en}` },
    });
  });
}
