/** Walks a card JSON and returns every component (object with a string `tag`), depth first. */
export function tagged(value: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(value)) {
    for (const item of value) tagged(item, out);
  } else if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (typeof record.tag === "string") out.push(record);
    for (const child of Object.values(record)) tagged(child, out);
  }
  return out;
}

export function byTag(value: unknown, tag: string): Record<string, unknown>[] {
  return tagged(value).filter((element) => element.tag === tag);
}

/** The zh and en texts of every markdown element, joined. */
export function markdownText(value: unknown): { zh: string; en: string } {
  const elements = byTag(value, "markdown") as { content: string; i18n_content?: { en_us: string } }[];
  return {
    zh: elements.map((e) => e.content).join("\n"),
    en: elements.map((e) => e.i18n_content?.en_us ?? e.content).join("\n"),
  };
}

/**
 * UTF-8 bytes of the request body that sends `card` to a chat: the card travels as a JSON string
 * in `content` (as src/lark/api.ts sends it), so its quotes are escaped once more.
 */
export function sendBodyBytes(card: unknown): number {
  const body = {
    receive_id: "oc_0123456789abcdef0123456789abcdef",
    msg_type: "interactive",
    content: JSON.stringify(card),
  };
  return Buffer.byteLength(JSON.stringify(body), "utf8");
}

/** `count` distinct 党小组 names; with `chars`, each exactly that many characters long (Chinese). */
export function manyGroups(count: number, chars?: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const short = `第${i + 1}党小组`;
    return chars === undefined
      ? short
      : `${"机关党委第三联合支部".repeat(10)}`.slice(0, chars - short.length) + short;
  });
}

export const FORM_FIELD_TAGS = ["input", "select_static", "date_picker", "picker_time"];

/** The input elements of a form card, in order. */
export function formFields(card: unknown): Record<string, unknown>[] {
  return tagged(card).filter((e) => FORM_FIELD_TAGS.includes(e.tag as string));
}
