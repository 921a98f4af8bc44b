import { describe, expect, it } from "vitest";
import {
  CARD_MAX_BYTES,
  CARD_MAX_ELEMENTS,
  CARD_TARGET_BYTES,
  cardSize,
  countElements,
} from "../../src/cards/common.js";
import { byTag, formFields, manyGroups, sendBodyBytes, tagged } from "./helpers.js";

/**
 * The size budget of a form with a 党小组 row, shared by the meeting and the study form: with
 * 80 or 300 groups (short or 50-character names) the form stays within Lark's limits by asking
 * to type the group; 40 short names keep the select.
 */
export function describeManyPartyGroups(
  title: string,
  build: (partyGroups: string[]) => object,
  hint: string,
): void {
  describe(title, () => {
    const cases = [
      { label: "80 groups", groups: manyGroups(80) },
      { label: "300 groups", groups: manyGroups(300) },
      { label: "80 groups of 50 characters", groups: manyGroups(80, 50) },
      { label: "300 groups of 50 characters", groups: manyGroups(300, 50) },
    ];

    it.each(cases)("stays within Lark's limits with $label, asking to type the 党小组", ({ groups }) => {
      expect(new Set(groups).size).toBe(groups.length);
      const card = build(groups);
      expect(cardSize(card)).toBeLessThanOrEqual(CARD_TARGET_BYTES);
      expect(sendBodyBytes(card)).toBeLessThanOrEqual(CARD_MAX_BYTES);
      expect(countElements(card)).toBeLessThanOrEqual(CARD_MAX_ELEMENTS);
      expect(tagged(card).length).toBeLessThanOrEqual(CARD_MAX_ELEMENTS);

      const partyGroup = formFields(card).filter((f) => f.name === "partyGroup");
      expect(partyGroup).toHaveLength(1);
      expect(partyGroup[0]).toMatchObject({ tag: "input", required: false });
      expect(partyGroup[0]).not.toHaveProperty("options");
      expect(byTag(card, "select_static").some((s) => s.name === "partyGroup")).toBe(false);
      const placeholder = partyGroup[0]!.placeholder as { content: string; i18n_content: { en_us: string } };
      expect(placeholder.content).toContain("党小组全称");
      expect(placeholder.content).toContain(hint);
      expect(placeholder.i18n_content.en_us).toMatch(/type/i);
      expect(JSON.stringify(card)).toContain("**党小组**");
      expect(JSON.stringify(card)).not.toContain(groups[1]!);
    });

    it("keeps the select while the options fit, and switches when long names would not", () => {
      const short = build(manyGroups(40));
      expect(formFields(short).find((f) => f.name === "partyGroup")).toMatchObject({ tag: "select_static" });
      // 40 names of 50 characters would pass the byte budget as a select.
      const long = build(manyGroups(40, 50));
      expect(formFields(long).find((f) => f.name === "partyGroup")).toMatchObject({ tag: "input" });
      expect(cardSize(long)).toBeLessThanOrEqual(CARD_TARGET_BYTES);
    });
  });
}
