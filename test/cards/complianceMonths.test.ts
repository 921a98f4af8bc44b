import { describe, expect, it } from "vitest";
import {
  branchStatsCard,
  complianceReportText,
  complianceWarningText,
  type BranchStatsView,
} from "../../src/cards/stats.js";
import { complianceFromMeetings, type HeldMeeting } from "../../src/domain/compliance.js";
import { parsePeriod } from "../../src/domain/period.js";
import { markdownText } from "./helpers.js";

const TZ = "Asia/Shanghai";

function view(label: string, meetings: HeldMeeting[], now: string): BranchStatsView {
  const period = parsePeriod(label, TZ)!;
  return {
    branchName: "第一支部",
    periodLabel: label,
    compliance: complianceFromMeetings(meetings, period, { now: new Date(now), timeZone: TZ }),
    participationByType: [],
    participationByMember: [],
    participationByMonth: period.months.map((month) => ({ month, expected: 0, present: 0, rate: 0 })),
    study: { tasks: 0, confirmed: 0, expected: 0, completionRate: 0, hoursTotal: 0 },
    studyHours: { fromMeetings: 0, fromStudies: 0, total: 0, target: 32 },
    dues: {
      collectedFen: 0,
      outstandingFen: 0,
      members: { due: 0, paid: 0, owing: 0, waived: 0, rate: null },
    },
  };
}

const held = (id: string, type: string, month: string, pending = false): HeldMeeting => ({
  id,
  type,
  month,
  pending,
});
const template = (v: BranchStatsView) => (branchStatsCard(v).header as { template: string }).template;

describe("compliance month by month on the card and in the messages", () => {
  // Three 支委会 in January, none in February or March.
  const january = [
    held("M1", "committee", "2026-01"),
    held("M2", "committee", "2026-01"),
    held("M3", "committee", "2026-01"),
  ];

  it("shows a quarter with two months missed as 1/3 months, naming them", () => {
    const q1 = view("2026-Q1", january, "2026-04-02T00:00:00Z");
    const text = markdownText(branchStatsCard(q1)).zh;
    expect(text).toContain("支委会：⚠️ 达标 1/3 个月，未达标：2月、3月（共开 3 次）");
    expect(text).not.toContain("已完成 3/3");
    expect(template(q1)).toBe("orange");
    expect(complianceReportText(q1)).toContain("支委会 达标 1/3 个月（缺 2月、3月）");
  });

  it("checks a quarterly rule in a year quarter by quarter", () => {
    const year = view(
      "2026",
      [held("M1", "lecture", "2026-01"), held("M2", "lecture", "2026-02")],
      "2027-01-02T00:00:00Z",
    );
    const text = markdownText(branchStatsCard(year)).zh;
    expect(text).toContain("党课：⚠️ 达标 1/4 个季度，未达标：第2季度、第3季度、第4季度（共开 2 次）");
  });

  it("in a period half through, colours by what is overdue, not by what is not yet due", () => {
    // 15 April, nothing held yet in April: nothing is overdue.
    const april = view("2026-04", [], "2026-04-15T02:00:00Z");
    expect(template(april)).not.toBe("orange");
    const text = markdownText(branchStatsCard(april)).zh;
    expect(text).toContain("支委会：⏳ 进行中 0/1（未到期）");
    expect(text).toContain("无逾期（其余尚未到期）");

    // The year in April: every monthly and quarterly rule met so far.
    const sofar: HeldMeeting[] = [];
    for (const month of ["2026-01", "2026-02", "2026-03"])
      for (const type of ["committee", "group", "theme-day"])
        sofar.push(held(`${type}${month}`, type, month));
    sofar.push(held("A1", "branch-assembly", "2026-02"), held("L1", "lecture", "2026-03"));
    const year = view("2026", sofar, "2026-04-15T02:00:00Z");
    expect(template(year)).toBe("blue");
    const yearText = markdownText(branchStatsCard(year)).zh;
    expect(yearText).toContain("支委会：⏳ 至今达标 3/3 个月，还有 9 个月未到（共开 3 次）");
    expect(yearText).not.toContain("⚠️");
    // Once March is missed the header turns orange.
    const missed = view(
      "2026",
      sofar.filter((m) => m.id !== "committee2026-03"),
      "2026-04-15T02:00:00Z",
    );
    expect(template(missed)).toBe("orange");
    expect(markdownText(branchStatsCard(missed)).zh).toContain("未达标：3月");
  });

  it("counts a meeting held but not closed and prompts closing it", () => {
    const q2 = view("2026-Q2", [held("M7", "lecture", "2026-05", true)], "2026-05-21T02:00:00Z");
    const text = markdownText(branchStatsCard(q2)).zh;
    expect(text).toContain("党课：✅ 已完成 1/1；M7 已召开、待结束 (/会议 结束 M7)");
    const warning = complianceWarningText(q2);
    expect(warning).toContain("党课 M7 已召开、待结束 (/会议 结束 M7)");
    expect(warning).toContain("请及时结束会议");
    // Even with every requirement met, the secretary is asked to close it.
    expect(
      complianceWarningText({
        ...q2,
        compliance: { ...q2.compliance, rows: q2.compliance.rows.filter((r) => r.type === "lecture") },
      }),
    ).toContain("/会议 结束 M7");
  });
});
