/**
 * View models for card tests (the card tests under test/cards and the playground's renderer
 * tests): one factory per card, with overrides.
 */
import type { BranchStatsView } from "../../src/cards/stats.js";
import type { OrgBranchView } from "../../src/cards/orgStats.js";
import type { PersonRef } from "../../src/domain/people.js";
import type { MeetingCardData } from "../../src/presenters/meeting.js";
import type { StudyCardData } from "../../src/presenters/study.js";

export function person(i: number): PersonRef {
  return { openId: `ou_${String(i).padStart(6, "0")}`, name: `党员${i}` };
}

export function people(from: number, count: number): PersonRef[] {
  return Array.from({ length: count }, (_, i) => person(from + i));
}

export function meetingView(overrides: Partial<MeetingCardData> = {}): MeetingCardData {
  return {
    id: "M12",
    label: "M12",
    host: null,
    recorder: null,
    type: "branch-assembly",
    title: "学习贯彻全会精神",
    // 06:30 UTC is 14:30 in Asia/Shanghai.
    startAt: new Date("2026-11-24T06:30:00Z"),
    durationMin: 90,
    place: "三楼会议室",
    agenda: "1. 传达学习\n2. 分组讨论",
    partyGroup: null,
    status: "scheduled",
    attending: [person(1), person(2)],
    leave: [{ ...person(3), reason: "出差在外地" }],
    pending: [person(4)],
    checkedIn: [],
    checkinOpen: false,
    record: null,
    minutes: "",
    timeZone: "Asia/Shanghai",
    ...overrides,
  };
}

// The end of 30 November 2026 (a Monday) in Asia/Shanghai: 2026-12-01 00:00 +08:00.
export const DEADLINE = new Date("2026-11-30T16:00:00Z");

export function studyView(overrides: Partial<StudyCardData> = {}): StudyCardData {
  return {
    id: "S3",
    title: "学习二十届四中全会公报",
    link: "https://www.12371.cn/2026/10/30/ARTI1.shtml",
    text: "认真学习公报全文。\n重点：第三部分。",
    deadline: DEADLINE,
    hours: 2,
    scope: "branch",
    partyGroup: null,
    status: "open",
    confirmedCount: 2,
    expectedCount: 5,
    pending: people(3, 3),
    overdue: false,
    timeZone: "Asia/Shanghai",
    ...overrides,
  };
}

export function orgBranchView(i: number, overrides: Partial<OrgBranchView> = {}): OrgBranchView {
  return {
    branchId: `b${i}`,
    name: `第${i}支部`,
    metTypes: 4,
    requiredTypes: 4,
    overdueTypes: 0,
    heldByType: [
      { zh: "支委会", held: 3 },
      { zh: "党小组会", held: 3 },
    ],
    meetings: 9,
    participationRate: 0.9,
    study: { tasks: 2, rate: 0.95 },
    studyHours: { perMember: 12.25 },
    dues: { due: 12, paid: 12, owing: 0, waived: 1, rate: 1 },
    members: { full: 10, probationary: 2, activist: 1 },
    attention: [],
    ...overrides,
  };
}

export const MONTHS = Array.from({ length: 12 }, (_, i) => `2026-${String(i + 1).padStart(2, "0")}`);

export function members(count: number, nameOf: (i: number) => string = (i) => `党员${i}`) {
  // Lowest first, as the domain sorts them.
  return Array.from({ length: count }, (_, i) => ({
    name: nameOf(i),
    expected: 10,
    present: Math.min(10, Math.floor((i * 10) / Math.max(1, count - 1))),
    rate: Math.min(10, Math.floor((i * 10) / Math.max(1, count - 1))) / 10,
  }));
}

export function branchStatsView(overrides: Partial<BranchStatsView> = {}): BranchStatsView {
  return {
    branchName: "支部",
    periodLabel: "2026",
    compliance: {
      rows: [
        { type: "branch-assembly", zh: "支部党员大会", required: 4, held: 4, met: true },
        { type: "committee", zh: "支部委员会", required: 12, held: 9, met: false },
        { type: "group", zh: "党小组会", required: 12, held: 12, met: true },
        { type: "lecture", zh: "党课", required: 4, held: 0, met: false },
        { type: "other", zh: "主题党日", required: null, held: 2, met: null },
      ],
      requiredTypes: 4,
      metTypes: 2,
      rate: 0.5,
    },
    participationByType: [
      { zh: "支部党员大会", meetings: 4, expected: 200, present: 180, rate: 0.9 },
      { zh: "党课", meetings: 0, expected: 0, present: 0, rate: 0 },
    ],
    participationByMember: [
      { name: "张三", expected: 10, present: 3, rate: 0.3 },
      { name: "李四", expected: 10, present: 9, rate: 0.9 },
    ],
    participationByMonth: MONTHS.map((month, i) => ({
      month,
      expected: 50,
      present: 40 + (i % 5),
      rate: (40 + (i % 5)) / 50,
    })),
    study: { tasks: 6, confirmed: 250, expected: 300, completionRate: 250 / 300, hoursTotal: 123.456 },
    studyHours: { fromMeetings: 40, fromStudies: 123.456, total: 163.456, target: 32 },
    dues: {
      collectedFen: 1_234_567,
      outstandingFen: 8_050,
      members: { due: 48, paid: 45, owing: 3, waived: 2, rate: 45 / 48 },
    },
    ...overrides,
  };
}
