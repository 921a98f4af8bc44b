import { describe, expect, it } from "vitest";
import { CARD_MAX_ELEMENTS, CARD_TARGET_BYTES, cardSize } from "../../src/cards/common.js";
import {
  BRANCHES_SHOWN,
  orgStatsCard,
  type OrgBranchView,
  type OrgStatsView,
} from "../../src/cards/orgStats.js";
import { byTag, markdownText, tagged } from "./helpers.js";
import { orgBranchView as branch } from "./views.js";

function org(rows: OrgBranchView[]): OrgStatsView {
  return {
    orgName: "机关党委",
    periodLabel: "2026-Q1",
    rows,
    trend: ["2026-01", "2026-02", "2026-03"].map((month) => ({
      month,
      judged: rows.length,
      met: month === "2026-01" ? rows.length : 0,
      expected: 10,
      present: 8,
    })),
  };
}

const missedFebMar = branch(1, {
  name: "一支部",
  metTypes: 3,
  overdueTypes: 1,
  attention: [
    { kind: "missed", zh: "支委会", units: ["2026-02", "2026-03"] },
    { kind: "pending", count: 1 },
    { kind: "dues", owing: 2 },
  ],
});

describe("orgStatsCard", () => {
  it("gives each branch a line of 支部体检 findings and the 发展党员 pipeline", () => {
    const card = orgStatsCard(
      org([
        branch(1, {
          health: { findings: 2 },
          development: { stages: { applicant: 1, activist: 2, probationary: 1 }, overdue: 3 },
        }),
        branch(2, { health: { findings: 0 }, development: { stages: {}, overdue: 0 } }),
      ]),
    );
    const text = JSON.stringify(card);
    expect(text).toContain("体检 2 项需处理 · 发展：申请人 1 · 积极分子 2 · 预备 1 · 逾期 3 步");
    expect(text).toContain(
      "health: 2 to act on · development: applicants 1 · activists 2 · probationary 1 · 3 step(s) overdue",
    );
    expect(text).toContain("体检无问题 · 发展：无");
  });

  it("puts the branches needing attention first and says why, without numbers or places", () => {
    const card = orgStatsCard(org([missedFebMar, branch(2, { name: "二支部" })]));
    expect((card.header as { template: string }).template).toBe("orange");
    expect((card.header as { subtitle: { content: string } }).subtitle.content).toBe(
      "共 2 个支部，需关注 1 个，三会一课全部达标 1 个",
    );
    const text = markdownText(card).zh;
    expect(text).toContain("需关注（按需关注程度排列，非排名）");
    expect(text).toContain("⚠️ **一支部**：支委会 2月、3月未达标；1 次会议已召开、待结束；2 人欠缴党费");
    expect(text).toContain("✅ **二支部**");
    expect(text.indexOf("一支部")).toBeLessThan(text.indexOf("二支部"));
    expect(text).toContain(
      "三会一课 3/4 类 · 参会 90% · 学习 95%（人均 12.3 学时） · 党费已缴清 12/12 人（免交 1）",
    );
    expect(text).toContain("会议：支委会 3 · 党小组会 3｜党员：正式 10 · 预备 2 · 积极分子 1");
    // Never a public ranking.
    expect(text).not.toMatch(/第\s*1\s*名|排名第|^1\. /m);
    expect(markdownText(card).en).toMatch(
      /支委会 missed in \w+, \w+; 1 meeting\(s\) held, not closed; 2 owing dues/,
    );
  });

  it("shows — for dues, attendance and study where nothing is due or held", () => {
    const card = orgStatsCard(
      org([
        branch(1, {
          meetings: 0,
          participationRate: 0,
          study: { tasks: 0, rate: null },
          studyHours: { perMember: null },
          dues: { due: 0, paid: 0, owing: 0, waived: 0, rate: null },
        }),
      ]),
    );
    const text = markdownText(card).zh;
    expect(text).toContain("参会 — · 学习 —（人均 — 学时） · 党费已缴清 — 人");
    expect(text).not.toContain("0%");
    expect((card.header as { template: string }).template).toBe("green");
  });

  it("draws the months across branches: share meeting every monthly rule, and attendance", () => {
    const card = orgStatsCard(org([branch(1), branch(2)]));
    const charts = byTag(card, "chart") as {
      chart_spec: { seriesField: string; data: { values: unknown[] } };
    }[];
    expect(charts).toHaveLength(1);
    expect(charts[0]!.chart_spec.seriesField).toBe("series");
    expect(charts[0]!.chart_spec.data.values).toEqual(
      expect.arrayContaining([
        { month: "2026-01", series: "月度三会一课达标支部占比", value: 100 },
        { month: "2026-02", series: "月度三会一课达标支部占比", value: 0 },
        { month: "2026-03", series: "参会率", value: 80 },
      ]),
    );
  });

  it("is blue when something needs a look but no rule was missed", () => {
    const card = orgStatsCard(org([branch(1, { attention: [{ kind: "dues", owing: 1 }] })]));
    expect((card.header as { template: string }).template).toBe("blue");
  });

  it("stays within Lark's limits for 500 branches with long names, counting those left out", () => {
    const rows = Array.from({ length: 500 }, (_, i) =>
      branch(i, {
        name: `${"非常长的支部名称".repeat(10)}${i}`,
        attention: i % 2 === 0 ? missedFebMar.attention : [],
        overdueTypes: i % 2 === 0 ? 1 : 0,
      }),
    );
    const card = orgStatsCard(org(rows));
    expect(cardSize(card)).toBeLessThanOrEqual(CARD_TARGET_BYTES);
    expect(tagged(card).length).toBeLessThanOrEqual(CARD_MAX_ELEMENTS);
    const text = markdownText(card).zh;
    expect(text).toMatch(/另有 4\d\d 个支部未列出（其中需关注 2\d\d 个）/);
    const listed = (text.match(/\*\*非常长/g) ?? []).length;
    expect(listed).toBeGreaterThan(0);
    expect(listed).toBeLessThanOrEqual(BRANCHES_SHOWN);
  });

  it("says so when there are no branches", () => {
    expect(markdownText(orgStatsCard(org([]))).zh).toContain("暂无支部。");
  });
});
