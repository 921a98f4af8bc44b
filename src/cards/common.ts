/**
 * Shared pieces for Lark card JSON 2.0 (pure functions, no I/O).
 *
 * Shapes follow Lark's "卡片 JSON 2.0 结构" and component pages (open.feishu.cn/document/feishu-cards/
 * card-json-v2-structure, …/card-json-v2-components/*):
 * - a card is `{ schema: "2.0", config, header, body: { elements } }`; `config.update_multi` must be
 *   true (2.0 only supports shared cards, and a card we PATCH later must be shared);
 * - text in zh_cn and en_us: `content` (fallback) plus `i18n_content: { zh_cn, en_us }` on any
 *   `plain_text` / `markdown` (2.0 has no whole-card i18n); `config.locales` lists the languages used;
 * - a card holds at most 200 elements (every object with a `tag`, `plain_text` included) and 30 KB.
 */
import { DateTime } from "luxon";
import { escapeMarkdown } from "./escape.js";
import { type PersonRef } from "../domain/people.js";

export { escapeMarkdown, escapeText, markdownLink, safeLink } from "./escape.js";

/** Lark's limits on one card. 30 KB is counted conservatively as 30,000 bytes of JSON. */
export const CARD_MAX_BYTES = 30_000;
export const CARD_MAX_ELEMENTS = 200;
/**
 * What builders aim for: below the limit with room to spare, since the card travels as a JSON
 * string inside the message body (escaping adds bytes) and Lark does not say exactly what it counts.
 */
export const CARD_TARGET_BYTES = 25_000;

/** The languages every card carries. */
export const CARD_LOCALES = ["zh_cn", "en_us"] as const;

/** A text in both languages the bot speaks. */
export interface I18nText {
  zh: string;
  en: string;
}

/** A card component: a plain JSON object with a `tag`. */
export type CardElement = { tag: string } & Record<string, unknown>;

/** A complete card JSON 2.0 object. */
export interface Card {
  schema: "2.0";
  config: Record<string, unknown>;
  header?: Record<string, unknown>;
  body: { elements: CardElement[] } & Record<string, unknown>;
}

/** Header colours (`header.template`) of card JSON 2.0. */
export type HeaderTemplate =
  | "blue"
  | "wathet"
  | "turquoise"
  | "green"
  | "yellow"
  | "orange"
  | "red"
  | "carmine"
  | "violet"
  | "purple"
  | "indigo"
  | "grey"
  | "default";

export type ButtonType =
  | "default"
  | "primary"
  | "danger"
  | "text"
  | "primary_text"
  | "danger_text"
  | "primary_filled"
  | "danger_filled"
  | "laser";

export function i18n(zh: string, en: string = zh): I18nText {
  return { zh, en };
}

function i18nContent(text: I18nText): { content: string; i18n_content: { zh_cn: string; en_us: string } } {
  return { content: text.zh, i18n_content: { zh_cn: text.zh, en_us: text.en } };
}

/** `plain_text` in both languages (button labels, placeholders, option texts, titles). */
export function plainText(text: I18nText | string): CardElement {
  if (typeof text === "string") return { tag: "plain_text", content: text };
  return { tag: "plain_text", ...i18nContent(text) };
}

/** The card header: title (and optional subtitle) in both languages, coloured by `template`. */
export function header(
  title: I18nText,
  template: HeaderTemplate,
  subtitle?: I18nText,
): Record<string, unknown> {
  return {
    title: plainText(title),
    ...(subtitle ? { subtitle: plainText(subtitle) } : {}),
    template,
  };
}

export interface MarkdownOptions {
  textSize?: "heading" | "normal" | "notation";
  textAlign?: "left" | "center" | "right";
}

/**
 * A `markdown` element. A plain string is shown as is in every language (for user text, which is
 * not translated and need not be sent twice); an I18nText gets `i18n_content`.
 */
export function markdown(text: I18nText | string, options: MarkdownOptions = {}): CardElement {
  const body = typeof text === "string" ? { content: text } : i18nContent(text);
  return {
    tag: "markdown",
    ...body,
    ...(options.textSize ? { text_size: options.textSize } : {}),
    ...(options.textAlign ? { text_align: options.textAlign } : {}),
  };
}

