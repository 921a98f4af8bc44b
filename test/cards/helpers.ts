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
