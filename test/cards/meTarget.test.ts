import { describe, expect, it } from "vitest";
import { meCard, type MeCardData } from "../../src/cards/me.js";
import { markdownText } from "./helpers.js";

const base: MeCardData = {
  name: "张三",
  year: 2026,
  hours: { fromStudies: 10, fromMeetings: 8, total: 18, target: 32 },
  openStudies: [],
  upcomingMeetings: [],
  timeZone: "Asia/Shanghai",
};

describe("meCard: both figures", () => {
  it("shows all 学时 and, apart, those counting toward the 32 (集中学习培训)", () => {
    const text = markdownText(meCard({ ...base, towardTarget: { hours: 8, exemptedAs: null } })).zh;
    expect(text).toContain("**本年度学时 18**");
    expect(text).toContain("计入 32 学时要求（集中学习培训）：8 / 32");
    expect(text).toContain("▓▓░░░░░░░░ 25%");
    expect(text).toContain("学习任务 10 学时 · 会议 8 学时");
  });

  it("says an exempt or away member is left out of the target, with no bar", () => {
    const exempt = markdownText(meCard({ ...base, towardTarget: { hours: 8, exemptedAs: "exempt" } })).zh;
    expect(exempt).toContain("计入 32 学时要求：免于学时要求");
    expect(exempt).not.toContain("%");
    const away = markdownText(meCard({ ...base, towardTarget: { hours: 8, exemptedAs: "away" } })).zh;
    expect(away).toContain("外出期间不计学时要求");
  });
});
