// A small, safe converter of Lark card markdown (lark_md) to DOM nodes: every piece of text goes in
// with textContent, never innerHTML, so nothing typed by a person can become markup here.
// It knows what the bot's cards use: backslash escapes, **bold**, *italic*, ~~strike~~, `code`,
// [text](http…) links, <at id=…></at> mentions, <font color=…>…</font>, lists, headings and <br>.

const PUNCTUATION = /[!-/:-@[-`{-~]/;
const SAFE_COLOURS = /^(?:[a-z-]{1,20}|#[0-9a-f]{3,8})$/i;

/** The index of the next unescaped `delimiter` at or after `from`, or -1. */
function findClose(text, delimiter, from) {
  for (let i = from; i < text.length; i++) {
    if (text[i] === "\\") {
      i++;
      continue;
    }
    if (text.startsWith(delimiter, i)) return i;
  }
  return -1;
}

/** Mention of one person: "@name" (the id when the name is unknown), "@所有人" for all. */
function mention(id, options) {
  const span = document.createElement("span");
  span.className = "lk-mention";
  const clean = id.replace(/^["']|["']$/g, "");
  span.dataset.openId = clean;
  span.textContent = clean === "all" ? "@所有人" : `@${options.nameOf?.(clean) ?? clean}`;
  return span;
}

function safeHref(url) {
  const trimmed = url.trim();
  return /^https?:\/\/[^\s]+$/i.test(trimmed) ? trimmed : null;
}

const AT_TAG = /^<at\s+(?:id|user_id|open_id)\s*=\s*("?[^"\s>]*"?)\s*>([^<]*)<\/at>/i;
const FONT_OPEN = /^<font\s+color\s*=\s*['"]?([^'">\s]+)['"]?\s*>/i;
const BR_TAG = /^<br\s*\/?>/i;

/** Appends the inline markdown `text` to `parent`. */
export function appendInline(parent, text, options = {}) {
  let plain = "";
  const flush = () => {
    if (plain) parent.append(document.createTextNode(plain));
    plain = "";
  };
  const wrap = (tag, className, inner) => {
    flush();
    const element = document.createElement(tag);
    if (className) element.className = className;
    appendInline(element, inner, options);
    parent.append(element);
    return element;
  };
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const char = text[i];
    if (char === "\\" && i + 1 < text.length && PUNCTUATION.test(text[i + 1])) {
      plain += text[i + 1];
      i += 2;
      continue;
    }
    if (rest.startsWith("**") || rest.startsWith("__")) {
      const close = findClose(text, rest.slice(0, 2), i + 2);
      if (close > i + 2) {
        wrap("strong", "", text.slice(i + 2, close));
        i = close + 2;
        continue;
      }
    }
    if (rest.startsWith("~~")) {
      const close = findClose(text, "~~", i + 2);
      if (close > i + 2) {
        wrap("del", "", text.slice(i + 2, close));
        i = close + 2;
        continue;
      }
    }
    if (char === "*" && text[i + 1] && text[i + 1] !== " ") {
      const close = findClose(text, "*", i + 1);
      if (close > i + 1) {
        wrap("em", "", text.slice(i + 1, close));
        i = close + 1;
        continue;
      }
    }
    if (char === "`") {
      const close = text.indexOf("`", i + 1);
      if (close > i + 1) {
        flush();
        const code = document.createElement("code");
        code.textContent = text.slice(i + 1, close);
        parent.append(code);
        i = close + 1;
        continue;
      }
    }
    if (char === "[") {
      const close = findClose(text, "]", i + 1);
      const link =
        close > i && text[close + 1] === "(" ? /^\(([^()\s]*)\)/.exec(text.slice(close + 1)) : null;
      if (link) {
        const href = safeHref(link[1]);
        const label = text.slice(i + 1, close) || link[1];
        if (href) {
          const a = wrap("a", "lk-link", label);
          a.href = href;
          a.target = "_blank";
          a.rel = "noopener noreferrer";
        } else {
          wrap("span", "", label);
        }
        i = close + 1 + link[0].length;
        continue;
      }
    }
    if (char === "<") {
      const at = AT_TAG.exec(rest);
      if (at) {
        flush();
        parent.append(mention(at[1], options));
        i += at[0].length;
        continue;
      }
      const font = FONT_OPEN.exec(rest);
      const end = font ? findClose(text, "</font>", i + font[0].length) : -1;
      if (font && end >= 0) {
        const span = wrap("span", "lk-font", text.slice(i + font[0].length, end));
        if (SAFE_COLOURS.test(font[1])) span.style.color = font[1];
        i = end + "</font>".length;
        continue;
      }
      const br = BR_TAG.exec(rest);
      if (br) {
        flush();
        parent.append(document.createElement("br"));
        i += br[0].length;
        continue;
      }
    }
    plain += char;
    i++;
  }
  flush();
}

const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*(\d{1,3})\.\s+(.*)$/;
const HEADING = /^(#{1,6})\s+(.*)$/;

/**
 * Renders a block of Lark markdown: paragraphs line by line (Lark keeps single line breaks),
 * "- " and "1. " lists, "# " headings and "---" rules.
 */
export function renderMarkdown(text, options = {}) {
  const root = document.createElement("div");
  root.className = "lk-md";
  let list = null;
  for (const line of String(text ?? "").split(/\r?\n/)) {
    const bullet = BULLET.exec(line);
    const numbered = bullet ? null : NUMBERED.exec(line);
    if (bullet || numbered) {
      const kind = bullet ? "UL" : "OL";
      if (!list || list.tagName !== kind) {
        list = document.createElement(kind.toLowerCase());
        if (numbered) list.start = Number(numbered[1]);
        root.append(list);
      }
      const item = document.createElement("li");
      appendInline(item, bullet ? bullet[1] : numbered[2], options);
      list.append(item);
      continue;
    }
    list = null;
    if (/^\s*-{3,}\s*$/.test(line)) {
      root.append(document.createElement("hr"));
      continue;
    }
    const heading = HEADING.exec(line);
    const paragraph = document.createElement(heading ? `h${Math.min(6, heading[1].length + 2)}` : "p");
    if (heading) appendInline(paragraph, heading[2], options);
    else if (line.trim() === "") paragraph.className = "lk-blank";
    else appendInline(paragraph, line, options);
    root.append(paragraph);
  }
  return root;
}

/** A text message: plain text with Lark's `<at user_id="…"></at>` mentions, line breaks kept. */
export function renderTextMessage(text, options = {}) {
  const root = document.createElement("div");
  root.className = "lk-text";
  const pattern = /<at\s+(?:user_id|id|open_id)\s*=\s*("?[^"\s>]*"?)\s*>([^<]*)<\/at>/gi;
  let last = 0;
  for (const match of String(text ?? "").matchAll(pattern)) {
    root.append(document.createTextNode(text.slice(last, match.index)));
    root.append(mention(match[1], options));
    last = match.index + match[0].length;
  }
  root.append(document.createTextNode(String(text ?? "").slice(last)));
  return root;
}
