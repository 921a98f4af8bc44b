import { describe, expect, it } from "vitest";
import { CARD_MAX_BYTES, CARD_MAX_ELEMENTS, CARD_TARGET_BYTES, cardSize } from "../../src/cards/common.js";
import {
  LOWEST_MEMBERS_SHOWN,
  branchStatsCard,
  complianceReportText,
  complianceWarningText,
  formatPercent,
  periodText,
  type BranchStatsView,
} from "../../src/cards/stats.js";
import { byTag, markdownText, tagged } from "./helpers.js";
import { MONTHS, branchStatsView as view, members } from "./views.js";

function chart(card: unknown) {
  const charts = byTag(card, "chart");
  expect(charts).toHaveLength(1);
  return charts[0] as {
    tag: "chart";
    aspect_ratio: string;
    chart_spec: {
      type: string;
      data: { values: { month: string; rate: number | null }[] };
      xField: string;
      yField: string;
    };
  };
}

describe("formatPercent / periodText", () => {
  it("formats rates with at most one decimal, and no data as —", () => {
    expect(formatPercent(0.5)).toBe("50%");
    expect(formatPercent(1)).toBe("100%");
    expect(formatPercent(0)).toBe("0%");
    expect(formatPercent(1 / 3)).toBe("33.3%");
    expect(formatPercent(2 / 3)).toBe("66.7%");
    expect(formatPercent(0.9995)).toBe("100%");
    expect(formatPercent(-0.00001)).toBe("0%");
    expect(formatPercent(NaN)).toBe("—");
    expect(formatPercent(Infinity)).toBe("—");
    expect(formatPercent(undefined)).toBe("—");
    expect(formatPercent(null)).toBe("—");
  });

  it("names years, quarters and months", () => {
    expect(periodText("2026")).toEqual({ zh: "2026 年", en: "2026" });
    expect(periodText("2026-Q4")).toEqual({ zh: "2026 年第 4 季度", en: "Q4 2026" });
    expect(periodText("2026-11")).toEqual({ zh: "2026 年 11 月", en: "Nov 2026" });
    expect(periodText("whatever")).toEqual({ zh: "whatever", en: "whatever" });
  });
});

describe("branchStatsCard: structure", () => {
  it("is a shared card JSON 2.0 with the branch and period in the header", () => {
    const card = branchStatsCard(view());
    expect(card.schema).toBe("2.0");
    expect(card.config).toMatchObject({ update_multi: true, locales: ["zh_cn", "en_us"] });
    const title = (card.header as { title: { content: string } }).title;
    expect(title.content).toBe("「支部」2026 年 组织生活统计");
    expect((card.header as { template: string }).template).toBe("orange");
    for (const element of byTag(card, "markdown")) expect(typeof element.content).toBe("string");
  });

  it("is green when every required type is met", () => {
    const base = view();
    const card = branchStatsCard(
      view({ compliance: { ...base.compliance, metTypes: 4, requiredTypes: 4, rate: 1 } }),
    );
    expect((card.header as { template: string }).template).toBe("green");
  });

  it("names the quarter and month periods in the header", () => {
    const q = branchStatsCard(view({ periodLabel: "2026-Q4", branchName: "第一支部" }));
    expect((q.header as { title: { content: string } }).title.content).toBe(
      "「第一支部」2026 年第 4 季度 组织生活统计",
    );
    const m = branchStatsCard(view({ periodLabel: "2026-11" }));
    expect((m.header as { title: { content: string } }).title.content).toBe(
      "「支部」2026 年 11 月 组织生活统计",
    );
  });

  it("has a line chart of the participation rate (%) per month", () => {
    const element = chart(branchStatsCard(view()));
    expect(element.chart_spec.type).toBe("line");
    expect(element.chart_spec.xField).toBe("month");
    expect(element.chart_spec.yField).toBe("rate");
    expect(element.chart_spec.data.values).toEqual(
      MONTHS.map((month, i) => ({ month, rate: Math.round(((40 + (i % 5)) / 50) * 1000) / 10 })),
    );
    expect(element.chart_spec.data.values[0]).toEqual({ month: "2026-01", rate: 80 });
    // No JavaScript in a chart spec: it is plain JSON.
    expect(JSON.parse(JSON.stringify(element))).toEqual(element);
  });

  it("draws a single month as a bar, a month without data as a gap, and no chart without any data", () => {
    const single = chart(
      branchStatsCard(
        view({ participationByMonth: [{ month: "2026-11", expected: 10, present: 7, rate: 0.7 }] }),
      ),
    );
    expect(single.chart_spec.type).toBe("bar");
    expect(single.chart_spec.data.values).toEqual([{ month: "2026-11", rate: 70 }]);

    const gap = chart(
      branchStatsCard(
        view({
          participationByMonth: [
            { month: "2026-10", expected: 0, present: 0, rate: 0 },
            { month: "2026-11", expected: 10, present: 7, rate: 0.7 },
            { month: "2026-12", expected: 10, present: 0, rate: 0 },
          ],
        }),
      ),
    );
    expect(gap.chart_spec.data.values).toEqual([
      { month: "2026-10", rate: null },
      { month: "2026-11", rate: 70 },
      { month: "2026-12", rate: 0 },
    ]);

    const none = branchStatsCard(
      view({ participationByMonth: [{ month: "2026-10", expected: 0, present: 0, rate: NaN }] }),
    );
    expect(byTag(none, "chart")).toHaveLength(0);
    expect(markdownText(none).zh).toContain("每月参会率（%）**\n暂无数据。");
  });
});

