import { describe, expect, it } from "vitest";
import { politicalBirthdayCard } from "../../src/cards/birthday.js";
import { CARD_MAX_ELEMENTS, CARD_TARGET_BYTES } from "../../src/cards/common.js";
import { byTag, markdownText, sendBodyBytes, tagged } from "./helpers.js";

describe("政治生日 card", () => {
  const build = (name: string) =>
    politicalBirthdayCard({
      branchName: "第一党支部](http://evil.example)",
      name,
      years: 1,
      joinedAt: new Date("2025-07-01T00:00:00+08:00"),
      timeZone: "Asia/Shanghai",
    });

  it("greets in both languages, with no buttons, within Lark's budgets", () => {
    const card = build("张三");
    const text = markdownText(card);
    expect(text.zh).toContain("**张三** 同志");
    expect(text.zh).toContain("2025年7月1日");
    expect(text.zh).toContain("入党 **1** 周年");
    expect(text.en).toContain("1 July 2025, **1** year ago");
    expect(byTag(card, "button")).toEqual([]);
    expect(tagged(card).length).toBeLessThanOrEqual(CARD_MAX_ELEMENTS);
    expect(sendBodyBytes(card)).toBeLessThan(CARD_TARGET_BYTES);
  });

  it("escapes the member's and the branch's names", () => {
    const text = markdownText(build("**x**<at id=all></at>![i](http://x/y.png)"));
    expect(text.zh).not.toContain("<at id=all>");
    expect(text.zh).not.toContain("![i](");
    expect(text.zh).toContain("第一党支部\\](http://evil.example)"); // the link is broken
  });
});
