import { describe, expect, it } from "vitest";
import { CARD_MAX_BYTES, CARD_MAX_ELEMENTS, cardSize } from "../../src/cards/common.js";
import {
  newStudyFormCard,
  STUDY_FORM_FIELDS,
  STUDY_FORM_LIMITS,
  studyCreatedCard,
} from "../../src/cards/studyForm.js";
import { STUDY_ACTIONS } from "../../src/cards/types.js";
import { byTag, markdownText, tagged, formFields, FORM_FIELD_TAGS } from "./helpers.js";
import { describeManyPartyGroups } from "./manyPartyGroups.js";

const FIELD_TAGS = FORM_FIELD_TAGS;
const fields = formFields;

describe("newStudyFormCard", () => {
  it("is a shared card JSON 2.0 holding one form at the root", () => {
    const card = newStudyFormCard({ timeZone: "Asia/Shanghai", partyGroups: ["第一党小组"] });
    expect(card.schema).toBe("2.0");
    expect(card.config).toMatchObject({ update_multi: true, locales: ["zh_cn", "en_us"] });
    expect(card.header).toMatchObject({
      title: { tag: "plain_text", content: "新建学习任务", i18n_content: { en_us: "New study task" } },
    });
    expect(card.body.elements.filter((e) => e.tag === "form")).toHaveLength(1);
    expect(byTag(card, "form")).toHaveLength(1);
    expect(JSON.stringify(card.body.elements[0])).toContain("Asia/Shanghai");
  });

  it("has the fields, in order, with the names the action handler reads", () => {
    const card = newStudyFormCard({ timeZone: "Asia/Shanghai", partyGroups: ["第一党小组", "第二党小组"] });
    const found = fields(card);
    expect(found.map((f) => f.name)).toEqual([
      "title",
      "link",
      "text",
      "deadline",
      "hours",
      "scope",
      "partyGroup",
    ]);
    expect(Object.values(STUDY_FORM_FIELDS)).toEqual(found.map((f) => f.name));
    const byName = Object.fromEntries(found.map((f) => [f.name, f]));

    expect(byName.title).toMatchObject({ tag: "input", required: true, max_length: 100 });
    expect(byName.link).toMatchObject({ tag: "input", required: false });
    expect(byName.text).toMatchObject({
      tag: "input",
      required: false,
      input_type: "multiline_text",
      max_length: STUDY_FORM_LIMITS.text,
    });
    expect(byName.deadline).toMatchObject({ tag: "date_picker", required: true });
    expect(byName.hours).toMatchObject({ tag: "input", required: true, default_value: "1" });
    expect(byName.scope).toMatchObject({ tag: "select_static", required: true, initial_option: "branch" });
    expect(byName.scope!.options).toEqual([
      {
        text: {
          tag: "plain_text",
          content: "全体党员",
          i18n_content: { zh_cn: "全体党员", en_us: "All members" },
        },
        value: "branch",
      },
      {
        text: {
          tag: "plain_text",
          content: "仅支委",
          i18n_content: { zh_cn: "仅支委", en_us: "Branch committee only" },
        },
        value: "committee",
      },
      {
        text: {
          tag: "plain_text",
          content: "党小组",
          i18n_content: { zh_cn: "党小组", en_us: "Party group" },
        },
        value: "group",
      },
    ]);
    expect(byName.partyGroup).toMatchObject({ tag: "select_static", required: false });
    expect((byName.partyGroup!.options as { value: string }[]).map((o) => o.value)).toEqual([
      "第一党小组",
      "第二党小组",
    ]);
  });

  it("keeps every input within Lark's max_length range (1–1000)", () => {
    const card = newStudyFormCard({ timeZone: "Asia/Shanghai", partyGroups: [] });
    for (const input of byTag(card, "input")) {
      expect(input.max_length).toBeGreaterThanOrEqual(1);
      expect(input.max_length).toBeLessThanOrEqual(1000);
    }
  });

  it("submits with the study.create action", () => {
    const card = newStudyFormCard({ timeZone: "Asia/Shanghai", partyGroups: [] });
    const buttons = byTag(card, "button");
    expect(buttons).toHaveLength(1);
    expect(buttons[0]).toMatchObject({ form_action_type: "submit", name: "study_create_submit" });
    expect(buttons[0]!.behaviors).toEqual([{ type: "callback", value: { action: STUDY_ACTIONS.create } }]);
    expect(buttons[0]!.behaviors).toEqual([{ type: "callback", value: { action: "study.create" } }]);
  });

  it("leaves out the 党小组 select when the branch has no groups", () => {
    const card = newStudyFormCard({ timeZone: "Asia/Shanghai", partyGroups: [" "] });
    expect(fields(card).map((f) => f.name)).not.toContain("partyGroup");
    expect(JSON.stringify(card)).not.toContain("**党小组**");
  });

  it("gives every form component a name unique in the card, and stays within the limits", () => {
    const groups = Array.from({ length: 40 }, (_, i) => `第${i + 1}党小组`);
    const card = newStudyFormCard({ timeZone: "Asia/Shanghai", partyGroups: [...groups, "第1党小组", " "] });
    const named = tagged(card).filter((e) => [...FIELD_TAGS, "button", "form"].includes(e.tag as string));
    const names = named.map((e) => e.name);
    expect(names.every((n) => typeof n === "string" && n.length > 0)).toBe(true);
    expect(new Set(names).size).toBe(names.length);
    const partyGroup = fields(card).find((f) => f.name === "partyGroup")!;
    expect((partyGroup.options as unknown[]).length).toBe(40);
    expect(cardSize(card)).toBeLessThan(CARD_MAX_BYTES);
    expect(tagged(card).length).toBeLessThanOrEqual(CARD_MAX_ELEMENTS);
  });
});

describeManyPartyGroups(
  "newStudyFormCard with many 党小组",
  (partyGroups) => newStudyFormCard({ timeZone: "Asia/Shanghai", partyGroups }),
  "范围为党小组时",
);

describe("studyCreatedCard", () => {
  it("confirms the task without any form or button", () => {
    const card = studyCreatedCard({
      id: "S3",
      title: "学习*公报*",
      deadlineText: "2026年11月30日 周一 24:00 前",
    });
    expect(card.schema).toBe("2.0");
    expect(card.config).toMatchObject({ update_multi: true });
    expect(card.header).toMatchObject({ template: "green" });
    const text = markdownText(card).zh;
    expect(text).toContain("**S3** 学习\\*公报\\*");
    expect(text).toContain("2026年11月30日 周一 24:00 前");
    expect(byTag(card, "form")).toEqual([]);
    expect(byTag(card, "button")).toEqual([]);
  });
});
