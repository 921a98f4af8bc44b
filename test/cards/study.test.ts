import { describe, expect, it } from "vitest";
import { REFLECTION_MAX } from "../../config/study.js";
import { CARD_MAX_BYTES, CARD_MAX_ELEMENTS, CARD_TARGET_BYTES, cardSize } from "../../src/cards/common.js";
import { hoursProgressBar, meCard, type MeCardData } from "../../src/cards/me.js";
import {
  formatHours,
  studyDeadlineText,
  safeLinkUrl,
  STUDY_CARD_FORM,
  studyCard,
} from "../../src/cards/study.js";
import { studyReminderDmText, studyReminderGroupText } from "../../src/cards/studyMessages.js";
import { STUDY_ACTIONS } from "../../src/cards/types.js";
import { byTag, markdownText, tagged } from "./helpers.js";
import { DEADLINE, people, studyView as study } from "./views.js";

const INTERACTIVE = ["button", "form", "input", "select_static", "date_picker", "picker_time"];

describe("studyDeadlineText", () => {
  it("shows the end of a day as that day's 24:00, in the time zone", () => {
    const text = studyDeadlineText(DEADLINE, "Asia/Shanghai");
    expect(text.full).toEqual({ zh: "2026年11月30日 周一 24:00 前", en: "by 24:00 Mon 30 Nov 2026" });
    expect(text.day).toEqual({ zh: "11月30日", en: "30 Nov" });
    expect(text.dayTime.zh).toBe("11月30日 周一 24:00");
    expect(text.year).toBe(2026);
  });

  it("treats 23:59:59.999 as the same day's 24:00, and shows other times as they are", () => {
    const endOfDay = new Date("2026-11-30T15:59:59.999Z");
    expect(studyDeadlineText(endOfDay, "Asia/Shanghai").full.zh).toBe("2026年11月30日 周一 24:00 前");
    const evening = new Date("2026-11-30T10:00:00Z"); // 18:00 in Shanghai
    expect(studyDeadlineText(evening, "Asia/Shanghai").full.zh).toBe("2026年11月30日 周一 18:00 前");
  });

  it("formats 学时 without trailing zeros", () => {
    expect(formatHours(2)).toBe("2");
    expect(formatHours(1.5)).toBe("1.5");
    expect(formatHours(0.1 + 0.2)).toBe("0.3");
  });
});

