/**
 * The "new study task" form card (sent for `/学习 新建` without arguments). Submitting it calls
 * back with `action.value = { action: "study.create" }` and `action.form_value` keyed by the field
 * names below. Lark sends the date with the user's offset ("2026-11-30 +0800"); the handler reads
 * it as a day in the branch's time zone, the deadline being the end of that day.
 */
import { STUDY_HOURS_MAX, STUDY_HOURS_MIN } from "../../config/study.js";
import {
  buildWithinBudgets,
  card,
  escapeMarkdown,
  header,
  i18n,
  markdown,
  type Card,
  type CardElement,
} from "./common.js";
import {
  formCard,
  formDatePicker,
  formInput,
  formPartyGroupRow,
  formRow,
  formSelect,
  PARTY_GROUP_BUDGETS,
  type PartyGroupBudget,
} from "./form.js";
import { formatHours } from "./study.js";
import { STUDY_ACTIONS } from "./types.js";

/** `form_value` keys of the new-study form. */
export const STUDY_FORM_FIELDS = {
  title: "title",
  link: "link",
  text: "text",
  deadline: "deadline",
  hours: "hours",
  scope: "scope",
  partyGroup: "partyGroup",
} as const;

export const STUDY_FORM_NAME = "study_create";
export const STUDY_FORM_SUBMIT = "study_create_submit";

/**
 * Input limits on the form (the handler validates again). Lark's input takes at most 1,000
 * characters (`max_length` 1–1000), so longer material text is sent with `/学习 新建` instead.
 */
export const STUDY_FORM_LIMITS = { title: 100, link: 1000, text: 1000, hours: 4 } as const;

/** Default 学时 pre-filled in the form. */
export const STUDY_FORM_DEFAULT_HOURS = "1";

/** The scope options, by `form_value.scope`. */
export const STUDY_SCOPE_OPTIONS = [
  { value: "branch", text: i18n("全体党员", "All members") },
  { value: "committee", text: i18n("仅支委", "Branch committee only") },
  { value: "group", text: i18n("党小组", "Party group") },
] as const;

/** The form card to create a study task: title, link, text, deadline, 学时, scope, 党小组. */
export function newStudyFormCard(options: { timeZone: string; partyGroups: string[] }): Card {
  return buildWithinBudgets(PARTY_GROUP_BUDGETS, (budget) => build(options, budget));
}

function build(options: { timeZone: string; partyGroups: string[] }, budget: PartyGroupBudget): Card {
  const hoursRange = `${formatHours(STUDY_HOURS_MIN)}–${formatHours(STUDY_HOURS_MAX)}`;
  const fields: CardElement[] = [
    formRow(
      i18n("标题", "Title"),
      true,
      formInput(STUDY_FORM_FIELDS.title, i18n("学习内容标题", "What to study"), {
        required: true,
        maxLength: STUDY_FORM_LIMITS.title,
      }),
    ),
    formRow(
      i18n("链接", "Link"),
      false,
      formInput(
        STUDY_FORM_FIELDS.link,
        i18n("学习材料链接（http/https，选填）", "Link to the material (optional)"),
        {
          maxLength: STUDY_FORM_LIMITS.link,
        },
      ),
    ),
    formRow(
      i18n("内容", "Text"),
      false,
      formInput(
        STUDY_FORM_FIELDS.text,
        i18n("学习材料或说明（可多行，选填）", "The material or a note (several lines allowed)"),
        { maxLength: STUDY_FORM_LIMITS.text, multiline: true },
      ),
    ),
    formRow(
      i18n("截止日期", "Deadline"),
      true,
      formDatePicker(
        STUDY_FORM_FIELDS.deadline,
        i18n("选择日期（当天 24:00 截止）", "Pick a day (due at its end)"),
      ),
    ),
    formRow(
      i18n("学时", "Study hours"),
      true,
      formInput(STUDY_FORM_FIELDS.hours, i18n(`学时（${hoursRange}）`, `hours (${hoursRange})`), {
        required: true,
        maxLength: STUDY_FORM_LIMITS.hours,
        defaultValue: STUDY_FORM_DEFAULT_HOURS,
      }),
    ),
    formRow(
      i18n("范围", "For"),
      true,
      formSelect(
        STUDY_FORM_FIELDS.scope,
        i18n("选择范围", "Who should study it"),
        true,
        STUDY_SCOPE_OPTIONS,
        "branch",
      ),
    ),
  ];
  const groupRow = formPartyGroupRow(
    STUDY_FORM_FIELDS.partyGroup,
    {
      select: i18n("范围为党小组时选择", "Choose when the scope is a party group"),
      input: i18n(
        "范围为党小组时输入党小组全称（可用 /党员 查看）",
        "When the scope is a party group, type its full name",
      ),
    },
    options.partyGroups,
    budget,
  );
  if (groupRow) fields.push(groupRow);

  const zone = escapeMarkdown(options.timeZone);
  return formCard({
    title: i18n("新建学习任务", "New study task"),
    template: "turquoise",
    note: {
      zh: `截止日期按 ${zone} 时间，当天 24:00 截止。学时为 ${hoursRange}，按半小时计。`,
      en: `The deadline is the end of that day in ${zone}. Study hours: ${hoursRange}, in half hours.`,
    },
    formName: STUDY_FORM_NAME,
    fields,
    submit: {
      text: i18n("发布学习任务", "Publish study task"),
      value: { action: STUDY_ACTIONS.create },
      name: STUDY_FORM_SUBMIT,
    },
  });
}

/** Replaces a submitted form, so the same form cannot create a second task. */
export function studyCreatedCard(study: { id: string; title: string; deadlineText: string }): Card {
  const id = escapeMarkdown(study.id);
  const title = escapeMarkdown(study.title);
  const deadline = escapeMarkdown(study.deadlineText);
  return card({
    header: header(i18n("学习任务已发布", "Study task published"), "green"),
    elements: [
      markdown(
        i18n(
          `**${id}** ${title}\n截止：${deadline}\n学习卡片已发到支部群。`,
          `**${id}** ${title}\nDue: ${deadline}\nThe study card is in the branch chat.`,
        ),
      ),
    ],
    summary: i18n(`学习任务 ${study.id} 已发布`, `Study task ${study.id} published`),
  });
}
