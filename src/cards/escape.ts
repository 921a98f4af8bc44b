/**
 * The one place where text a person typed (names of branches, groups, meetings and studies,
 * leave reasons, 学习心得, 纪要, form answers) is made inert before it goes out, and where links
 * are made safe. Pure functions, no I/O.
 *
 * - Card markdown: `escapeMarkdown` (backslash escapes), so `<at id=all></at>`, `![x](y)`,
 *   `[text](url)` and `**bold**` show as typed instead of mentioning, loading or linking.
 * - Text messages and posts: `escapeText`, which breaks Lark's text markup (`<at user_id=…>`,
 *   `<b>` and the other style tags, `[text](url)` links) with full-width brackets. The bot's own
 *   mentions are added by the builders after escaping, never taken from user text.
 * - Links: `safeLink` keeps http(s) only and percent-encodes non-ASCII and the characters that
 *   would end a markdown link; bare URLs in user text are separated from the text after them
 *   (Lark would otherwise read "https://x.cn/a请查看" as one broken link).
 */

/** Longest link shown as a link; a longer one is left out rather than cut (a cut URL is broken). */
export const LINK_MAX = 2000;

/** A bare http(s) URL inside text: the run of printable ASCII after the scheme. */
const BARE_URL = /https?:\/\/[\x21-\x7e]+/gi;

/** Puts a space between a bare URL and the non-ASCII character (e.g. Chinese) right after it. */
export function separateBareUrls(text: string): string {
  return text.replace(new RegExp(`(${BARE_URL.source})(?=[^\\x00-\\x7f])`, "gi"), "$1 ");
}

/**
 * Escapes user text for a `markdown` element so names and titles cannot turn into formatting,
 * images, links or `<at>` mentions (CommonMark backslash escapes of ASCII punctuation).
 */
export function escapeMarkdown(text: string): string {
  return separateBareUrls(text).replace(/[\\`*_~[\]<>|#{}]/g, (char) => `\\${char}`);
}

/** Tags Lark reads in a text message or a post's text (mentions, styles, links). */
const TEXT_TAG =
  /<(?=\s*\/?\s*(?:at|a|b|i|u|s|br|p|img|font|link|person|text_tag|local_datetime)(?![\w-]))/gi;

/**
 * Escapes user text for a `text` message (or a post's text): Lark's tags lose their `<`, a
 * markdown link its brackets, and bare URLs are separated from the text after them. What is
 * left reads the same: `＜at user_id="all"＞` cannot mention anyone.
 */
export function escapeText(text: string): string {
  return separateBareUrls(text)
    .replace(TEXT_TAG, "＜")
    .replace(/\[([^\]\n]*)\]\s*\(/g, "［$1］(");
}

function percentEncode(char: string): string {
  return Array.from(Buffer.from(char, "utf8"))
    .map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, "0")}`)
    .join("");
}

/**
 * A link safe for a card (`[text](url)`) or a message: http(s) only, with a host; non-ASCII
 * (in the host: punycode; elsewhere: UTF-8 percent-encoding) and the characters that could end
 * or break a markdown destination percent-encoded. Null when the link cannot be shown.
 */
export function safeLink(link: string | null | undefined): string | null {
  const text = link?.trim();
  if (!text || !/^https?:\/\/[^\s/]/i.test(text) || Array.from(text).length > LINK_MAX) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || !url.hostname) return null;
  const [, scheme = "", authority = "", rest = ""] = /^(https?:\/\/)([^/?#]*)(.*)$/is.exec(text) ?? [];
  // A non-ASCII host is written in punycode (percent-encoding is not valid in a host name).
  const host = /[^\x21-\x7e]/.test(authority) ? url.host : authority;
  const encoded = scheme + host + rest.replace(/[^\x21-\x7e]|[()<>[\]\\"'`{}|^]/gu, percentEncode);
  return encoded.length > LINK_MAX ? null : encoded;
}

/** A markdown link `[label](url)` with the label escaped; the bare (escaped) label without a safe URL. */
export function markdownLink(label: string, link: string | null | undefined): string {
  const url = safeLink(link);
  const text = escapeMarkdown(label);
  return url ? `[${text || url}](${url})` : text;
}
