/**
 * Real cards for the playground's renderer tests, built by the bot's own card functions from view
 * models like those of test/cards/*: every element the cards use appears in at least one of them.
 */
import { branchStatsCard, type BranchStatsView } from "../../src/cards/stats.js";
import { meetingCard } from "../../src/cards/meeting.js";
import { newMeetingFormCard } from "../../src/cards/meetingForm.js";
import { newStudyFormCard } from "../../src/cards/studyForm.js";
import { orgStatsCard, type OrgBranchView } from "../../src/cards/orgStats.js";
import { studyCard } from "../../src/cards/study.js";
import { editMemberCard, syncCard } from "../../src/cards/roster.js";
import { duesProfileFormCard, duesReminderCard } from "../../src/cards/dues.js";
import { joinRequestCard, roleOfferCard, switchCard } from "../../src/cards/org.js";
import { meCard } from "../../src/cards/me.js";
import { type Card } from "../../src/cards/common.js";
import { type MeetingCardData, type PersonRef } from "../../src/presenters/meeting.js";
import { type StudyCardData } from "../../src/presenters/study.js";

const ZONE = "Asia/Shanghai";

function people(from: number, count: number): PersonRef[] {
  return Array.from({ length: count }, (_, i) => ({
    openId: `ou_${String(from + i).padStart(6, "0")}`,
    name: `党员${from + i}`,
  }));
}

export function meetingView(overrides: Partial<MeetingCardData> = {}): MeetingCardData {
  return {
    id: "M12",
    label: "M12",
    host: null,
    recorder: null,
    type: "branch-assembly",
    title: "学习贯彻全会精神 **不加粗** <at id=all></at>",
    startAt: new Date("2026-11-24T06:30:00Z"),
    durationMin: 90,
    place: "三楼会议室",
    agenda: "1. 传达学习\n2. 分组讨论",
    partyGroup: null,
    status: "scheduled",
    attending: people(1, 2),
    leave: [{ ...people(3, 1)[0]!, reason: "出差在外地" }],
    pending: people(4, 1),
    checkedIn: [],
    checkinOpen: false,
    record: null,
    minutes: "",
    timeZone: ZONE,
    ...overrides,
  };
}

const MONTHS = Array.from({ length: 12 }, (_, i) => `2026-${String(i + 1).padStart(2, "0")}`);

export function statsView(): BranchStatsView {
  return {
    branchName: "第一党支部",
    periodLabel: "2026",
    compliance: {
      rows: [
        { type: "branch-assembly", zh: "支部党员大会", required: 4, held: 4, met: true },
        { type: "committee", zh: "支部委员会", required: 12, held: 9, met: false },
        { type: "lecture", zh: "党课", required: 4, held: 0, met: false },
      ],
      requiredTypes: 3,
      metTypes: 1,
      rate: 1 / 3,
    },
    participationByType: [{ zh: "支部党员大会", meetings: 4, expected: 200, present: 180, rate: 0.9 }],
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
    study: { tasks: 6, confirmed: 250, expected: 300, completionRate: 250 / 300, hoursTotal: 123.5 },
    studyHours: { fromMeetings: 40, fromStudies: 123.5, total: 163.5, target: 32 },
    dues: {
      collectedFen: 1_234_567,
      outstandingFen: 8_050,
      members: { due: 48, paid: 45, owing: 3, waived: 2, rate: 45 / 48 },
    },
  };
}

function studyView(overrides: Partial<StudyCardData> = {}): StudyCardData {
  return {
    id: "S3",
    title: "学习二十届四中全会公报",
    link: "https://www.12371.cn/2026/10/30/ARTI1.shtml",
    text: "认真学习公报全文。\n重点：第三部分。",
    deadline: new Date("2026-11-30T15:59:59Z"),
    hours: 2,
    scope: "branch",
    partyGroup: null,
    status: "open",
    confirmedCount: 2,
    expectedCount: 5,
    pending: people(3, 3),
    overdue: false,
    timeZone: ZONE,
    ...overrides,
  };
}

