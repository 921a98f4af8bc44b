import { describe, expect, it } from "vitest";
import { CARD_MAX_BYTES, CARD_MAX_ELEMENTS, CARD_TARGET_BYTES, cardSize } from "../../src/cards/common.js";
import { LEAVE_REASON_MAX, MEETING_CARD_FORM, meetingCard } from "../../src/cards/meeting.js";
import { CARD_ACTIONS } from "../../src/cards/types.js";
import { type PersonRef } from "../../src/presenters/meeting.js";
import { LEAVE_REASON_MAX as DOMAIN_LEAVE_REASON_MAX } from "../../src/domain/attendance.js";
import { byTag, markdownText, tagged } from "./helpers.js";
import { meetingView as meeting, people, person } from "./views.js";

const buttons = (card: unknown) => byTag(card, "button");

describe("meetingCard: structure", () => {
  it("is a shared card JSON 2.0 with a zh/en header coloured by status", () => {
    const card = meetingCard(meeting());
    expect(card.schema).toBe("2.0");
    expect(card.config).toMatchObject({ update_multi: true, locales: ["zh_cn", "en_us"] });
    expect(card.header).toEqual({
      title: {
        tag: "plain_text",
        content: "【支部党员大会】学习贯彻全会精神",
        i18n_content: {
          zh_cn: "【支部党员大会】学习贯彻全会精神",
          en_us: "[Branch assembly] 学习贯彻全会精神",
        },
      },
      subtitle: {
        tag: "plain_text",
        content: "请回复参加或请假",
        i18n_content: { zh_cn: "请回复参加或请假", en_us: "Please reply: attend or leave" },
      },
      template: "blue",
    });
    expect(Array.isArray(card.body.elements)).toBe(true);
    // Every component has a tag, and markdown always carries content.
    for (const element of byTag(card, "markdown")) expect(typeof element.content).toBe("string");
  });

  it("shows the time in the meeting's time zone, not UTC", () => {
    const text = markdownText(meetingCard(meeting()));
    expect(text.zh).toContain("**时间**：2026年11月24日 周二 14:30–16:00");
    expect(text.en).toContain("**Time**: Tue 24 Nov 2026 14:30–16:00");
    expect(text.zh).toContain("**地点**：三楼会议室");
    expect(text.zh).toContain("**议程**：\n1. 传达学习\n2. 分组讨论");
    expect(text.zh).not.toContain("党小组");
  });

  it("shows the 党小组 when the meeting belongs to one", () => {
    const text = markdownText(meetingCard(meeting({ type: "group", partyGroup: "第一党小组" })));
    expect(text.zh).toContain("**党小组**：第一党小组");
    expect(text.en).toContain("**Party group**: 第一党小组");
  });

  it("ends with the meeting id and how to look it up", () => {
    const elements = meetingCard(meeting()).body.elements;
    expect(elements.at(-1)).toMatchObject({
      tag: "markdown",
      content: "会议编号 M12 · /会议 查看 M12",
      text_size: "notation",
    });
  });
});

describe("meetingCard: while scheduled", () => {
  it("has a form with an optional reason and 参加 / 请假 submit buttons with the exact callback values", () => {
    const card = meetingCard(meeting());
    const forms = byTag(card, "form");
    expect(forms).toHaveLength(1);
    const form = forms[0]!;
    expect(form.name).toBe(MEETING_CARD_FORM.form);

    const [reason] = byTag(form, "input");
    expect(reason).toMatchObject({
      tag: "input",
      name: "reason",
      required: false,
      max_length: LEAVE_REASON_MAX,
      placeholder: { tag: "plain_text", content: "请假事由（请假时必填）" },
    });
    // The input's limit is the one the domain enforces.
    expect(LEAVE_REASON_MAX).toBe(200);
    expect(LEAVE_REASON_MAX).toBe(DOMAIN_LEAVE_REASON_MAX);

    const formButtons = buttons(form);
    expect(formButtons).toHaveLength(2);
    const [attend, leave] = formButtons;
    expect(attend).toMatchObject({
      text: { tag: "plain_text", content: "参加" },
      type: "primary",
      name: "rsvp_attend",
      form_action_type: "submit",
    });
    expect(attend!.behaviors).toEqual([
      { type: "callback", value: { action: CARD_ACTIONS.meetingRsvp, meetingId: "M12", response: "attend" } },
    ]);
    expect(leave).toMatchObject({
      text: { tag: "plain_text", content: "请假" },
      name: "rsvp_leave",
      form_action_type: "submit",
    });
    expect(leave!.behaviors).toEqual([
      { type: "callback", value: { action: "meeting.rsvp", meetingId: "M12", response: "leave" } },
    ]);
    // No 签到 before check-in opens.
    expect(buttons(card)).toHaveLength(2);
  });

  it("adds a 签到 button once check-in is open, and turns the header red", () => {
    const card = meetingCard(meeting({ checkinOpen: true }));
    const checkin = buttons(card).filter((b) => !b.form_action_type);
    expect(checkin).toHaveLength(1);
    expect(checkin[0]).toMatchObject({ tag: "button", text: { tag: "plain_text", content: "签到" } });
    expect(checkin[0]!.behaviors).toEqual([
      { type: "callback", value: { action: CARD_ACTIONS.meetingCheckin, meetingId: "M12" } },
    ]);
    // 签到 sits outside the form: a form may only be at the root, and this is no submit.
    expect(byTag(byTag(card, "form")[0], "button")).toHaveLength(2);
    expect(card.header).toMatchObject({ template: "red" });
  });

  it("shows live counts with names, and keeps leave reasons private", () => {
    const card = meetingCard(meeting({ checkedIn: [person(1)] }));
    const text = markdownText(card);
    expect(text.zh).toContain("**参加 2 · 请假 1 · 未回复 1 · 已签到 1**");
    expect(text.en).toContain("**Attending 2 · On leave 1 · No reply 1 · Checked in 1**");
    expect(text.zh).toContain("参加：党员1、党员2");
    expect(text.zh).toContain("请假：党员3");
    expect(text.zh).toContain("未回复：党员4");
    expect(text.zh).toContain("已签到：党员1");
    expect(JSON.stringify(card)).not.toContain("出差在外地");
  });

  it("leaves out 已签到 until someone has checked in", () => {
    const text = markdownText(meetingCard(meeting()));
    expect(text.zh).toContain("**参加 2 · 请假 1 · 未回复 1**");
    expect(text.zh).not.toContain("已签到");
  });

  it("escapes user text so names and titles cannot mention everyone or format the card", () => {
    const card = meetingCard(
      meeting({
        title: "<at id=all></at>",
        pending: [{ openId: "ou_x", name: "**<at id=all></at>**" }],
      }),
    );
    for (const element of byTag(card, "markdown")) {
      expect(element.content).not.toContain("<at id=all>");
    }
    expect(markdownText(card).zh).toContain("未回复：\\*\\*\\<at id=all\\>\\</at\\>\\*\\*");
  });
});

