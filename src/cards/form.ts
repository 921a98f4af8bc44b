/**
 * Building blocks of form cards (card JSON 2.0 `form` container): a labelled row and the input,
 * select and date/time picker fields put in it. Every field carries a `name`; submitting the form
 * calls back with `action.form_value` keyed by those names. Pure functions, no I/O.
 */
import {
  button,
  card,
  header,
  i18n,
  markdown,
  plainText,
  type Card,
  type CardElement,
  type HeaderTemplate,
  type I18nText,
} from "./common.js";

/** One option of a `select_static`: the text shown and the value sent back in `form_value`. */
export interface FormOption {
  text: I18nText;
  value: string;
}

export interface FormInputOptions {
  /** Lark refuses to submit the form while a required field is empty. Default false. */
  required?: boolean;
  /** `max_length` (Lark takes 1–1000). */
  maxLength: number;
  /** Pre-filled text. */
  defaultValue?: string;
  /** A multi-line box (3 rows, growing up to 8) instead of a single line. */
  multiline?: boolean;
}

/**
 * A form row: label on the left (bold, with " \*" when `required`), the field on the right, in a
 * 1 : 3 `column_set` (the layout of Lark's form example).
 */
export function formRow(label: I18nText, required: boolean, field: CardElement): CardElement {
  const mark = required ? " \\*" : "";
  return {
    tag: "column_set",
    horizontal_spacing: "8px",
    columns: [
      {
        tag: "column",
        width: "weighted",
        weight: 1,
        vertical_align: "center",
        elements: [markdown({ zh: `**${label.zh}**${mark}`, en: `**${label.en}**${mark}` })],
      },
      { tag: "column", width: "weighted", weight: 3, vertical_align: "center", elements: [field] },
    ],
  };
}

/** A text `input` field named `name`, full width. */
export function formInput(name: string, placeholder: I18nText, options: FormInputOptions): CardElement {
  return {
    tag: "input",
    name,
    required: options.required ?? false,
    width: "fill",
    max_length: options.maxLength,
    placeholder: plainText(placeholder),
    ...(options.defaultValue !== undefined ? { default_value: options.defaultValue } : {}),
    ...(options.multiline ? { input_type: "multiline_text", rows: 3, auto_resize: true, max_rows: 8 } : {}),
  };
}

/**
 * A single-choice `select_static` field named `name`, full width; `initialOption` (one of the
 * options' values) is selected when the card opens.
 */
export function formSelect(
  name: string,
  placeholder: I18nText,
  required: boolean,
  options: readonly FormOption[],
  initialOption?: string,
): CardElement {
  return {
    tag: "select_static",
    name,
    required,
    width: "fill",
    placeholder: plainText(placeholder),
    ...(initialOption !== undefined ? { initial_option: initialOption } : {}),
    options: options.map((option) => ({ text: plainText(option.text), value: option.value })),
  };
}

/**
 * A required `date_picker` field named `name`, full width. Lark sends the day with the user's
 * offset: "2026-11-24 +0800".
 */
export function formDatePicker(name: string, placeholder: I18nText): CardElement {
  return picker("date_picker", name, placeholder);
}

/**
 * A required `picker_time` field named `name`, full width. Lark sends the time with the user's
 * offset: "14:30 +0800".
 */
export function formTimePicker(name: string, placeholder: I18nText): CardElement {
  return picker("picker_time", name, placeholder);
}

function picker(tag: "date_picker" | "picker_time", name: string, placeholder: I18nText): CardElement {
  return { tag, name, required: true, width: "fill", placeholder: plainText(placeholder) };
}

/** `max_length` of the typed 党小组 field: room above the 30 characters `/党员 分组` allows a name. */
export const PARTY_GROUP_INPUT_MAX = 100;

/**
 * How the 党小组 row is built, most generous first (for buildWithinBudgets): a select of the
 * groups while there are at most `selectMax` of them, else a text input for the group's full name.
 * A select's options each carry a `plain_text` that Lark counts as an element, and a list of more
 * than 50 is no use on a phone anyway; the second budget is used when the select would pass
 * CARD_TARGET_BYTES (long names).
 */
export const PARTY_GROUP_BUDGETS = [{ selectMax: 50 }, { selectMax: 0 }] as const;
export type PartyGroupBudget = (typeof PARTY_GROUP_BUDGETS)[number];

/** Placeholders of the 党小组 row: `select` above a select, `input` in the typed field. */
export interface PartyGroupPlaceholders {
  select: I18nText;
  input: I18nText;
}

/**
 * The optional 党小组 row named `name`: a select of the branch's party groups, or, when there are
 * more than the budget allows, a text input asking for the group's full name (the action checks
 * that it names a group of the branch). Null when the branch has none (the row is then left out).
 */
export function formPartyGroupRow(
  name: string,
  placeholders: PartyGroupPlaceholders,
  partyGroups: readonly string[],
  budget: PartyGroupBudget = PARTY_GROUP_BUDGETS[0],
): CardElement | null {
  const groups = partyGroupOptions(partyGroups);
  if (groups.length === 0) return null;
  const field =
    groups.length <= budget.selectMax
      ? formSelect(name, placeholders.select, false, groups)
      : formInput(name, placeholders.input, { maxLength: PARTY_GROUP_INPUT_MAX });
  return formRow(i18n("党小组", "Party group"), false, field);
}

/** The distinct, non-empty party groups (trimmed, first-seen order), for a 党小组 select. */
export function partyGroupOptions(partyGroups: readonly string[]): FormOption[] {
  return [...new Set(partyGroups.map((g) => g.trim()).filter(Boolean))].map((group) => ({
    text: i18n(group),
    value: group,
  }));
}

export interface FormCardParts {
  /** Header title, also the chat-list summary. */
  title: I18nText;
  template: HeaderTemplate;
  /** The small print above the form, after "带 \* 的为必填项。" / "Fields marked \* are required. ". */
  note: I18nText;
  /** The form container's name (unique within the card). */
  formName: string;
  /** The form's rows (formRow …), in order. */
  fields: CardElement[];
  /** The submit button below the fields: its label, callback `action.value` and unique name. */
  submit: { text: I18nText; value: Record<string, unknown>; name: string };
}

/**
 * A card holding one form: header, a note on required fields, the fields and a submit button.
 * Submitting calls back with `action.value = submit.value` and `action.form_value` keyed by the
 * fields' names.
 */
export function formCard(parts: FormCardParts): Card {
  return card({
    header: header(parts.title, parts.template),
    elements: [
      markdown(
        {
          zh: `带 \\* 的为必填项。${parts.note.zh}`,
          en: `Fields marked \\* are required. ${parts.note.en}`,
        },
        { textSize: "notation" },
      ),
      {
        tag: "form",
        name: parts.formName,
        elements: [
          ...parts.fields,
          button({
            text: parts.submit.text,
            type: "primary_filled",
            value: parts.submit.value,
            formSubmitName: parts.submit.name,
          }),
        ],
      },
    ],
    summary: parts.title,
  });
}
