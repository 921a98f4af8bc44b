/**
 * Real cards for the playground's renderer tests, built by the bot's own card functions from view
 * models like those of test/cards/*: every element the cards use appears in at least one of them.
 */
import { branchStatsCard, type BranchStatsView } from "../../src/cards/stats.js";
import { meetingCard } from "../../src/cards/meeting.js";
import { newMeetingFormCard } from "../../src/cards/meetingForm.js";
import { newStudyFormCard } from "../../src/cards/studyForm.js";
import { orgStatsCard } from "../../src/cards/orgStats.js";
import { studyCard } from "../../src/cards/study.js";
import { editMemberCard, syncCard } from "../../src/cards/roster.js";
import { duesProfileFormCard, duesReminderCard } from "../../src/cards/dues.js";
import { joinRequestCard, roleOfferCard, switchCard } from "../../src/cards/org.js";
import { meCard } from "../../src/cards/me.js";
import { type Card } from "../../src/cards/common.js";
import { type MeetingCardData } from "../../src/presenters/meeting.js";
import {
  meetingView as baseMeetingView,
  branchStatsView,
  orgBranchView,
  people,
  studyView,
} from "../cards/views.js";

const ZONE = "Asia/Shanghai";

/** The card tests' meeting, with a title that must come out as typed (not bold, no @all). */
export const meetingView = (overrides: Partial<MeetingCardData> = {}): MeetingCardData =>
  baseMeetingView({ title: "学习贯彻全会精神 **不加粗** <at id=all></at>", ...overrides });

export const statsView = (): BranchStatsView => branchStatsView({ branchName: "第一党支部" });

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
      rows: [orgBranchView(1), orgBranchView(2, { metTypes: 3, overdueTypes: 1 })],
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
