// A renderer of Lark card JSON 2.0 as the bot's cards use it (header, markdown, plain text, column
// sets, rules, buttons, forms with inputs, selects and date/time pickers, charts), built with DOM
// calls only. Clicks call `options.onAction({ value, formValue?, option?, name? })`; its answer
// ({ toast?, card? }) shows a toast and, with a card, redraws this card in place.
// An unknown tag renders as a visible placeholder, never an error.
import { inputField, pickerField, selectField, submitForm } from "./cardFields.js";
import { el } from "./dom.js";
import { renderMarkdown } from "./markdown.js";

/** Header colours of card JSON 2.0; anything else is shown as "default". */
const TEMPLATES = new Set([
  "blue",
  "wathet",
  "turquoise",
  "green",
  "yellow",
  "orange",
  "red",
  "carmine",
  "violet",
  "purple",
  "indigo",
  "grey",
  "default",
]);

/** The zh_cn text of a plain_text / lark_md object (or of a bare string). */
export function textOf(value, locale = "zh_cn") {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  return String(value.i18n_content?.[locale] ?? value.i18n?.[locale] ?? value.content ?? "");
}

class Renderer {
  constructor(options) {
    this.options = options;
    this.locale = options.locale ?? "zh_cn";
  }

  text(value) {
    return textOf(value, this.locale);
  }

  markdown(content, element = {}) {
    const node = renderMarkdown(content, { nameOf: this.options.nameOf });
    if (element.text_size) node.classList.add(`lk-size-${element.text_size}`);
    if (["left", "center", "right"].includes(element.text_align)) node.style.textAlign = element.text_align;
    if (element.text_color && /^[a-z-]+$/i.test(element.text_color)) node.style.color = element.text_color;
    return node;
  }

  elements(list, form) {
    const box = document.createDocumentFragment();
    for (const element of Array.isArray(list) ? list : []) box.append(this.element(element, form));
    return box;
  }

  element(element, form) {
    const tag = element && typeof element === "object" ? element.tag : undefined;
    try {
      switch (tag) {
        case "markdown":
          return this.markdown(this.text(element), element);
        case "plain_text":
        case "lark_md":
          return tag === "lark_md"
            ? this.markdown(this.text(element), element)
            : el("div", "lk-plain", this.text(element));
        case "div":
          return this.div(element);
        case "hr":
          return el("hr", "lk-hr");
        case "column_set":
          return this.columnSet(element, form);
        case "column":
          return this.column(element, form);
        case "form":
          return this.form(element);
        case "button":
          return this.button(element, form);
        case "input":
          return inputField(this, element, form);
        case "select_static":
        case "multi_select_static":
        case "select_person":
        case "multi_select_person":
          return selectField(this, element, form);
        case "date_picker":
        case "picker_time":
        case "picker_datetime":
          return pickerField(this, element, form);
        case "chart":
          return this.chart(element);
        case "note":
          return this.note(element);
        case "collapsible_panel":
          return this.panel(element, form);
        default:
          return this.unknown(tag);
      }
    } catch (error) {
      console.error("card element failed", element, error);
      return this.unknown(tag);
    }
  }

  unknown(tag) {
    const node = el("div", "lk-unknown", `[不支持的组件：${tag ?? "?"}]`);
    node.dataset.tag = String(tag ?? "");
    return node;
  }

  div(element) {
    const node = el("div", "lk-div");
    if (element.text) node.append(this.element(element.text));
    for (const field of element.fields ?? []) node.append(this.element(field.text ?? field));
    return node;
  }

  note(element) {
    const node = el("div", "lk-note");
    node.append(this.elements(element.elements));
    return node;
  }

  panel(element, form) {
    const node = el("details", "lk-panel");
    if (element.expanded) node.open = true;
    const summary = el("summary", "", this.text(element.header?.title) || "展开");
    node.append(summary, this.elements(element.elements, form));
    return node;
  }

  columnSet(element, form) {
    const node = el("div", "lk-column-set");
    if (element.horizontal_spacing) node.style.columnGap = spacing(element.horizontal_spacing);
    for (const column of element.columns ?? []) node.append(this.column(column, form));
    return node;
  }

  column(element, form) {
    const node = el("div", "lk-column");
    if (element.width === "weighted") node.style.flex = `${Number(element.weight) || 1} 1 0`;
    else if (element.width === "auto" || !element.width) node.style.flex = "0 0 auto";
    else if (/^\d+px$/.test(element.width)) node.style.flex = `0 0 ${element.width}`;
    const align = { top: "flex-start", center: "center", bottom: "flex-end" }[element.vertical_align];
    if (align) node.style.alignSelf = align;
    node.append(this.elements(element.elements, form));
    return node;
  }

