/**
 * 发展党员 cards: a person's timeline (`/发展 查看`), with a button per next step that sends its
 * form; the form of one step (`/发展 登记 <人>` without a step, or that button); and the card that
 * replaces a submitted form. Pure functions of the view models in presenters/development.ts.
 * Submitting a form calls back with `action.value = { action: "development.record", branchId,
 * openId, step }` and `action.form_value` keyed by DEVELOPMENT_FORM_FIELDS; the date picker sends
 * "2026-11-24 +0800" (the day is what counts).
 */
import type { DevelopmentTimelineView, StepFormView } from "../presenters/development.js";
import {
  buildWithinBudgets,
  button,
  card,
  escapeMarkdown,
  header,
  hr,
  i18n,
  markdown,
  plainText,
  truncate,
  type Card,
  type CardElement,
} from "./common.js";
import { formCard, formInput, formRow, formSelect } from "./form.js";
import { DEVELOPMENT_ACTIONS } from "./types.js";

/** `form_value` keys of a step's form. */
export const DEVELOPMENT_FORM_FIELDS = {
  date: "date",
  contact1: "contact1",
  contact2: "contact2",
  days: "days",
  hours: "hours",
  result: "result",
  months: "months",
  notes: "notes",
  documents: "documents",
  reason: "reason",
} as const;

export const DEVELOPMENT_FORM_LIMITS = { notes: 500, documents: 300, reason: 200, number: 4 } as const;
const NAME_MAX = 30;
const CONTACT_OPTIONS_MAX = 100;

const safe = (text: string, max = 200) => escapeMarkdown(truncate(text, max));

/** "2026-03-02 起" / "最迟 2026-12-01" / "2026-03-02 至 2026-06-02" / "". */
export function windowLabel(next: { earliest: string; latest: string }): string {
  if (next.earliest && next.latest) return `${next.earliest} 至 ${next.latest}`;
  if (next.earliest) return `${next.earliest} 起`;
  if (next.latest) return `最迟 ${next.latest}`;
  return "";
}

const BUDGETS = [{ done: 40 }, { done: 15 }, { done: 5 }] as const;

/** The timeline: done steps with dates, who recorded them and any override; next steps with buttons. */
export function developmentTimelineCard(view: DevelopmentTimelineView): Card {
  return buildWithinBudgets(BUDGETS, (budget) => timeline(view, budget.done));
}

function timeline(view: DevelopmentTimelineView, doneMax: number): Card {
  // Header and summary are plain text: cut, not markdown-escaped.
  const plainName = truncate(view.name, NAME_MAX);
  const elements: CardElement[] = [
    markdown({
      zh: `**阶段**：${view.stage}（名册身份：${view.status}）${view.probationEnd ? `\n**预备期**：至 ${view.probationEnd} 期满` : ""}`,
      en: `**Stage**: ${view.stage} (roster: ${view.status})${view.probationEnd ? `\n**Probation** ends ${view.probationEnd}` : ""}`,
    }),
    hr(),
  ];
  const shown = view.done.slice(-doneMax);
  const lines = shown.map((s) => {
    const detail = s.detail ? `（${safe(s.detail, 300)}）` : "";
    const overrides = s.overrides.map((o) => `\n　⚠ 破例：${safe(o.message)}；理由：${safe(o.reason)}`);
    return `${s.date} **${s.step}**${detail} · 登记：${safe(s.by, NAME_MAX)}${overrides.join("")}`;
  });
  const hidden = view.done.length - shown.length;
  elements.push(
    markdown(
      view.done.length === 0
        ? i18n("**已完成**：尚无登记的步骤。", "**Done**: no steps recorded yet.")
        : {
            zh: `**已完成**${hidden > 0 ? `（较早的 ${hidden} 步未列出，见 /导出 发展）` : ""}\n${lines.join("\n")}`,
            en: `**Done**${hidden > 0 ? ` (${hidden} earlier steps in the ledger)` : ""}\n${lines.join("\n")}`,
          },
    ),
  );
  if (view.next.length > 0) {
    elements.push(hr(), markdown(i18n("**下一步**", "**Next**")));
    for (const n of view.next) {
      const window = windowLabel(n);
      const mark = n.overdue ? "⚠️ 已逾期 " : "";
      elements.push(
        markdown({
          zh: `${mark}**${n.zh}**${window ? `　${window}` : ""}${n.note ? `\n${escapeMarkdown(n.note)}` : ""}`,
          en: `${n.overdue ? "⚠️ overdue " : ""}**${n.zh}**${window ? `  ${window}` : ""}${n.note ? `\n${escapeMarkdown(n.note)}` : ""}`,
        }),
        button({
          text: { zh: `登记${n.zh}`, en: `Record ${n.zh}` },
          type: n.overdue ? "danger" : "primary",
          value: {
            action: DEVELOPMENT_ACTIONS.form,
            branchId: view.branchId,
            openId: view.openId,
            step: n.step,
          },
        }),
      );
    }
  }
  return card({
    header: header({ zh: `发展党员 · ${plainName}`, en: `Party development · ${plainName}` }, "red", {
      zh: view.stage,
      en: view.stage,
    }),
    elements,
    summary: { zh: `发展党员时间线：${plainName}`, en: `Development timeline: ${plainName}` },
  });
}

