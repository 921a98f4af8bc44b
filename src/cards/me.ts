/**
 * "我的学习与会议": one member's 学时 this year, open study tasks and upcoming meetings. A
 * read-only card (no buttons); pure: data in, card JSON out.
 */
import {
  buildWithinBudgets,
  card,
  escapeMarkdown,
  formatDateTime,
  header,
  hr,
  i18n,
  markdown,
  truncate,
  type Card,
  type CardElement,
  type I18nText,
} from "./common.js";
import { formatHours, studyDeadlineText } from "./study.js";

export interface MeCardData {
  name: string;
  year: number;
  hours: { fromStudies: number; fromMeetings: number; total: number; target: number };
  /** What counts toward the 32 学时 (集中学习培训 …), when known; exempt or away: no target. */
  towardTarget?: { hours: number; exemptedAs: "exempt" | "away" | null };
  openStudies: { id: string; title: string; deadline: Date; overdue: boolean }[];
  upcomingMeetings: { id: string; typeZh: string; title: string; startAt: Date }[];
  timeZone: string;
}

/** Cells of the text progress bar. */
const BAR_CELLS = 10;

const BUDGETS = [
  { items: 10, title: 40 },
  { items: 5, title: 20 },
] as const;
type Budget = (typeof BUDGETS)[number];

/**
 * "▓▓▓▓░░░░░░ 39%": hours against the yearly target, capped at a full bar (the percent is not
 * capped, so 40 / 32 shows 125%). A target of 0 counts as reached.
 */
export function hoursProgressBar(total: number, target: number): string {
  const ratio = target > 0 ? Math.max(0, total) / target : 1;
  const filled = Math.min(BAR_CELLS, Math.floor(ratio * BAR_CELLS + 1e-9));
  const percent = Math.floor(ratio * 100 + 1e-9);
  return `${"▓".repeat(filled)}${"░".repeat(BAR_CELLS - filled)} ${percent}%`;
}

function hoursElement(data: MeCardData): CardElement {
  if (data.towardTarget) return targetHoursElement(data, data.towardTarget);
  const { total, target, fromStudies, fromMeetings } = data.hours;
  const bar = hoursProgressBar(total, target);
  const done = total >= target;
  return markdown({
    zh: [
      `**本年度学时 ${formatHours(total)} / ${formatHours(target)}**`,
      `${bar}${done ? " 已达标" : ""}`,
      `学习任务 ${formatHours(fromStudies)} 学时 · 会议 ${formatHours(fromMeetings)} 学时`,
    ].join("\n"),
    en: [
      `**Study hours in ${data.year}: ${formatHours(total)} / ${formatHours(target)}**`,
      `${bar}${done ? " target reached" : ""}`,
      `Study tasks ${formatHours(fromStudies)} h · Meetings ${formatHours(fromMeetings)} h`,
    ].join("\n"),
  });
}

/** Both figures: all 学时, and those counting toward the 32 (or that the member is left out of it). */
function targetHoursElement(data: MeCardData, toward: NonNullable<MeCardData["towardTarget"]>): CardElement {
  const { total, target, fromStudies, fromMeetings } = data.hours;
  const exemptZh = toward.exemptedAs === "away" ? "外出期间不计学时要求" : "免于学时要求";
  const exemptEn = toward.exemptedAs === "away" ? "away: no target for now" : "exempt from the target";
  const zhTarget = toward.exemptedAs
    ? `计入 ${formatHours(target)} 学时要求：${exemptZh}`
    : `计入 ${formatHours(target)} 学时要求（集中学习培训）：${formatHours(toward.hours)} / ${formatHours(target)}`;
  const enTarget = toward.exemptedAs
    ? `Toward the ${formatHours(target)} h target: ${exemptEn}`
    : `Toward the ${formatHours(target)} h target (organised study): ${formatHours(toward.hours)} / ${formatHours(target)}`;
  const bar = toward.exemptedAs ? "" : hoursProgressBar(toward.hours, target);
  const done = !toward.exemptedAs && toward.hours >= target;
  const lines = (first: string, targetLine: string, reached: string, detail: string) =>
    [first, targetLine, ...(bar ? [`${bar}${done ? reached : ""}`] : []), detail].join("\n");
  return markdown({
    zh: lines(
      `**本年度学时 ${formatHours(total)}**`,
      zhTarget,
      " 已达标",
      `学习任务 ${formatHours(fromStudies)} 学时 · 会议 ${formatHours(fromMeetings)} 学时`,
    ),
    en: lines(
      `**Study hours in ${data.year}: ${formatHours(total)}**`,
      enTarget,
      " target reached",
      `Study tasks ${formatHours(fromStudies)} h · Meetings ${formatHours(fromMeetings)} h`,
    ),
  });
}

