import { describe, expect, it } from "vitest";
import {
  atMention,
  button,
  card,
  cardSize,
  countElements,
  escapeMarkdown,
  formatDateTime,
  formatTimeRange,
  header,
  i18n,
  markdown,
  namesList,
  truncate,
} from "../../src/cards/common.js";
import { tagged } from "./helpers.js";

const names = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `成员${i + 1}` }));

describe("namesList", () => {
  it("lists everyone when within the limit", () => {
    expect(namesList(names(3), 5)).toEqual({ zh: "成员1、成员2、成员3", en: "成员1, 成员2, 成员3" });
  });

  it("shows up to max names then 等 K 人 (K = everyone)", () => {
    expect(namesList(names(2000), 3)).toEqual({
      zh: "成员1、成员2、成员3 等 2000 人",
      en: "成员1, 成员2, 成员3 and 1997 others",
    });
    expect(namesList(names(2), 1).en).toBe("成员1 and 1 other");
  });

  it("says 无 for nobody, and escapes and shortens names", () => {
    expect(namesList([], 5)).toEqual({ zh: "无", en: "none" });
    expect(namesList([{ name: "a*b" }], 5).zh).toBe("a\\*b");
    expect(namesList([{ name: "名".repeat(50) }], 5).zh).toBe(`${"名".repeat(19)}…`);
  });
});

describe("time formatting", () => {
  it("formats in the given zone", () => {
    const at = new Date("2026-11-24T06:30:00Z");
    expect(formatDateTime(at, "Asia/Shanghai")).toEqual({
      zh: "2026年11月24日 周二 14:30",
      en: "Tue 24 Nov 2026 14:30",
    });
    expect(formatDateTime(at, "UTC").zh).toBe("2026年11月24日 周二 06:30");
    expect(formatDateTime(new Date("2026-07-01T00:30:00Z"), "America/New_York").zh).toBe(
      "2026年6月30日 周二 20:30",
    );
  });

  it("formats a range, with the end date when it ends on another day", () => {
    const at = new Date("2026-11-24T06:30:00Z");
    expect(formatTimeRange(at, 90, "Asia/Shanghai").zh).toBe("2026年11月24日 周二 14:30–16:00");
    expect(formatTimeRange(at, 600, "Asia/Shanghai").zh).toBe(
      "2026年11月24日 周二 14:30 – 2026年11月25日 周三 00:30",
    );
  });

  it("rejects an unknown zone", () => {
    expect(() => formatDateTime(new Date(), "Mars/Olympus")).toThrow(/time zone/);
  });
});

describe("building blocks", () => {
  it("gives text both languages with i18n_content", () => {
    expect(markdown(i18n("你好", "Hello"), { textSize: "notation" })).toEqual({
      tag: "markdown",
      content: "你好",
      i18n_content: { zh_cn: "你好", en_us: "Hello" },
      text_size: "notation",
    });
    expect(markdown("用户文本")).toEqual({ tag: "markdown", content: "用户文本" });
  });

  it("builds callback buttons, and submit buttons for forms", () => {
    expect(button({ text: i18n("好", "OK"), value: { action: "x" }, type: "primary" })).toEqual({
      tag: "button",
      text: { tag: "plain_text", content: "好", i18n_content: { zh_cn: "好", en_us: "OK" } },
      type: "primary",
      behaviors: [{ type: "callback", value: { action: "x" } }],
    });
    expect(button({ text: i18n("交"), value: { action: "y" }, formSubmitName: "b1" })).toMatchObject({
      name: "b1",
      form_action_type: "submit",
      behaviors: [{ type: "callback", value: { action: "y" } }],
    });
  });

  it("wraps elements in a shared 2.0 card", () => {
    const built = card({ header: header(i18n("标题", "Title"), "green"), elements: [markdown("x")] });
    expect(built).toEqual({
      schema: "2.0",
      config: { update_multi: true, locales: ["zh_cn", "en_us"] },
      header: {
        title: { tag: "plain_text", content: "标题", i18n_content: { zh_cn: "标题", en_us: "Title" } },
        template: "green",
      },
      body: { elements: [{ tag: "markdown", content: "x" }] },
    });
    expect(countElements(built)).toBe(tagged(built).length);
    expect(countElements(built)).toBe(2);
    expect(cardSize({ a: "党" })).toBe(JSON.stringify({ a: "党" }).length + 2);
  });

  it("escapes markdown, shortens text and writes mentions", () => {
    expect(escapeMarkdown("<at id=all></at> **x** [l](u) `c` ~s~ #h |t|")).toBe(
      "\\<at id=all\\>\\</at\\> \\*\\*x\\*\\* \\[l\\](u) \\`c\\` \\~s\\~ \\#h \\|t\\|",
    );
    expect(truncate("abc", 3)).toBe("abc");
    expect(truncate("abcd", 3)).toBe("ab…");
    expect(atMention("ou_1")).toBe("<at id=ou_1></at>");
  });
});