export function hr(): CardElement {
  return { tag: "hr" };
}

export interface ButtonOptions {
  text: I18nText;
  /** Sent back as `action.value` of `card.action.trigger`; routed on its `action` field. */
  value: Record<string, unknown>;
  type?: ButtonType;
  width?: "default" | "fill";
  /** Inside a form: the button's unique name and `form_action_type: "submit"`. */
  formSubmitName?: string;
}

/**
 * A button with a callback behaviour (`behaviors: [{ type: "callback", value }]`). Inside a form
 * container it also carries `name` and `form_action_type: "submit"`: the click then submits the
 * form, and the callback has both `action.value` (this value) and `action.form_value`.
 */
export function button(options: ButtonOptions): CardElement {
  return {
    tag: "button",
    text: plainText(options.text),
    type: options.type ?? "default",
    ...(options.width ? { width: options.width } : {}),
    behaviors: [{ type: "callback", value: options.value }],
    ...(options.formSubmitName ? { name: options.formSubmitName, form_action_type: "submit" } : {}),
  };
}

/** A row of components side by side (`column_set` of `auto`-width columns). */
export function columnRow(elements: CardElement[], horizontalSpacing = "8px"): CardElement {
  return {
    tag: "column_set",
    horizontal_spacing: horizontalSpacing,
    columns: elements.map((element) => ({
      tag: "column",
      width: "auto",
      elements: [element],
    })),
  };
}

/** A whole card: schema 2.0, shared (`update_multi`), both locales, optional chat-list summary. */
export function card(parts: {
  header: Record<string, unknown>;
  elements: CardElement[];
  summary?: I18nText;
}): Card {
  return {
    schema: "2.0",
    config: {
      update_multi: true,
      locales: [...CARD_LOCALES],
      ...(parts.summary ? { summary: i18nContent(parts.summary) } : {}),
    },
    header: parts.header,
    body: { elements: parts.elements },
  };
}

/**
 * A card sent in a private chat, labelled with the branch it is about: the header's subtitle
 * (when it has none), else a first line 【支部名称】. Cards that are not ours are left alone.
 */
export function labelCard(value: object, branchName: string): object {
  const built = value as Partial<Card>;
  if (built.schema !== "2.0" || !built.body || !Array.isArray(built.body.elements)) return value;
  const label = `【${truncate(branchName, 40)}】`;
  if (built.header && !built.header.subtitle) {
    return { ...built, header: { ...built.header, subtitle: plainText(label) } };
  }
  return {
    ...built,
    body: { ...built.body, elements: [markdown(escapeMarkdown(label)), ...built.body.elements] },
  };
}

/** Shortens text to `max` characters (code points), ending with "…" when cut. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join("")}…`;
}

/** Multi-line user text for markdown: escaped, cut to `max` characters, line breaks kept. */
export function userText(text: string, max: number): string {
  return escapeMarkdown(truncate(text.trim(), max)).replace(/\r\n?/g, "\n");
}

/** A mention inside card markdown (it notifies the person): `<at id=ou_xxx></at>`. */
export function atMention(openId: string): string {
  return `<at id=${openId}></at>`;
}

/** Longest name shown in a list; longer names are cut, so a list's size has a bound. */
const MAX_NAME_CHARS = 20;

/**
 * Up to `max` names joined with "、", then "等 K 人" (K = everyone in the list) when there are
 * more, so a card stays small even for a 2,000-member branch. Names are markdown-escaped.
 * English: "A, B and 1,998 others". An empty list is "无" / "none".
 */
export function namesList(people: readonly Pick<PersonRef, "name">[], max: number): I18nText {
  if (people.length === 0) return { zh: "无", en: "none" };
  const shown = people
    .slice(0, Math.max(0, max))
    .map((p) => escapeMarkdown(truncate(p.name, MAX_NAME_CHARS)));
  const rest = people.length - shown.length;
  if (rest <= 0) return { zh: shown.join("、"), en: shown.join(", ") };
  if (shown.length === 0) return { zh: `共 ${people.length} 人`, en: `${people.length} people` };
  return {
    zh: `${shown.join("、")} 等 ${people.length} 人`,
    en: `${shown.join(", ")} and ${rest} other${rest === 1 ? "" : "s"}`,
  };
}