function datePicker(today: string): CardElement {
  return {
    tag: "date_picker",
    name: DEVELOPMENT_FORM_FIELDS.date,
    required: true,
    width: "fill",
    initial_date: today,
    placeholder: plainText(i18n("选择日期", "Pick a date")),
  };
}

function personPicker(name: string, contacts: StepFormView["contacts"], required: boolean): CardElement {
  return {
    tag: "select_person",
    name,
    required,
    width: "fill",
    placeholder: plainText(i18n("选择正式党员", "Choose a full member")),
    options: contacts.slice(0, CONTACT_OPTIONS_MAX).map((c) => ({ value: c.openId })),
  };
}

const numberInput = (name: string, placeholder: string, placeholderEn: string) =>
  formInput(name, i18n(placeholder, placeholderEn), { maxLength: DEVELOPMENT_FORM_LIMITS.number });

/** The form of one step for one person: the date, the step's own fields, notes, documents, reason. */
export function developmentStepFormCard(view: StepFormView): Card {
  const F = DEVELOPMENT_FORM_FIELDS;
  const fields: CardElement[] = [formRow(i18n("日期", "Date"), true, datePicker(view.today))];
  if (view.fields.includes("contacts")) {
    fields.push(
      formRow(i18n("培养联系人", "Contact"), true, personPicker(F.contact1, view.contacts, true)),
      formRow(
        i18n("培养联系人（二）", "Second contact"),
        false,
        personPicker(F.contact2, view.contacts, false),
      ),
    );
  }
  if (view.fields.includes("training")) {
    fields.push(
      formRow(i18n("天数", "Days"), false, numberInput(F.days, "培训天数，如 3", "days, e.g. 3")),
      formRow(i18n("学时", "Hours"), false, numberInput(F.hours, "培训学时，如 24", "hours, e.g. 24")),
    );
  }
  if (view.fields.includes("result")) {
    fields.push(
      formRow(
        i18n("结果", "Result"),
        true,
        formSelect(
          F.result,
          i18n("选择结果", "Choose"),
          true,
          [
            { text: i18n("通过", "passed"), value: "passed" },
            { text: i18n("未通过", "not passed"), value: "failed" },
          ],
          "passed",
        ),
      ),
    );
  }
  if (view.fields.includes("months")) {
    fields.push(formRow(i18n("延长月数", "Months"), true, numberInput(F.months, "6–12", "6–12")));
  }
  fields.push(
    formRow(
      i18n("备注", "Notes"),
      false,
      formInput(F.notes, i18n("备注（可多行）", "Notes"), {
        maxLength: DEVELOPMENT_FORM_LIMITS.notes,
        multiline: true,
      }),
    ),
    formRow(
      i18n("材料", "Documents"),
      false,
      formInput(
        F.documents,
        i18n("材料名称，用顿号分隔，如 入党志愿书、谈话记录", "Document names, separated by 、"),
        {
          maxLength: DEVELOPMENT_FORM_LIMITS.documents,
        },
      ),
    ),
    formRow(
      i18n("破例理由", "Override reason"),
      false,
      formInput(F.reason, i18n("仅在违反时间规定、书记决定破例时填写", "Only to override a time rule"), {
        maxLength: DEVELOPMENT_FORM_LIMITS.reason,
      }),
    ),
  );
  const name = truncate(view.name, NAME_MAX);
  const window = view.window ? windowLabel(view.window) : "";
  const rule = view.window?.note ? escapeMarkdown(view.window.note) : "";
  return formCard({
    title: { zh: `登记${view.stepZh} · ${name}`, en: `Record ${view.stepZh} · ${name}` },
    template: "red",
    note: {
      zh: `${window ? `时间：${window}。` : ""}${rule ? `${rule}。` : ""}违反时间规定的登记会被拒绝并说明依据。`,
      en: `${window ? `When: ${window}. ` : ""}${rule ? `${rule}. ` : ""}A step breaking a time rule is refused with the rule.`,
    },
    formName: `development_${view.step}`,
    fields,
    submit: {
      text: i18n("登记", "Record"),
      value: {
        action: DEVELOPMENT_ACTIONS.record,
        branchId: view.branchId,
        openId: view.openId,
        step: view.step,
      },
      name: `development_${view.step}_submit`,
    },
  });
}

/** Replaces a submitted form, so the same form records nothing twice. */
export function developmentStepRecordedCard(view: {
  name: string;
  stepZh: string;
  date: string;
  stage: string;
  lines: string[];
}): Card {
  const name = safe(view.name, NAME_MAX);
  const extra = view.lines.map((l) => `\n${escapeMarkdown(l)}`).join("");
  return card({
    header: header({ zh: `已登记${view.stepZh}`, en: `Recorded: ${view.stepZh}` }, "green"),
    elements: [
      markdown({
        zh: `${name} ${view.date} ${view.stepZh}。当前阶段：${view.stage}。${extra}\n发送 /发展 查看 ${name} 查看时间线。`,
        en: `${name} ${view.date} ${view.stepZh}. Stage: ${view.stage}.${extra}\nSend /发展 查看 ${name} for the timeline.`,
      }),
    ],
  });
}