  form(element) {
    const node = el("form", "lk-form");
    node.dataset.name = element.name ?? "";
    node.addEventListener("submit", (event) => event.preventDefault());
    node.append(this.elements(element.elements, node));
    return node;
  }

  button(element, form) {
    const type = String(element.type ?? "default").replace(/[^a-z_]/g, "");
    const node = el("button", `lk-btn lk-btn-${type}`, this.text(element.text));
    node.type = "button";
    if (element.width === "fill") node.classList.add("lk-fill");
    if (element.name) node.dataset.name = element.name;
    if (element.disabled) node.disabled = true;
    const callback = (element.behaviors ?? []).find((b) => b.type === "callback");
    const value = callback?.value ?? element.value ?? {};
    const link = (element.behaviors ?? []).find((b) => b.type === "open_url");
    node.addEventListener("click", () => {
      if (link?.default_url && /^https?:\/\//.test(link.default_url)) {
        window.open(link.default_url, "_blank", "noopener");
        return;
      }
      if (form && element.form_action_type === "reset") return form.reset();
      if (form && element.form_action_type === "submit") return submitForm(this, form, value, element.name);
      if (callback || element.value) this.act({ value, name: element.name }, node);
    });
    return node;
  }

  async act(payload, control) {
    if (!this.options.onAction) return;
    if (control) control.disabled = true;
    try {
      const answer = (await this.options.onAction(payload)) ?? {};
      if (answer.toast) this.options.showToast?.(answer.toast);
      const replacement = answer.card?.type === "raw" ? answer.card.data : answer.card;
      if (replacement && typeof replacement === "object" && replacement.body)
        this.options.onCard?.(replacement);
    } catch (error) {
      this.options.showToast?.({ type: "error", content: `操作失败：${error.message ?? error}` });
    } finally {
      if (control) control.disabled = false;
    }
  }

  chart(element) {
    const node = el("div", "lk-chart");
    const [w, h] = String(element.aspect_ratio ?? "16:9")
      .split(":")
      .map(Number);
    node.style.aspectRatio = w > 0 && h > 0 ? `${w} / ${h}` : "16 / 9";
    if (/^\d{1,4}px$/.test(element.height ?? "")) node.style.height = element.height;
    const VChart = window.VChart?.VChart ?? window.VChart?.default ?? window.VChart;
    if (typeof VChart !== "function") {
      node.append(el("div", "lk-unknown", "[图表：VChart 未加载]"));
      return node;
    }
    // VChart measures its container: draw once the card is in the document.
    requestAnimationFrame(() => {
      try {
        const chart = new VChart(structuredClone(element.chart_spec ?? {}), { dom: node });
        if (chart.renderSync) chart.renderSync();
        else chart.renderAsync();
        node.dataset.rendered = "true";
      } catch (error) {
        console.error("chart failed", error);
        node.append(el("div", "lk-unknown", "[图表无法显示]"));
      }
    });
    return node;
  }

  card(card) {
    const node = el("div", "lk-card");
    const header = card?.header;
    if (header && (header.title || header.subtitle)) {
      const template = TEMPLATES.has(header.template) ? header.template : "default";
      const head = el("div", `lk-card-header lk-header-${template}`);
      head.dataset.template = template;
      head.append(el("div", "lk-card-title", this.text(header.title)));
      if (header.subtitle) head.append(el("div", "lk-card-subtitle", this.text(header.subtitle)));
      node.append(head);
    }
    const body = el("div", "lk-card-body");
    // Card JSON 2.0 keeps elements under body; the older 1.0 shape has them at the top level.
    body.append(this.elements(card?.body?.elements ?? card?.elements ?? []));
    node.append(body);
    return node;
  }
}

function spacing(value) {
  const named = { small: "4px", medium: "8px", large: "12px", extra_large: "16px" };
  return named[value] ?? (/^\d+px$/.test(value) ? value : "8px");
}

/**
 * Renders `card` (card JSON 2.0) into a new element. `options`: onAction(payload) → Promise of the
 * bot's answer, onCard(card) when the answer carries a new card, showToast(toast), nameOf(openId).
 */
export function renderCard(card, options = {}) {
  return new Renderer(options).card(card);
}