describe("meetingCard: cancelled", () => {
  it("is grey, says 已取消 and has no buttons, form or inputs", () => {
    const card = meetingCard(meeting({ status: "cancelled", checkinOpen: true }));
    expect(card.header).toMatchObject({ template: "grey", subtitle: { content: "已取消" } });
    expect(markdownText(card).zh).toContain("已取消");
    const interactive = tagged(card).filter((e) =>
      ["button", "form", "input", "select_static", "date_picker", "picker_time"].includes(e.tag as string),
    );
    expect(interactive).toEqual([]);
  });
});

describe("meetingCard: closed", () => {
  const record = {
    expected: people(1, 5),
    present: people(1, 3),
    leave: [person(4)],
    absent: [person(5)],
  };

  it("is green and shows the frozen record with names and the minutes, without buttons", () => {
    const card = meetingCard(meeting({ status: "closed", record, minutes: "会议通过了*决议*。" }));
    expect(card.header).toMatchObject({ template: "green", subtitle: { content: "已结束" } });
    const text = markdownText(card);
    expect(text.zh).toContain("**应到 5 · 实到 3 · 请假 1 · 缺席 1**");
    expect(text.en).toContain("**Expected 5 · Present 3 · On leave 1 · Absent 1**");
    expect(text.zh).toContain("实到：党员1、党员2、党员3");
    expect(text.zh).toContain("请假：党员4");
    expect(text.zh).toContain("缺席：党员5");
    expect(text.zh).toContain("**会议纪要**");
    expect(text.zh).toContain("会议通过了\\*决议\\*。");
    expect(text.zh).not.toContain("未回复");
    expect(buttons(card)).toEqual([]);
    expect(byTag(card, "form")).toEqual([]);
  });

  it("has no minutes section when there are none", () => {
    const text = markdownText(meetingCard(meeting({ status: "closed", record })));
    expect(text.zh).not.toContain("会议纪要");
  });
});

describe("meetingCard: a 2,000-member branch", () => {
  it("truncates the pending list with 等 K 人 and stays under 30 KB and 200 elements", () => {
    const pending = people(100, 2000);
    const card = meetingCard(meeting({ pending, checkinOpen: true, checkedIn: people(1, 2) }));
    const text = markdownText(card);
    expect(text.zh).toContain("未回复 2000");
    expect(text.zh).toMatch(/未回复：党员100、党员101、.*党员119 等 2000 人/);
    expect(text.zh).not.toContain("党员120");
    expect(text.en).toContain("and 1980 others");
    expect(cardSize(card)).toBeLessThan(CARD_MAX_BYTES);
    expect(tagged(card).length).toBeLessThanOrEqual(CARD_MAX_ELEMENTS);
  });

  it("stays within the limits in the worst case: every list full, long names, long agenda and minutes", () => {
    const longName = (i: number): PersonRef => ({
      openId: `ou_${i}`,
      name: `${"很长的名字".repeat(10)}${i}`,
    });
    const many = Array.from({ length: 2000 }, (_, i) => longName(i));
    const base = meeting({
      title: "标题".repeat(200),
      place: "地点".repeat(200),
      agenda: "议程内容很长。\n".repeat(800),
      partyGroup: "党小组".repeat(50),
    });
    const scheduled = meetingCard({
      ...base,
      attending: many,
      leave: many.map((p) => ({ ...p, reason: "理由" })),
      pending: many,
      checkedIn: many,
      checkinOpen: true,
    });
    const closed = meetingCard({
      ...base,
      status: "closed",
      record: { expected: many, present: many, leave: many, absent: many },
      minutes: "纪要".repeat(20000),
    });
    for (const card of [scheduled, closed]) {
      expect(cardSize(card)).toBeLessThan(CARD_MAX_BYTES);
      // With room to spare: the card travels as an escaped JSON string.
      expect(cardSize(card)).toBeLessThanOrEqual(CARD_TARGET_BYTES);
      expect(tagged(card).length).toBeLessThanOrEqual(CARD_MAX_ELEMENTS);
      expect(markdownText(card).zh).toContain("等 2000 人");
    }
  });
});