describe("branchStatsCard: content", () => {
  it("marks each meeting type done, open or not required, and sums up", () => {
    const text = markdownText(branchStatsCard(view()));
    expect(text.zh).toContain("**三会一课完成 2/4 项（50%）**");
    expect(text.zh).toContain("支部党员大会：✅ 已完成 4/4");
    expect(text.zh).toContain("支部委员会：⚠️ 未完成 9/12");
    expect(text.zh).toContain("党课：⚠️ 未完成 0/4");
    expect(text.zh).toContain("主题党日：— 不要求（已开 2 次）");
    expect(text.en).toContain("2/4 required meeting types done (50%)");
    expect(text.en).toContain("支部委员会: ⚠️ not done 9/12");
  });

  it("shows participation per type, with — when no one was expected (the domain's rate is 0)", () => {
    const text = markdownText(branchStatsCard(view()));
    expect(text.zh).toContain("支部党员大会：4 次 · 实到/应到 180/200 · 90%");
    expect(text.zh).toContain("党课：0 次 · 实到/应到 0/0 · —");
  });

  it("lists the lowest members, lowest first", () => {
    const text = markdownText(branchStatsCard(view())).zh;
    expect(text).toContain("1. 张三　3/10 · 30%\n2. 李四　9/10 · 90%");
    expect(text).not.toContain("仅列出");
  });

  it("lists only the lowest 10 of 2,000 members, skipping members without data", () => {
    const list = [
      { name: "无数据", expected: 0, present: 0, rate: 0 },
      { name: "也无数据", expected: 0, present: 0, rate: NaN },
      ...members(2000),
    ];
    const text = markdownText(branchStatsCard(view({ participationByMember: list }))).zh;
    for (let i = 0; i < LOWEST_MEMBERS_SHOWN; i++) expect(text).toContain(`${i + 1}. 党员${i}　`);
    expect(text).not.toContain(`${LOWEST_MEMBERS_SHOWN + 1}. `);
    expect(text).not.toContain(`党员${LOWEST_MEMBERS_SHOWN}　`);
    expect(text).not.toContain("无数据");
    expect(text).toContain("（共 2,000 名党员，仅列出最低的 10 名）");
  });

  it("escapes names so they cannot format or mention", () => {
    const text = markdownText(
      branchStatsCard(
        view({
          participationByMember: [{ name: "**粗**<at id=all>", expected: 1, present: 0, rate: 0 }],
        }),
      ),
    ).zh;
    expect(text).toContain("1. \\*\\*粗\\*\\*\\<at id=all\\>　0/1 · 0%");
  });

  it("shows study completion and hours, and dues rate and amounts", () => {
    const text = markdownText(branchStatsCard(view()));
    expect(text.zh).toContain("学习任务 6 项 · 已确认 250/300（83.3%）");
    // 学时 includes the 党课 / 主题党日 hours (集中学习), not only study tasks.
    expect(text.zh).toContain("学时合计 163.5 小时（集中学习 40 · 自学 123.5）");
    // No per-member list unless the command passes one (private chat).
    expect(text.zh).not.toContain("党员学时");
    // Head-counts, not member-months; 免交 apart.
    expect(text.zh).toContain("已缴清 45/48 人（93.8%） · 欠缴 3 人 · 免交 2 人");
    expect(text.en).toContain("Paid in full 45/48 members (93.8%) · 3 owing · 2 waived");
    expect(text.zh).toContain("已收 12345.67 元 · 未缴 80.50 元");
    expect(text.en).toContain("Collected 12345.67 元 · outstanding 80.50 元");
  });

  it("lists each member's 学时 against the yearly target, lowest first, when given", () => {
    const members = Array.from({ length: 25 }, (_, i) => ({
      name: i === 0 ? "*粗*" : `党员${i}`,
      fromMeetings: i,
      fromStudies: 2,
      towardTarget: i,
    }));
    const base = view();
    const text = markdownText(branchStatsCard(view({ studyHours: { ...base.studyHours, members } }))).zh;
    expect(text).toContain("党员学时（年度目标 32 学时，最低的在前）");
    expect(text).toContain("1. \\*粗\\*　集中学习 0 · 自学 2 · 计入 0/32");
    expect(text).toContain("20. 党员19　集中学习 19 · 自学 2 · 计入 19/32");
    expect(text).not.toContain("21. ");
    expect(text).toContain("（共 25 名党员，仅列出最低的 20 名）");
  });

  it("shows — for study and dues rates with nothing expected, and says when nothing is required", () => {
    const base = view();
    const text = markdownText(
      branchStatsCard(
        view({
          compliance: { rows: base.compliance.rows.slice(4), requiredTypes: 0, metTypes: 0, rate: 1 },
          study: { tasks: 0, confirmed: 0, expected: 0, completionRate: 0, hoursTotal: 0 },
          dues: {
            collectedFen: 0,
            outstandingFen: 0,
            members: { due: 0, paid: 0, owing: 0, waived: 1, rate: null },
          },
        }),
      ),
    ).zh;
    expect(text).toContain("**本期没有要求召开的三会一课**");
    expect(text).toContain("学习任务 0 项 · 已确认 0/0（—）");
    expect(text).toContain("已缴清 —（本期无应缴党费） · 免交 1 人");
    expect(text).not.toContain("欠缴");
    expect(text).toContain("已收 0.00 元 · 未缴 0.00 元");
  });

  it("stays within Lark's limits for 2,000 members with long names", () => {
    const long = (i: number) => `${"很长的名字".repeat(10)}${i}`;
    const base = view();
    const card = branchStatsCard(
      view({
        branchName: "长".repeat(200),
        participationByMember: members(2000, long),
        compliance: {
          ...base.compliance,
          rows: Array.from({ length: 12 }, (_, i) => ({
            type: `t${i}`,
            zh: "很长的会议类型名称".repeat(5),
            required: 12,
            held: i,
            met: false,
          })),
        },
        participationByType: Array.from({ length: 12 }, () => ({
          zh: "很长的会议类型名称".repeat(5),
          meetings: 100,
          expected: 200_000,
          present: 100_000,
          rate: 0.5,
        })),
      }),
    );
    expect(cardSize(card)).toBeLessThanOrEqual(CARD_TARGET_BYTES);
    expect(cardSize(card)).toBeLessThan(CARD_MAX_BYTES);
    expect(tagged(card).length).toBeLessThanOrEqual(CARD_MAX_ELEMENTS);
  });
});