function orgBranch(i: number, overrides: Partial<OrgBranchView> = {}): OrgBranchView {
  return {
    branchId: `b${i}`,
    name: `第${i}支部`,
    metTypes: 4,
    requiredTypes: 4,
    overdueTypes: 0,
    heldByType: [{ zh: "支委会", held: 3 }],
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

/** The cards, by the name of their screenshot. */
export function sampleCards(): Record<string, Card> {
  return {
    "meeting-open": meetingCard(meetingView()),
    "meeting-checkin": meetingCard(meetingView({ checkinOpen: true, checkedIn: people(1, 1) })),
    "meeting-closed": meetingCard(
      meetingView({
        status: "closed",
        minutes: "会议传达了全会精神。",
        record: {
          expected: people(1, 4),
          present: people(1, 2),
          leave: people(3, 1),
          absent: people(4, 1),
          observers: [],
          voluntary: [],
        },
      }),
    ),
    "meeting-cancelled": meetingCard(meetingView({ status: "cancelled" })),
    "meeting-form": newMeetingFormCard({ timeZone: ZONE, partyGroups: ["第一党小组", "第二党小组"] }),
    "branch-stats": branchStatsCard(statsView()),
    "org-stats": orgStatsCard({
      orgName: "机关党委",
      periodLabel: "2026-Q1",
      rows: [orgBranch(1), orgBranch(2, { metTypes: 3, overdueTypes: 1 })],
      trend: ["2026-01", "2026-02", "2026-03"].map((month) => ({
        month,
        judged: 2,
        met: 1,
        expected: 10,
        present: 8,
      })),
    }),
    study: studyCard(studyView()),
    "study-form": newStudyFormCard({ timeZone: ZONE, partyGroups: [] }),
    "roster-sync": syncCard({
      branchId: "b1",
      branchName: "第一党支部",
      summary: "同步完成：新增 2 人。",
      unconfirmed: people(7, 2),
      matches: [],
    }),
    "dues-reminder": duesReminderCard({
      branchId: "b1",
      branchName: "第一党支部",
      months: [
        { month: "2026-10", amountFen: 2000 },
        { month: "2026-11", amountFen: 2000 },
      ],
      claimed: false,
    }),
    "dues-profile": duesProfileFormCard({ month: "2026-11" }),
    "join-request": joinRequestCard({
      branchId: "b2",
      branchName: "第二党支部",
      orgName: "机关党委",
      requesterName: "赵书记",
      requestId: "r1",
    }),
    "role-offer": roleOfferCard({
      branchId: "b1",
      branchName: "第一党支部",
      roleName: { zh: "组织委员", en: "Organisation member" },
      byName: "王书记",
      requestId: "r2",
    }),
    switch: switchCard([
      { branchId: "b1", branchName: "第一党支部", roleName: "书记", current: true },
      { branchId: "b2", branchName: "第二党支部", roleName: "党员", current: false },
    ]),
    me: meCard({
      name: "王书记",
      year: 2026,
      hours: { fromStudies: 10, fromMeetings: 6, total: 16, target: 32 },
      openStudies: [
        { id: "S3", title: "学习公报", deadline: new Date("2026-11-30T15:59:59Z"), overdue: false },
      ],
      upcomingMeetings: [
        {
          id: "M12",
          typeZh: "支部党员大会",
          title: "学习全会精神",
          startAt: new Date("2026-11-24T06:30:00Z"),
        },
      ],
      timeZone: ZONE,
    }),
    "member-edit": editMemberCard({
      branchId: "b1",
      openId: "ou_000001",
      name: "党员1",
      status: "full",
      statusSince: "2020-07-01",
      profile: {
        gender: "女",
        ethnicity: "汉族",
        birthMonth: "1990-05",
        education: "本科",
        joinedAt: "2019-07-01",
        fullAt: "2020-07-01",
        partyPost: "",
        phone: "13800001234",
      },
    }),
  };
}
