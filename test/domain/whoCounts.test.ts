import { describe, expect, it } from "vitest";
import { MEETING_STATUSES } from "../../src/db/models/meeting.js";
import { MEMBER_STATUSES, type MemberStatus } from "../../src/db/models/member.js";
import { MEETING_TYPES } from "../../src/domain/meetingTypes.js";
import { monthOf } from "../../src/domain/duesRules.js";
import { memberInScope } from "../../src/domain/attendance.js";
import { countedInStudy, memberInStudyScope } from "../../src/domain/study.js";
import { studyTarget } from "../../src/domain/studyHours.js";
import { maskPhone } from "../../src/domain/people.js";
import {
  meetingStanding,
  owesDuesFor,
  studyStanding,
  type MeetingStanding,
} from "../../src/domain/whoCounts.js";
import { buildMember } from "../helpers/factories.js";

const AT = new Date("2026-06-15T04:00:00Z");
const TZ = "Asia/Shanghai";

/** Expected standing of an ordinary member (in every scope) by status, for branch-wide types. */
const BRANCH_WIDE: Record<MemberStatus, MeetingStanding> = {
  full: "expected",
  probationary: "expected",
  target: "observer",
  activist: "observer",
  applicant: "none",
  "non-party": "none",
  unconfirmed: "none",
};

describe("meetingStanding: every status × every meeting type", () => {
  const cases = MEETING_TYPES.flatMap((type) =>
    MEMBER_STATUSES.map((status) => {
      let want: MeetingStanding;
      // A committee member of 一组 is in the scope of every type; activists never sit on 支委会.
      if (type.id === "committee")
        want = status === "full" || status === "probationary" ? "expected" : "none";
      else want = BRANCH_WIDE[status];
      return { type: type.id, status, want };
    }),
  );
  it.each(cases)("$type / $status → $want", ({ type, status, want }) => {
    const member = buildMember({ status, role: "committee", partyGroup: "一组" });
    const meeting = { type, partyGroup: type === "group" ? "一组" : null };
    expect(meetingStanding(member, meeting, AT)).toBe(want);
    expect(memberInScope(member, meeting, AT)).toBe(want !== "none");
  });

  it.each(MEMBER_STATUSES)("a member outside the group or committee is in neither (%s)", (status) => {
    const member = buildMember({ status, role: "member", partyGroup: "二组" });
    expect(meetingStanding(member, { type: "group", partyGroup: "一组" }, AT)).toBe("none");
    expect(meetingStanding(member, { type: "committee", partyGroup: null }, AT)).toBe("none");
  });

  it("leaves out inactive people and a missing status counts as 正式", () => {
    expect(meetingStanding(buildMember({ active: false }), { type: "lecture" }, AT)).toBe("none");
    const legacy = buildMember();
    delete (legacy as { status?: string }).status;
    expect(meetingStanding(legacy, { type: "lecture" }, AT)).toBe("expected");
  });

  it("has the statuses and types the table covers", () => {
    expect(MEETING_TYPES.length).toBeGreaterThanOrEqual(7);
    expect(MEETING_STATUSES).toContain("closed");
  });
});

describe("exempt and away periods: before, during, after", () => {
  const from = new Date("2026-03-01T00:00:00Z");
  const until = new Date("2026-09-01T00:00:00Z");
  const period = (kind: "exempt" | "away", end: Date | null) => ({
    id: "E1",
    kind,
    from,
    until: end,
    where: "",
    reason: "长期患病",
    by: "ou_sec",
    at: from,
    lastContactAt: null,
  });
  const moments = [
    { when: "before", at: new Date("2026-02-28T23:59:59Z"), holds: false },
    { when: "at the start", at: from, holds: true },
    { when: "during", at: AT, holds: true },
    { when: "at the end (exclusive)", at: until, holds: false },
    { when: "after", at: new Date("2026-10-01T00:00:00Z"), holds: false },
  ];
  const cases = (["exempt", "away"] as const).flatMap((kind) =>
    (["probationary", "full"] as const).flatMap((status) => moments.map((m) => ({ kind, status, ...m }))),
  );
  it.each(cases)("$kind $status $when", ({ kind, status, at, holds }) => {
    const member = buildMember({ status, exemptions: [period(kind, until)] as never });
    const standing = holds ? "voluntary" : "expected";
    // An ordinary member without a 党小组: in every branch-wide meeting, never in 支委会.
    for (const type of MEETING_TYPES.filter((t) => t.id !== "group")) {
      expect(meetingStanding(member, { type: type.id, partyGroup: null }, at)).toBe(
        type.id === "committee" ? "none" : standing,
      );
    }
    const study = { scope: "branch" as const, partyGroup: null };
    expect(studyStanding(member, study, at)).toBe(standing);
    expect(countedInStudy(member, study, at)).toBe(!holds);
    expect(memberInStudyScope(member, study, at)).toBe(true);
    const hours = { fromStudies: 4, fromMeetings: 6, total: 10, target: 32 };
    expect(studyTarget(hours, member, at, false)).toEqual({
      towardTarget: 6,
      target: 32,
      exemptedAs: holds ? kind : null,
    });
  });

  it("an open-ended period holds until lifted", () => {
    const member = buildMember({ exemptions: [period("exempt", null)] as never });
    expect(meetingStanding(member, { type: "lecture" }, new Date("2036-01-01T00:00:00Z"))).toBe("voluntary");
  });

  it("activists and others are never counted in study", () => {
    for (const status of ["activist", "target", "applicant", "non-party", "unconfirmed"] as const) {
      expect(memberInStudyScope(buildMember({ status }), { scope: "branch", partyGroup: null }, AT)).toBe(
        false,
      );
    }
  });

  it("self-study counts toward 32 only when the rule table says so", () => {
    const hours = { fromStudies: 4, fromMeetings: 6, total: 10, target: 32 };
    expect(studyTarget(hours, buildMember(), AT, false).towardTarget).toBe(6);
    expect(studyTarget(hours, buildMember(), AT, true).towardTarget).toBe(10);
    expect(studyTarget(hours, buildMember(), AT).towardTarget).toBe(6); // config/study.ts: false
  });
});

describe("dues: who owes, and a probationary member's first month", () => {
  const monthIn = (date: Date) => monthOf(date, TZ);
  // Accepted on 1 July 00:30 in Shanghai: still 30 June in UTC.
  const accepted = new Date("2026-06-30T16:30:00Z");

  it.each([
    { month: "2026-06", owes: false, what: "the month before acceptance" },
    { month: "2026-07", owes: true, what: "the month of acceptance (in the branch's zone)" },
    { month: "2026-08", owes: true, what: "a later month" },
  ])("probationary, $what: $owes", ({ month, owes }) => {
    expect(owesDuesFor(buildMember({ status: "probationary", statusSince: accepted }), month, monthIn)).toBe(
      owes,
    );
    const byProfile = buildMember({
      status: "probationary",
      statusSince: null,
      profile: { joinedAt: accepted } as never,
    });
    expect(owesDuesFor(byProfile as never, month, monthIn)).toBe(owes);
  });

  it.each(MEMBER_STATUSES)("%s", (status) => {
    expect(owesDuesFor(buildMember({ status }), "2026-07", monthIn)).toBe(
      status === "full" || status === "probationary",
    );
  });
});

describe("maskPhone", () => {
  it("keeps the first 3 and last 4 digits of a mobile", () => {
    expect(maskPhone("13812345678")).toBe("138****5678");
    expect(maskPhone("")).toBe("");
    expect(maskPhone("12345")).toBe("***45");
  });
});