describe("studyCard: structure", () => {
  it("is a shared card JSON 2.0 with a 【学习】 header, turquoise while open", () => {
    const card = studyCard(study());
    expect(card.schema).toBe("2.0");
    expect(card.config).toMatchObject({ update_multi: true, locales: ["zh_cn", "en_us"] });
    expect(card.header).toMatchObject({
      title: {
        tag: "plain_text",
        content: "【学习】学习二十届四中全会公报",
        i18n_content: { zh_cn: "【学习】学习二十届四中全会公报", en_us: "[Study] 学习二十届四中全会公报" },
      },
      template: "turquoise",
    });
    for (const element of byTag(card, "markdown")) expect(typeof element.content).toBe("string");
  });

  it("shows the deadline in the time zone (not UTC), 学时, scope, link and text", () => {
    const card = studyCard(study());
    const text = markdownText(card);
    expect(text.zh).toContain("**截止**：2026年11月30日 周一 24:00 前");
    expect(text.en).toContain("**Deadline**: by 24:00 Mon 30 Nov 2026");
    expect(text.zh).toContain("**学时**：2 学时");
    expect(text.zh).toContain("**范围**：全体党员");
    expect(text.zh).toContain("[学习二十届四中全会公报](https://www.12371.cn/2026/10/30/ARTI1.shtml)");
    expect(text.zh).toContain("认真学习公报全文。\n重点：第三部分。");
  });

  it("names the scope: 仅支委, 党小组「X」", () => {
    expect(markdownText(studyCard(study({ scope: "committee" }))).zh).toContain("**范围**：仅支委");
    const group = markdownText(studyCard(study({ scope: "group", partyGroup: "第一党小组", hours: 1.5 })));
    expect(group.zh).toContain("**范围**：党小组「第一党小组」");
    expect(group.zh).toContain("**学时**：1.5 学时");
  });

  it("leaves out the link and text when there are none", () => {
    const card = studyCard(study({ link: null, text: "" }));
    const json = JSON.stringify(card);
    expect(json).not.toContain("](");
    expect(json).not.toContain("认真学习");
  });

  it("shows only http(s) links, with characters that would break the link encoded", () => {
    expect(safeLinkUrl("javascript:alert(1)")).toBeNull();
    expect(safeLinkUrl("ftp://example.com/a")).toBeNull();
    expect(safeLinkUrl("https://example.com/a(b) c")).toBe("https://example.com/a%28b%29%20c");
    expect(safeLinkUrl("HTTP://example.com/?q=[1]")).toBe("HTTP://example.com/?q=%5B1%5D");
    const json = JSON.stringify(studyCard(study({ link: "javascript:alert(1)" })));
    expect(json).not.toContain("javascript:");
  });

  it("escapes the title in the link text and user text", () => {
    const card = studyCard(
      study({ title: "[点我](https://evil.example) <at id=all></at>", text: "**粗体** <at id=all></at>" }),
    );
    for (const element of byTag(card, "markdown")) {
      expect(element.content).not.toContain("<at id=all>");
    }
    const text = markdownText(card).zh;
    expect(text).toContain(
      "[\\[点我\\](https://evil.example) \\<at id=all\\>\\</at\\>](https://www.12371.cn/",
    );
    expect(text).toContain("\\*\\*粗体\\*\\*");
  });

  it("truncates a long text", () => {
    const text = markdownText(studyCard(study({ text: "长".repeat(5000) }))).zh;
    expect(text).toContain(`${"长".repeat(999)}…`);
    expect(text).not.toContain("长".repeat(1000));
  });

  it("ends with the study id and how to look it up", () => {
    expect(studyCard(study()).body.elements.at(-1)).toMatchObject({
      tag: "markdown",
      content: "学习编号 S3 · /学习 查看 S3",
      text_size: "notation",
    });
  });
});