/** "…等 N 项" when a list was cut. */
function moreLine(total: number, shown: number): I18nText | null {
  if (total <= shown) return null;
  return { zh: `…… 共 ${total} 项`, en: `… ${total} in all` };
}

function join(lines: I18nText[]): I18nText {
  return { zh: lines.map((l) => l.zh).join("\n"), en: lines.map((l) => l.en).join("\n") };
}

function studiesElement(data: MeCardData, budget: Budget): CardElement {
  const heading = i18n(
    `**进行中的学习任务（${data.openStudies.length}）**`,
    `**Open study tasks (${data.openStudies.length})**`,
  );
  if (data.openStudies.length === 0) {
    return markdown(join([heading, i18n("暂无，全部已完成。", "None: all done.")]));
  }
  const lines = data.openStudies.slice(0, budget.items).map((study) => {
    const id = escapeMarkdown(study.id);
    const title = escapeMarkdown(truncate(study.title.trim(), budget.title));
    const deadline = studyDeadlineText(study.deadline, data.timeZone);
    const sameYear = deadline.year === data.year;
    const dueZh = sameYear ? `${deadline.dayTime.zh} 前` : deadline.full.zh;
    const dueEn = sameYear ? `by ${deadline.dayTime.en}` : deadline.full.en;
    return {
      zh: `- ${id}「${title}」截止 ${dueZh}${study.overdue ? " **逾期**" : ""}`,
      en: `- ${id} "${title}" due ${dueEn}${study.overdue ? " **overdue**" : ""}`,
    };
  });
  const more = moreLine(data.openStudies.length, lines.length);
  return markdown(join([heading, ...lines, ...(more ? [more] : [])]));
}

function meetingsElement(data: MeCardData, budget: Budget): CardElement {
  const heading = i18n(
    `**近期会议（${data.upcomingMeetings.length}）**`,
    `**Upcoming meetings (${data.upcomingMeetings.length})**`,
  );
  if (data.upcomingMeetings.length === 0) {
    return markdown(join([heading, i18n("近期没有会议。", "No meetings coming up.")]));
  }
  const lines = data.upcomingMeetings.slice(0, budget.items).map((meeting) => {
    const id = escapeMarkdown(meeting.id);
    const type = escapeMarkdown(meeting.typeZh);
    const title = escapeMarkdown(truncate(meeting.title.trim(), budget.title));
    const time = formatDateTime(meeting.startAt, data.timeZone);
    return {
      zh: `- ${id} ${type}「${title}」${time.zh}`,
      en: `- ${id} ${type} "${title}" ${time.en}`,
    };
  });
  const more = moreLine(data.upcomingMeetings.length, lines.length);
  return markdown(join([heading, ...lines, ...(more ? [more] : [])]));
}

function build(data: MeCardData, budget: Budget): Card {
  const name = truncate(data.name.trim(), 20);
  return card({
    header: header(
      i18n("我的学习与会议", "My study and meetings"),
      "turquoise",
      name ? { zh: `${name} · ${data.year} 年度`, en: `${name} · ${data.year}` } : undefined,
    ),
    elements: [
      hoursElement(data),
      hr(),
      studiesElement(data, budget),
      hr(),
      meetingsElement(data, budget),
      markdown(i18n("发送 /学习 或 /会议 查看详情", "Send /学习 or /会议 for details"), {
        textSize: "notation",
      }),
    ],
    summary: i18n(
      `本年度学时 ${formatHours(data.hours.total)} / ${formatHours(data.hours.target)}`,
      `Study hours ${formatHours(data.hours.total)} / ${formatHours(data.hours.target)}`,
    ),
  });
}

/** The member's own overview; long lists are cut to a few items so the card stays small. */
export function meCard(data: MeCardData): Card {
  return buildWithinBudgets(BUDGETS, (budget) => build(data, budget));
}
