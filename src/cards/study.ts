/**
 * The study task card (学习打卡): the material, its deadline and 学时, live progress, and while
 * open a form with an optional 学习心得 and the 已学习 button. Re-rendered and PATCHed on every
 * confirmation, so it is a shared card (`update_multi: true`). Pure: data in, card JSON out.
 */
import { DateTime } from "luxon";
import { REFLECTION_MAX } from "../../config/study.js";
import {
  button,
  buildWithinBudgets,
  card,
  escapeMarkdown,
  header,
  hr,
  i18n,
  markdown,
  namesList,
  MONTHS_EN,
  plainText,
  recordFooter,
  truncate,
  userText,
  WEEKDAYS_EN,
  WEEKDAYS_ZH,
  type Card,
  type CardElement,
  type HeaderTemplate,
  type I18nText,
} from "./common.js";
import { LINK_MAX, safeLink } from "./escape.js";
import { STUDY_ACTIONS } from "./types.js";
import { type StudyCardData } from "../presenters/study.js";

/** Names of the form and its components on the card (unique within the card, as Lark requires). */
export const STUDY_CARD_FORM = {
  form: "study_confirm_form",
  reflection: "reflection",
  confirmButton: "study_confirm",
} as const;

/** Longest link shown as a link; a longer one is left out rather than cut (a cut URL is broken). */
export const STUDY_LINK_MAX = LINK_MAX;

/**
 * How much of each list and text is shown. The first budget fits any realistic task; the second
 * is used only if a card would otherwise pass CARD_TARGET_BYTES (Lark allows 30 KB).
 */
const BUDGETS = [
  { names: 20, title: 60, text: 1000, group: 50 },
  { names: 5, title: 40, text: 300, group: 30 },
] as const;
type Budget = (typeof BUDGETS)[number];

/** A study deadline, formatted for cards and messages. */
export interface DeadlineText {
  /** "11月30日" / "30 Nov": the deadline day, short. */
  day: I18nText;
  /** "11月30日 周一 24:00" / "Mon 30 Nov 24:00". */
  dayTime: I18nText;
  /** "2026年11月30日 周一 24:00 前" / "by 24:00 Mon 30 Nov 2026". */
  full: I18nText;
  /** The deadline day's year in the time zone. */
  year: number;
}

/**
 * Formats a deadline in `timeZone`. A deadline at the end of a day (00:00 of the next day, or
 * 23:59[:59.999]) is shown as that day's "24:00", so "the end of 30 November" reads 11月30日
 * 24:00, not 12月1日 00:00. Any other time is shown as is.
 */
export function studyDeadlineText(deadline: Date, timeZone: string): DeadlineText {
  const end = DateTime.fromJSDate(deadline, { zone: timeZone });
  if (!end.isValid) throw new Error(`invalid time zone ${timeZone}`);
  const last = end.minus({ milliseconds: 1 });
  const endOfDay = last.hour === 23 && last.minute === 59;
  const dt = endOfDay ? last : end;
  const time = endOfDay ? "24:00" : end.toFormat("HH:mm");
  const wdZh = WEEKDAYS_ZH[dt.weekday - 1];
  const wdEn = WEEKDAYS_EN[dt.weekday - 1];
  const monEn = MONTHS_EN[dt.month - 1];
  return {
    day: { zh: `${dt.month}月${dt.day}日`, en: `${dt.day} ${monEn}` },
    dayTime: { zh: `${dt.month}月${dt.day}日 ${wdZh} ${time}`, en: `${wdEn} ${dt.day} ${monEn} ${time}` },
    full: {
      zh: `${dt.year}年${dt.month}月${dt.day}日 ${wdZh} ${time} 前`,
      en: `by ${time} ${wdEn} ${dt.day} ${monEn} ${dt.year}`,
    },
    year: dt.year,
  };
}

/** 学时 as shown: "2", "1.5", "12.25" (at most two decimals, no trailing zeros). */
export function formatHours(hours: number): string {
  return String(Math.round(hours * 100) / 100);
}

/** Who a task is for: 全体党员 / 仅支委 / 党小组「X」. */
export function studyScopeText(
  scope: StudyCardData["scope"],
  partyGroup: string | null,
  maxGroupChars = 50,
): I18nText {
  if (scope === "branch") return i18n("全体党员", "All members");
  if (scope === "committee") return i18n("仅支委", "Branch committee only");
  const group = partyGroup?.trim() ? escapeMarkdown(truncate(partyGroup.trim(), maxGroupChars)) : "";
  return group ? { zh: `党小组「${group}」`, en: `Party group "${group}"` } : i18n("党小组", "Party group");
}

/** Header colour: turquoise while open (red once overdue), grey once closed. */
export function studyHeaderTemplate(data: Pick<StudyCardData, "status" | "overdue">): HeaderTemplate {
  if (data.status === "closed") return "grey";
  return data.overdue ? "red" : "turquoise";
}