describe("studyCard: while open", () => {
  it("shows progress and who has not studied yet", () => {
    const text = markdownText(studyCard(study()));
    expect(text.zh).toContain("**已学习 2 / 5**\n未学习：党员3、党员4、党员5");
    expect(text.en).toContain("**Done 2 / 5**\nNot yet: 党员3, 党员4, 党员5");
  });

  it("has a form with an optional 学习心得 and a 已学习 submit button with the exact callback value", () => {
    const card = studyCard(study());
    const forms = byTag(card, "form");
    expect(forms).toHaveLength(1);
    expect(card.body.elements.filter((e) => e.tag === "form")).toHaveLength(1);
    const form = forms[0]!;
    expect(form.name).toBe(STUDY_CARD_FORM.form);

    const inputs = byTag(form, "input");
    expect(inputs).toHaveLength(1);
    expect(inputs[0]).toMatchObject({
      name: "reflection",
      required: false,
      max_length: REFLECTION_MAX,
      placeholder: { tag: "plain_text", content: "学习心得（选填）" },
    });

    const buttons = byTag(card, "button");
    expect(buttons).toHaveLength(1);
    expect(buttons[0]).toMatchObject({
      text: { tag: "plain_text", content: "已学习" },
      name: "study_confirm",
      form_action_type: "submit",
    });
    expect(buttons[0]!.behaviors).toEqual([
      { type: "callback", value: { action: STUDY_ACTIONS.confirm, studyId: "S3" } },
    ]);
    expect(buttons[0]!.behaviors).toEqual([
      { type: "callback", value: { action: "study.confirm", studyId: "S3" } },
    ]);

    const names = tagged(card)
      .filter((e) => ["form", "input", "button"].includes(e.tag as string))
      .map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it("says nobody is missing once everyone has studied", () => {
    const text = markdownText(studyCard(study({ confirmedCount: 5, pending: [] }))).zh;
    expect(text).toContain("**已学习 5 / 5**");
    expect(text).not.toContain("未学习");
  });

  it("when overdue: red header, a note that late confirmations count, and still the form", () => {
    const card = studyCard(study({ overdue: true }));
    expect(card.header).toMatchObject({ template: "red", subtitle: { content: "已过截止时间" } });
    expect(markdownText(card).zh).toContain("已过截止时间，仍可确认（记为逾期）");
    expect(byTag(card, "form")).toHaveLength(1);
    expect(byTag(card, "button")).toHaveLength(1);
  });

  it("has no overdue note before the deadline", () => {
    expect(markdownText(studyCard(study())).zh).not.toContain("逾期");
  });
});

describe("studyCard: closed", () => {
  it("is grey, says 已结束, keeps the final progress, and has no interactive components", () => {
    for (const overdue of [false, true]) {
      const card = studyCard(study({ status: "closed", overdue }));
      expect(card.header).toMatchObject({ template: "grey", subtitle: { content: "已结束" } });
      const text = markdownText(card).zh;
      expect(text).toContain("已结束");
      expect(text).toContain("**已学习 2 / 5**");
      expect(text).not.toContain("仍可确认");
      expect(tagged(card).filter((e) => INTERACTIVE.includes(e.tag as string))).toEqual([]);
    }
  });
});

describe("studyCard: a 2,000-member branch", () => {
  it("truncates the pending list with 等 K 人 and stays under 30 KB and 200 elements", () => {
    const card = studyCard(study({ confirmedCount: 0, expectedCount: 2000, pending: people(100, 2000) }));
    const text = markdownText(card);
    expect(text.zh).toContain("**已学习 0 / 2000**");
    expect(text.zh).toMatch(/未学习：党员100、党员101、.*党员119 等 2000 人/);
    expect(text.zh).not.toContain("党员120");
    expect(text.en).toContain("and 1980 others");
    expect(cardSize(card)).toBeLessThan(CARD_MAX_BYTES);
    expect(tagged(card).length).toBeLessThanOrEqual(CARD_MAX_ELEMENTS);
  });

  it("stays within the limits in the worst case: long names, title, text, link and group", () => {
    const pending = Array.from({ length: 2000 }, (_, i) => ({
      openId: `ou_${i}`,
      name: `${"<很长的名字>".repeat(10)}${i}`,
    }));
    const base = study({
      title: "[标题]".repeat(200),
      text: "*学习内容*\n".repeat(5000),
      link: `https://example.com/${"(a)".repeat(600)}`,
      scope: "group",
      partyGroup: "党小组".repeat(100),
      expectedCount: 2000,
      confirmedCount: 0,
      pending,
    });
    for (const card of [
      studyCard(base),
      studyCard({ ...base, overdue: true }),
      studyCard({ ...base, status: "closed" }),
    ]) {
      expect(cardSize(card)).toBeLessThanOrEqual(CARD_TARGET_BYTES);
      expect(tagged(card).length).toBeLessThanOrEqual(CARD_MAX_ELEMENTS);
      expect(markdownText(card).zh).toContain("等 2000 人");
    }
  });
});

describe("study reminder messages", () => {
  const ref = { id: "S3", title: "学习二十届四中全会公报", deadline: DEADLINE };

  it("mentions exactly the pending people in the group, with the deadline day in the time zone", () => {
    const ids = ["ou_a1", "ou_b2", "ou_c3"];
    const text = studyReminderGroupText(ref, ids, "Asia/Shanghai");
    expect(text).toBe(
      '<at user_id="ou_a1"></at> <at user_id="ou_b2"></at> <at user_id="ou_c3"></at> ' +
        "请在截止前完成学习并在学习卡片上点「已学习」：S3「学习二十届四中全会公报」，截止 11月30日",
    );
    const mentioned = [...text.matchAll(/<at user_id="([^"]+)"><\/at>/g)].map((m) => m[1]);
    expect(mentioned).toEqual(ids);
  });

  it("mentions nobody when nobody is pending, and a title cannot add mentions", () => {
    const text = studyReminderGroupText(
      { ...ref, title: '<at user_id="all"></at>标题' },
      ["ou_a1"],
      "Asia/Shanghai",
    );
    expect([...text.matchAll(/<at /g)]).toHaveLength(1);
    expect(text).toContain("ou_a1");
    expect(studyReminderGroupText(ref, [], "Asia/Shanghai")).not.toContain("<at");
  });

  it("DMs a reminder without mentions", () => {
    const text = studyReminderDmText(ref, "Asia/Shanghai");
    expect(text).not.toContain("<at");
    expect(text).toContain("S3「学习二十届四中全会公报」");
    expect(text).toContain("11月30日 周一 24:00 截止");
    expect(text).toContain("已学习");
  });
});

describe("meCard", () => {
  function me(overrides: Partial<MeCardData> = {}): MeCardData {
    return {
      name: "张三",
      year: 2026,
      hours: { fromStudies: 10, fromMeetings: 2.5, total: 12.5, target: 32 },
      openStudies: [
        { id: "S3", title: "学习公报", deadline: DEADLINE, overdue: false },
        { id: "S1", title: "学习党章", deadline: new Date("2026-11-10T16:00:00Z"), overdue: true },
      ],
      upcomingMeetings: [
        // 06:30 UTC is 14:30 in Asia/Shanghai.
        {
          id: "M12",
          typeZh: "支部党员大会",
          title: "学习贯彻全会精神",
          startAt: new Date("2026-11-24T06:30:00Z"),
        },
      ],
      timeZone: "Asia/Shanghai",
      ...overrides,
    };
  }

  it("shows the year's 学时 against the target with a text progress bar", () => {
    const card = meCard(me());
    expect(card.schema).toBe("2.0");
    expect(card.config).toMatchObject({ update_multi: true });
    expect(card.header).toMatchObject({ title: { content: "我的学习与会议" } });
    const text = markdownText(card).zh;
    expect(text).toContain("**本年度学时 12.5 / 32**");
    expect(text).toContain("▓▓▓░░░░░░░ 39%");
    expect(text).toContain("学习任务 10 学时 · 会议 2.5 学时");
  });

  it("lists open study tasks with deadlines in the time zone and a 逾期 marker", () => {
    const text = markdownText(meCard(me())).zh;
    expect(text).toContain("- S3「学习公报」截止 11月30日 周一 24:00 前");
    expect(text).toContain("- S1「学习党章」截止 11月10日 周二 24:00 前 **逾期**");
    expect(text).not.toMatch(/S3.*逾期/);
  });

  it("lists upcoming meetings with type, title and local time", () => {
    const text = markdownText(meCard(me())).zh;
    expect(text).toContain("- M12 支部党员大会「学习贯彻全会精神」2026年11月24日 周二 14:30");
  });

  it("says so when there is nothing open, and has no interactive components", () => {
    const card = meCard(me({ openStudies: [], upcomingMeetings: [] }));
    const text = markdownText(card).zh;
    expect(text).toContain("暂无");
    expect(text).toContain("近期没有会议");
    expect(tagged(card).filter((e) => INTERACTIVE.includes(e.tag as string))).toEqual([]);
  });

  it("draws the bar for 0, full and over the target", () => {
    expect(hoursProgressBar(0, 32)).toBe("░░░░░░░░░░ 0%");
    expect(hoursProgressBar(32, 32)).toBe("▓▓▓▓▓▓▓▓▓▓ 100%");
    expect(hoursProgressBar(40, 32)).toBe("▓▓▓▓▓▓▓▓▓▓ 125%");
    expect(hoursProgressBar(5, 0)).toBe("▓▓▓▓▓▓▓▓▓▓ 100%");
  });

  it("cuts long lists and stays within the limits", () => {
    const card = meCard(
      me({
        openStudies: Array.from({ length: 500 }, (_, i) => ({
          id: `S${i}`,
          title: "很长的标题".repeat(50),
          deadline: DEADLINE,
          overdue: i % 2 === 0,
        })),
        upcomingMeetings: Array.from({ length: 500 }, (_, i) => ({
          id: `M${i}`,
          typeZh: "支部党员大会",
          title: "很长的标题".repeat(50),
          startAt: DEADLINE,
        })),
      }),
    );
    const text = markdownText(card).zh;
    expect(text).toContain("共 500 项");
    expect(cardSize(card)).toBeLessThanOrEqual(CARD_TARGET_BYTES);
    expect(tagged(card).length).toBeLessThanOrEqual(CARD_MAX_ELEMENTS);
  });
});
