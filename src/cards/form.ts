/**
 * Building blocks of form cards (card JSON 2.0 `form` container): a labelled row and the input,
 * select and date/time picker fields put in it. Every field carries a `name`; submitting the form
 * calls back with `action.form_value` keyed by those names. Pure functions, no I/O.
 */
import { i18n, markdown, plainText, type CardElement, type I18nText } from "./common.js";

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

/** The distinct, non-empty party groups (trimmed, first-seen order), for a 党小组 select. */
export function partyGroupOptions(partyGroups: readonly string[]): FormOption[] {
  return [...new Set(partyGroups.map((g) => g.trim()).filter(Boolean))].map((group) => ({
    text: i18n(group),
    value: group,
  }));
}