function statusSubtitle(data: StudyCardData): I18nText {
  if (data.status === "closed") return i18n("已结束", "Closed");
  if (data.overdue) return i18n("已过截止时间", "Past the deadline");
  return i18n("学习后请点「已学习」", "Tap “Done” once you have studied it");
}

function titleText(data: StudyCardData, budget: Budget): I18nText {
  const title = truncate(data.title.trim(), budget.title);
  return { zh: `【学习】${title}`, en: `[Study] ${title}` };
}

/** A link destination safe inside markdown `[text](url)` (see escape.ts). */
export function safeLinkUrl(link: string | null): string | null {
  return safeLink(link);
}

function detailsElement(data: StudyCardData, budget: Budget): CardElement {
  const deadline = studyDeadlineText(data.deadline, data.timeZone);
  const hours = formatHours(data.hours);
  const scope = studyScopeText(data.scope, data.partyGroup, budget.group);
  return markdown({
    zh: [`**截止**：${deadline.full.zh}`, `**学时**：${hours} 学时`, `**范围**：${scope.zh}`].join("\n"),
    en: [`**Deadline**: ${deadline.full.en}`, `**Study hours**: ${hours}`, `**For**: ${scope.en}`].join("\n"),
  });
}

/** The material: a link titled with the task's title, and the text. Plain strings (not translated). */
function materialElements(data: StudyCardData, budget: Budget): CardElement[] {
  const elements: CardElement[] = [];
  const url = safeLinkUrl(data.link);
  if (url) {
    const label = escapeMarkdown(truncate(data.title.trim(), budget.title)) || url;
    elements.push(markdown(`🔗 [${label}](${url})`));
  }
  if (data.text.trim()) elements.push(markdown(userText(data.text, budget.text)));
  return elements;
}

/** "已学习 N / M" and who has not yet: "未学习：A、B 等 K 人". */
function progressElement(data: StudyCardData, budget: Budget): CardElement {
  const heading = {
    zh: `**已学习 ${data.confirmedCount} / ${data.expectedCount}**`,
    en: `**Done ${data.confirmedCount} / ${data.expectedCount}**`,
  };
  if (data.pending.length === 0) return markdown(heading);
  const names = namesList(data.pending, budget.names);
  return markdown({
    zh: `${heading.zh}\n未学习：${names.zh}`,
    en: `${heading.en}\nNot yet: ${names.en}`,
  });
}

/** The 已学习 form: an optional 学习心得 and the submit button. */
function confirmForm(data: StudyCardData): CardElement {
  return {
    tag: "form",
    name: STUDY_CARD_FORM.form,
    elements: [
      {
        tag: "input",
        name: STUDY_CARD_FORM.reflection,
        required: false,
        max_length: REFLECTION_MAX,
        width: "fill",
        input_type: "multiline_text",
        rows: 2,
        auto_resize: true,
        max_rows: 6,
        placeholder: plainText(i18n("学习心得（选填）", "Reflections (optional)")),
      },
      button({
        text: i18n("已学习", "Done"),
        type: "primary_filled",
        value: { action: STUDY_ACTIONS.confirm, studyId: data.id },
        formSubmitName: STUDY_CARD_FORM.confirmButton,
      }),
    ],
  };
}

function build(data: StudyCardData, budget: Budget): Card {
  const title = titleText(data, budget);
  const deadline = studyDeadlineText(data.deadline, data.timeZone);
  const elements: CardElement[] = [detailsElement(data, budget), ...materialElements(data, budget), hr()];

  elements.push(progressElement(data, budget));
  if (data.status === "open") {
    if (data.overdue) {
      elements.push(
        markdown(
          i18n(
            "**已过截止时间，仍可确认（记为逾期）。**",
            "**The deadline has passed; you can still confirm (recorded as late).**",
          ),
        ),
      );
    }
    elements.push(confirmForm(data));
  } else {
    elements.push(markdown(i18n("**本次学习已结束。**", "**This study task is closed.**")));
  }
  elements.push(hr(), recordFooter(data.id, i18n("学习", "Study"), "/学习"));

  return card({
    header: header(title, studyHeaderTemplate(data), statusSubtitle(data)),
    elements,
    summary: {
      zh: `${title.zh} 截止 ${deadline.dayTime.zh}`,
      en: `${title.en} due ${deadline.dayTime.en}`,
    },
  });
}

/**
 * The study card for its current state. The pending list is cut to a few names ("等 K 人") and
 * the text shortened, so the card stays within Lark's limits for any branch size.
 */
export function studyCard(data: StudyCardData): Card {
  return buildWithinBudgets(BUDGETS, (budget) => build(data, budget));
}