/** Weekday and month names, indexed by luxon's `weekday - 1` and `month - 1`. */
export const WEEKDAYS_ZH = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
export const WEEKDAYS_EN = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
export const MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function inZone(date: Date, timeZone: string): DateTime {
  const dt = DateTime.fromJSDate(date, { zone: timeZone });
  if (!dt.isValid) throw new Error(`invalid time zone ${timeZone}`);
  return dt;
}

function dateParts(dt: DateTime): I18nText {
  return {
    zh: `${dt.year}年${dt.month}月${dt.day}日 ${WEEKDAYS_ZH[dt.weekday - 1]}`,
    en: `${WEEKDAYS_EN[dt.weekday - 1]} ${dt.day} ${MONTHS_EN[dt.month - 1]} ${dt.year}`,
  };
}

/** "2026年11月24日 周二 14:30" / "Tue 24 Nov 2026 14:30", in `timeZone` (an IANA name). */
export function formatDateTime(date: Date, timeZone: string): I18nText {
  const dt = inZone(date, timeZone);
  const day = dateParts(dt);
  const time = dt.toFormat("HH:mm");
  return { zh: `${day.zh} ${time}`, en: `${day.en} ${time}` };
}

/**
 * Start and end of an event: "2026年11月24日 周二 14:30–16:00"; when it ends on another day the
 * end carries its date too.
 */
export function formatTimeRange(start: Date, durationMin: number, timeZone: string): I18nText {
  const from = inZone(start, timeZone);
  const to = from.plus({ minutes: durationMin });
  const head = formatDateTime(start, timeZone);
  if (from.hasSame(to, "day")) {
    const end = to.toFormat("HH:mm");
    return { zh: `${head.zh}–${end}`, en: `${head.en}–${end}` };
  }
  const tail = formatDateTime(to.toJSDate(), timeZone);
  return { zh: `${head.zh} – ${tail.zh}`, en: `${head.en} – ${tail.en}` };
}

/** Size of a card as Lark receives it: bytes of its JSON (UTF-8). */
export function cardSize(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), "utf8");
}

/** Elements in a card as Lark counts them: every object with a `tag`, at any depth. */
export function countElements(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + countElements(item), 0);
  if (value === null || typeof value !== "object") return 0;
  const own = typeof (value as { tag?: unknown }).tag === "string" ? 1 : 0;
  return Object.values(value).reduce((sum: number, child) => sum + countElements(child), own);
}

/** True when a card is within `maxBytes` (default: Lark's limit) and Lark's element limit. */
export function fitsLimits(value: unknown, maxBytes: number = CARD_MAX_BYTES): boolean {
  return cardSize(value) <= maxBytes && countElements(value) <= CARD_MAX_ELEMENTS;
}

/**
 * Builds a card with each budget in turn (most generous first) and returns the first that fits
 * CARD_TARGET_BYTES and Lark's element limit; the last one when none does.
 */
export function buildWithinBudgets<Budgets extends readonly [unknown, ...unknown[]]>(
  budgets: Budgets,
  build: (budget: Budgets[number]) => Card,
): Card {
  let built: Card | undefined;
  for (const budget of budgets) {
    built = build(budget);
    if (fitsLimits(built, CARD_TARGET_BYTES)) return built;
  }
  return built as Card;
}

/**
 * The small footer line of a card about one record: "会议编号 M3 · /会议 查看 M3" /
 * "Meeting M3 · /会议 查看 M3 for details" (`kind` 会议 / Meeting, `command` "/会议").
 */
export function recordFooter(id: string, kind: I18nText, command: string): CardElement {
  const safeId = escapeMarkdown(id);
  return markdown(
    {
      zh: `${kind.zh}编号 ${safeId} · ${command} 查看 ${safeId}`,
      en: `${kind.en} ${safeId} · ${command} 查看 ${safeId} for details`,
    },
    { textSize: "notation" },
  );
}
