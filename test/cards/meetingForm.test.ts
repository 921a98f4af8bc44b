import { describe, expect, it } from "vitest";
import { CARD_MAX_BYTES, CARD_MAX_ELEMENTS, cardSize } from "../../src/cards/common.js";
import {
  MEETING_FORM_FIELDS,
  MEETING_FORM_MAX_PEOPLE,
  newMeetingFormCard,
} from "../../src/cards/meetingForm.js";
import { CARD_ACTIONS } from "../../src/cards/types.js";
import { MEETING_TYPES } from "../../src/domain/meetingTypes.js";
import { byTag, tagged, formFields, FORM_FIELD_TAGS } from "./helpers.js";
import { describeManyPartyGroups } from "./manyPartyGroups.js";

const FIELD_TAGS = FORM_FIELD_TAGS;
const fields = formFields;

describe("newMeetingFormCard", () => {
  it("is a shared card JSON 2.0 holding one form at the root", () => {
    const card = newMeetingFormCard({ timeZone: "Asia/Shanghai", partyGroups: ["第一党小组"] });
    expect(card.schema).toBe("2.0");
    expect(card.config).toMatchObject({ update_multi: true, locales: ["zh_cn", "en_us"] });
    expect(card.header).toMatchObject({
      title: { tag: "plain_text", content: "新建会议", i18n_content: { en_us: "New meeting" } },
      template: "blue",
    });
    const forms = card.body.elements.filter((e) => e.tag === "form");
    expect(forms).toHaveLength(1);
    expect(byTag(card, "form")).toHaveLength(1);
    expect(JSON.stringify(card.body.elements[0])).toContain("Asia/Shanghai");
  });

  it("has the fields, in order, with the names the action handler reads", () => {
    const card = newMeetingFormCard({
      timeZone: "Asia/Shanghai",
      partyGroups: ["第一党小组", "第二党小组"],
      people: [
        { openId: "ou_a", name: "张三" },
        { openId: "ou_b", name: "李四" },
      ],
    });
    const found = fields(card);
    expect(found.map((f) => f.name)).toEqual([
      "type",
      "title",
      "date",
      "time",
      "place",
      "duration",
      "agenda",
      "partyGroup",
      "host",
      "recorder",
    ]);
    expect(Object.values(MEETING_FORM_FIELDS)).toEqual(found.map((f) => f.name));
    const byName = Object.fromEntries(found.map((f) => [f.name, f]));

    expect(byName.type).toMatchObject({ tag: "select_static", required: true });
    expect(byName.type!.options).toEqual(
      MEETING_TYPES.map((t) => ({
        text: { tag: "plain_text", content: t.zh, i18n_content: { zh_cn: t.zh, en_us: t.en } },
        value: t.id,
      })),
    );
    expect(byName.title).toMatchObject({ tag: "input", required: true });
    expect(byName.date).toMatchObject({ tag: "date_picker", required: true });
    expect(byName.time).toMatchObject({ tag: "picker_time", required: true });
    expect(byName.place).toMatchObject({ tag: "input", required: false });
    expect(byName.duration).toMatchObject({ tag: "input", default_value: "90" });
    expect(byName.agenda).toMatchObject({ tag: "input", input_type: "multiline_text", required: false });
    expect(byName.partyGroup).toMatchObject({ tag: "select_static", required: false });
    expect(byName.partyGroup!.options).toEqual([
      {
        text: {
          tag: "plain_text",
          content: "第一党小组",
          i18n_content: { zh_cn: "第一党小组", en_us: "第一党小组" },
        },
        value: "第一党小组",
      },
      {
        text: {
          tag: "plain_text",
          content: "第二党小组",
          i18n_content: { zh_cn: "第二党小组", en_us: "第二党小组" },
        },
        value: "第二党小组",
      },
    ]);
  });

  it("offers the roster as 主持人 and 记录人, optional, and leaves them to the command in a large branch", () => {
    const people = [{ openId: "ou_a", name: "张三" }];
    const picked = Object.fromEntries(
      fields(newMeetingFormCard({ timeZone: "Asia/Shanghai", partyGroups: [], people })).map((f) => [
        f.name,
        f,
      ]),
    );
    for (const name of ["host", "recorder"]) {
      expect(picked[name]).toMatchObject({ tag: "select_static", required: false });
      expect(picked[name]!.options).toEqual([
        {
          text: { tag: "plain_text", content: "张三", i18n_content: { zh_cn: "张三", en_us: "张三" } },
          value: "ou_a",
        },
      ]);
    }
    const many = Array.from({ length: MEETING_FORM_MAX_PEOPLE + 1 }, (_, i) => ({
      openId: `ou_${i}`,
      name: `党员${i}`,
    }));
    const large = fields(newMeetingFormCard({ timeZone: "Asia/Shanghai", partyGroups: [], people: many }));
    expect(large.map((f) => f.name)).not.toContain("host");
  });

  it("submits with the meeting.create action", () => {
    const card = newMeetingFormCard({ timeZone: "Asia/Shanghai", partyGroups: [] });
    const buttons = byTag(card, "button");
    expect(buttons).toHaveLength(1);
    expect(buttons[0]).toMatchObject({ form_action_type: "submit", name: "meeting_create_submit" });
    expect(buttons[0]!.behaviors).toEqual([
      { type: "callback", value: { action: CARD_ACTIONS.meetingCreate } },
    ]);
  });

  it("leaves out the 党小组 select when the branch has no groups", () => {
    const card = newMeetingFormCard({ timeZone: "Asia/Shanghai", partyGroups: [] });
    expect(fields(card).map((f) => f.name)).not.toContain("partyGroup");
    expect(JSON.stringify(card)).not.toContain("**党小组**");
  });

  it("gives every form component a name unique in the card, and stays within the limits", () => {
    const groups = Array.from({ length: 40 }, (_, i) => `第${i + 1}党小组`);
    const card = newMeetingFormCard({
      timeZone: "Asia/Shanghai",
      partyGroups: [...groups, "第1党小组", " "],
    });
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
  "newMeetingFormCard with many 党小组",
  (partyGroups) => newMeetingFormCard({ timeZone: "Asia/Shanghai", partyGroups }),
  "不填则为全支部",
);
