// The form fields of a card (input, select_static, select_person, date_picker, picker_time,
// picker_datetime) and the submit that gathers them into Lark's form_value. `r` is the card's
// renderer (its text(), act() and options).
import { el } from "./dom.js";

/** "2026-11-24 +0800": the browser's offset, as Lark appends it to picker values. */
function offset() {
  const minutes = -new Date().getTimezoneOffset();
  const sign = minutes >= 0 ? "+" : "-";
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}${String(abs % 60).padStart(2, "0")}`;
}

/** Lark's value for a field, or undefined when it has none (an unselected select, an empty picker). */
export function fieldValue(field) {
  const kind = field.dataset.field;
  if (kind === "input") return field.value;
  if (!field.value) return undefined;
  if (kind === "date_picker" || kind === "picker_time") return `${field.value} ${offset()}`;
  if (kind === "picker_datetime") return `${field.value.replace("T", " ")} ${offset()}`;
  if (kind === "multi_select") return [...field.selectedOptions].map((o) => o.value);
  return field.value;
}

/** Lark refuses a submit while a required field is empty; otherwise value + form_value. */
export function submitForm(r, form, value, name) {
  const formValue = {};
  const missing = [];
  for (const field of form.querySelectorAll("[data-field]")) {
    const fieldName = field.dataset.fieldName;
    const v = fieldValue(field);
    const empty = v === undefined || v === "" || (Array.isArray(v) && v.length === 0);
    field.classList.toggle("lk-missing", empty && field.required);
    if (empty && field.required) missing.push(fieldName);
    if (fieldName && v !== undefined) formValue[fieldName] = v;
  }
  if (missing.length > 0) {
    r.options.showToast?.({ type: "error", content: "请填写必填项" });
    return;
  }
  const button = name ? form.querySelector(`[data-name="${CSS.escape(name)}"]`) : null;
  r.act({ value, formValue, name }, button);
}

function field(r, node, element, kind) {
  node.dataset.field = kind;
  node.dataset.fieldName = element.name ?? "";
  if (element.required) node.required = true;
  if (element.disabled) node.disabled = true;
  node.classList.add("lk-field");
  if (element.width === "fill" || !element.width) node.classList.add("lk-fill");
  return node;
}

export function inputField(r, element, form) {
  const multiline = element.input_type === "multiline_text";
  const node = field(r, el(multiline ? "textarea" : "input", "lk-input"), element, "input");
  if (multiline) node.rows = Number(element.rows) || 3;
  else node.type = element.input_type === "password" ? "password" : "text";
  node.placeholder = r.text(element.placeholder);
  if (element.max_length) node.maxLength = Number(element.max_length);
  if (element.default_value !== undefined) node.value = String(element.default_value);
  if (!form) {
    // Outside a form an input calls back when the person presses Enter.
    node.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || multiline) return;
      const callback = (element.behaviors ?? []).find((b) => b.type === "callback");
      r.act({ value: callback?.value ?? {}, inputValue: node.value, name: element.name }, node);
    });
  }
  return wrapLabel(node, r.text(element.label));
}

export function selectField(r, element, form) {
  const person = element.tag.includes("person");
  const multiple = element.tag.startsWith("multi_");
  const node = field(r, el("select", "lk-select"), element, multiple ? "multi_select" : "select");
  if (multiple) node.multiple = true;
  const placeholder = el("option", "", r.text(element.placeholder) || "请选择");
  placeholder.value = "";
  if (!multiple) node.append(placeholder);
  for (const option of element.options ?? []) {
    const value = String(option.value ?? "");
    const label = person ? (r.options.nameOf?.(value) ?? value) : r.text(option.text);
    const item = el("option", "", label);
    item.value = value;
    node.append(item);
  }
  const initial = element.initial_option ?? (multiple ? undefined : "");
  node.value = initial !== undefined ? String(initial) : "";
  for (const value of element.selected_values ?? []) {
    const item = [...node.options].find((o) => o.value === value);
    if (item) item.selected = true;
  }
  if (!form) {
    node.addEventListener("change", () => {
      const callback = (element.behaviors ?? []).find((b) => b.type === "callback");
      r.act({ value: callback?.value ?? element.value ?? {}, option: node.value, name: element.name }, node);
    });
  }
  return wrapLabel(node, r.text(element.label));
}

export function pickerField(r, element, form) {
  const node = field(r, el("input", "lk-picker"), element, element.tag);
  node.type = { date_picker: "date", picker_time: "time", picker_datetime: "datetime-local" }[element.tag];
  node.classList.add(`lk-${element.tag.replace("_", "-")}`);
  node.title = r.text(element.placeholder);
  const initial = element.initial_date ?? element.initial_time ?? element.initial_datetime;
  if (initial) node.value = String(initial).replace(" ", "T");
  if (!form) {
    node.addEventListener("change", () => {
      const callback = (element.behaviors ?? []).find((b) => b.type === "callback");
      r.act({ value: callback?.value ?? {}, option: fieldValue(node), name: element.name }, node);
    });
  }
  return node;
}
function wrapLabel(field, label) {
  if (!label) return field;
  const box = el("label", "lk-field-label");
  box.append(el("span", "", label), field);
  return box;
}
