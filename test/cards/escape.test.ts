import { describe, expect, it } from "vitest";
import { duesReminderCard } from "../../src/cards/dues.js";
import {
  escapeMarkdown,
  escapeText,
  markdownLink,
  safeLink,
  separateBareUrls,
} from "../../src/cards/escape.js";
import { reminderText } from "../../src/cards/meetingMessages.js";
import type { Meeting } from "../../src/db/models/meeting.js";

/** Every markdown `content` of a card, joined. */
function markdownOf(card: unknown): string {
  const out: string[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === "object") {
      const node = value as Record<string, unknown>;
      if (node.tag === "markdown") {
        out.push(String(node.content));
        const i18n = node.i18n_content as Record<string, string> | undefined;
        if (i18n) out.push(...Object.values(i18n));
      }
      Object.values(node).forEach(walk);
    }
  };
  walk(card);
  return out.join("\n");
}

describe("escapeText (text messages and posts)", () => {
  it("breaks <at> mentions and style tags, keeping the text readable", () => {
    expect(escapeText('出差<at user_id="all"></at>')).toBe('出差＜at user_id="all">＜/at>');
    expect(escapeText("<b>粗</b> < AT user_id=x>")).toBe("＜b>粗＜/b> ＜ AT user_id=x>");
  });

  it("leaves the bot's own usage placeholders alone", () => {
    expect(escapeText("/学习 查看 <学习编号>")).toBe("/学习 查看 <学习编号>");
    expect(escapeText("/study new <deadline> <hours> <amount>")).toBe(
      "/study new <deadline> <hours> <amount>",
    );
  });

  it("breaks markdown links", () => {
    expect(escapeText("[点我](https://evil.example)")).toBe("［点我］(https://evil.example)");
  });

  it("separates a bare URL from the Chinese text after it", () => {
    expect(escapeText("见https://www.12371.cn/a?b=1请阅读")).toBe("见https://www.12371.cn/a?b=1 请阅读");
    expect(separateBareUrls("https://x.cn/a 已分开")).toBe("https://x.cn/a 已分开");
  });
});

describe("escapeMarkdown (card markdown)", () => {
  it("makes images, links and mentions inert", () => {
    expect(escapeMarkdown("![x](y)")).toBe("!\\[x\\](y)");
    expect(escapeMarkdown("<at id=all></at>")).toBe("\\<at id=all\\>\\</at\\>");
  });

  it("separates a bare URL from the Chinese text after it", () => {
    expect(escapeMarkdown("https://x.cn/a请看")).toBe("https://x.cn/a 请看");
  });
});

describe("the dues reminder card", () => {
  it("renders a branch name holding an image, a link and a mention inert", () => {
    const card = duesReminderCard({
      branchId: "B1",
      branchName: "![x](y)[点](https://evil.example)<at id=all></at>",
      months: [{ month: "2026-11", amountFen: 2000 }],
      claimed: false,
    });
    const text = markdownOf(card);
    expect(text).not.toMatch(/(^|[^\\])!\[/);
    expect(text).not.toMatch(/(^|[^\\])\[点/);
    expect(text).not.toContain("<at id=all>");
    expect(text).toContain("!\\[x\\](y)");
  });
});

describe("the meeting reminder text", () => {
  it("keeps the mentions it builds and escapes the title and place people typed", () => {
    const meeting = {
      _id: "M1",
      type: "branch-assembly",
      title: '学习<at user_id="all"></at>',
      place: "[会议室](https://evil.example)",
      startAt: new Date("2026-11-24T06:30:00Z"),
    } as unknown as Meeting;
    const text = reminderText(meeting, ["ou_a1", "ou_b2"], "Asia/Shanghai");
    expect(text.startsWith('<at user_id="ou_a1"></at> <at user_id="ou_b2"></at> 提醒')).toBe(true);
    expect(text).not.toContain('<at user_id="all">');
    expect(text).toContain("［会议室］(");
  });
});

describe("safeLink", () => {
  it("percent-encodes non-ASCII characters, keeping the scheme as typed", () => {
    expect(safeLink("https://www.12371.cn/学习/党章?q=二十大#第一章")).toBe(
      "https://www.12371.cn/%E5%AD%A6%E4%B9%A0/%E5%85%9A%E7%AB%A0?q=%E4%BA%8C%E5%8D%81%E5%A4%A7#%E7%AC%AC%E4%B8%80%E7%AB%A0",
    );
    expect(safeLink("HTTP://example.com/a b")).toBe("HTTP://example.com/a%20b");
  });

  it("writes a non-ASCII host in punycode", () => {
    expect(safeLink("https://例子.中国/路径")).toBe("https://xn--fsqu00a.xn--fiqs8s/%E8%B7%AF%E5%BE%84");
  });

  it("refuses other schemes and links without a host", () => {
    expect(safeLink("javascript:alert(1)")).toBeNull();
    expect(safeLink("ftp://example.com/a")).toBeNull();
    expect(safeLink("data:text/html,x")).toBeNull();
    expect(safeLink("https:///path")).toBeNull();
    expect(safeLink("")).toBeNull();
  });

  it("builds a markdown link with an escaped label, or the bare label without a safe URL", () => {
    expect(markdownLink("[x]", "https://a.cn/中")).toBe("[\\[x\\]](https://a.cn/%E4%B8%AD)");
    expect(markdownLink("*x*", "javascript:1")).toBe("\\*x\\*");
  });
});