describe("compliance messages", () => {
  const quarter = (rows: BranchStatsView["compliance"]["rows"]) => {
    const required = rows.filter((r) => r.required !== null);
    const met = required.filter((r) => r.met).length;
    return {
      branchName: "第一支部",
      periodLabel: "2026-Q4",
      compliance: { rows, requiredTypes: required.length, metTypes: met, rate: met / required.length },
    };
  };
  const open = quarter([
    { type: "branch-assembly", zh: "支部党员大会", required: 1, held: 0, met: false },
    { type: "committee", zh: "支部委员会", required: 3, held: 1, met: false },
    { type: "group", zh: "党小组会", required: 3, held: 3, met: true },
    { type: "other", zh: "主题党日", required: null, held: 0, met: null },
  ]);
  const done = quarter([
    { type: "branch-assembly", zh: "支部党员大会", required: 1, held: 1, met: true },
    { type: "other", zh: "主题党日", required: null, held: 0, met: null },
  ]);

  it("warns about the open requirements two thirds into the period", () => {
    expect(complianceWarningText(open)).toBe(
      "「第一支部」2026 年第 4 季度已过三分之二，以下组织生活尚未完成：支部党员大会 0/1、支部委员会 1/3。请及时安排。",
    );
    expect(complianceWarningText(done)).toBeNull();
  });

  it("reports the result at the end of the period", () => {
    expect(complianceReportText(open)).toBe(
      "「第一支部」2026 年第 4 季度组织生活情况：三会一课完成 1/3 项（33.3%）。未完成：支部党员大会 0/1、支部委员会 1/3。",
    );
    expect(complianceReportText({ ...done, periodLabel: "2026" })).toBe(
      "「第一支部」2026 年组织生活情况：三会一课完成 1/1 项（100%）。要求的组织生活已全部完成。",
    );
  });

  it("keeps names from mentioning anyone in a text message", () => {
    const text = complianceWarningText({ ...open, branchName: '<at user_id="all"></at>' });
    expect(text).not.toContain("<at");
    expect(text).toContain("＜at");
  });
});
