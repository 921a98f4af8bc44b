import type { Exemption, Member, MemberStatus } from "../db/models/member.js";

/**
 * Who counts, from a person's status on the roster, never from chat presence (支部工作条例;
 * 党员教育管理工作条例; 党章). The one place these rules live; meetings, study, dues, statistics
 * and the ledger ask here.
 *
 * - 应到 of 支部党员大会, 党课, 主题党日, 组织生活会 and other branch meetings: 正式 + 预备 党员.
 *   入党积极分子 and 发展对象 may be invited: recorded as 列席, not counted. 支委会: the committee;
 *   党小组会: the group's members.
 * - A member 免于要求 (年老体弱、长期患病, 党员教育管理工作条例 art. 23) or 外出/流动 is left out of
 *   应到, study scope and the 学时 target while the period holds; their attendance is still
 *   recorded, as 自愿参加.
 * - Votes at a 支部党员大会: 正式党员 only (党章: 预备党员 have no vote).
 * - Dues: 正式 + 预备; a probationary member owes from the month the branch meeting accepted them.
 */

export const STATUS_ZH: Record<MemberStatus, string> = {
  full: "正式党员",
  probationary: "预备党员",
  target: "发展对象",
  activist: "入党积极分子",
  applicant: "入党申请人",
  "non-party": "群众",
  unconfirmed: "待确认",
};

type StatusFields = Partial<Pick<Member, "status">>;
type TransferFields = Partial<Pick<Member, "transferOut">>;
type ScopeFields = Pick<Member, "active" | "role" | "partyGroup"> &
  StatusFields &
  TransferFields &
  Partial<Pick<Member, "exemptions">>;

/** A document written before statuses existed is a 正式党员. */
export function statusOf(member: StatusFields): MemberStatus {
  return (member.status as MemberStatus | undefined) ?? "full";
}

/** 正式 or 预备: a Party member, counted in 应到, study and dues. */
export function isPartyMember(member: StatusFields): boolean {
  const status = statusOf(member);
  return status === "full" || status === "probationary";
}

/** Only 正式党员 vote. */
export function mayVote(member: StatusFields & Pick<Member, "active">): boolean {
  return member.active && statusOf(member) === "full";
}

/** May be invited to branch-wide meetings and recorded as 列席: activists and development targets. */
export function mayObserve(member: StatusFields): boolean {
  const status = statusOf(member);
  return status === "activist" || status === "target";
}

/** The exemption or absence holding at `at`, if any. */
export function holdingExemption(member: Partial<Pick<Member, "exemptions">>, at: Date): Exemption | null {
  const time = at.getTime();
  return (
    (member.exemptions ?? []).find(
      (period) => period.from.getTime() <= time && (!period.until || time < period.until.getTime()),
    ) ?? null
  );
}

/**
 * Transferred out (组织关系转出) by `at`: from the day of the introduction letter the person is
 * in no 应到 and no study scope of the branch, though it stays responsible for them until the
 * 回执 (src/domain/transfers.ts). Records closed before keep them, as they were frozen.
 */
export function transferredOutBy(member: TransferFields, at: Date): boolean {
  const from = member.transferOut?.from;
  return from != null && new Date(from).getTime() <= at.getTime();
}

/** How a person stands to a meeting: counted (应到), 列席, 自愿参加 (exempt or away), or not at all. */
export type MeetingStanding = "expected" | "observer" | "voluntary" | "none";

export function meetingStanding(
  member: ScopeFields | null,
  meeting: { type: string; partyGroup?: string | null },
  at: Date,
): MeetingStanding {
  if (!member?.active || transferredOutBy(member, at)) return "none";
  const party = isPartyMember(member);
  let inScope: boolean;
  if (meeting.type === "committee") inScope = member.role === "secretary" || member.role === "committee";
  else if (meeting.type === "group") inScope = member.partyGroup === (meeting.partyGroup ?? null);
  else inScope = true;
  if (!inScope) return "none";
  if (!party) return meeting.type !== "committee" && mayObserve(member) ? "observer" : "none";
  return holdingExemption(member, at) ? "voluntary" : "expected";
}

/** In a study task's scope (counted for completion and 学时): Party members not exempt or away. */
export function studyStanding(
  member: ScopeFields | null,
  study: { scope: string; partyGroup?: string | null },
  at: Date,
): MeetingStanding {
  const asMeetingType =
    study.scope === "committee" ? "committee" : study.scope === "group" ? "group" : "lecture";
  const standing = meetingStanding(member, { type: asMeetingType, partyGroup: study.partyGroup ?? null }, at);
  return standing === "observer" ? "none" : standing;
}

/** How a person stands to a record, frozen when it closes: their status and standing then. */
export interface StandingAtClose {
  openId: string;
  status: MemberStatus;
  standing: MeetingStanding;
  /** "exempt" / "away" when a period held, else "". */
  exemption: string;
}

export function standingRecord(
  member: ScopeFields & Pick<Member, "openId">,
  standing: MeetingStanding,
  at: Date,
): StandingAtClose {
  return {
    openId: member.openId,
    status: statusOf(member),
    standing,
    exemption: holdingExemption(member, at)?.kind ?? "",
  };
}

/** "列席" / "自愿参加" / "" : how a person outside 应到 is labelled on cards and records. */
export const STANDING_ZH: Record<MeetingStanding, string> = {
  expected: "应到",
  observer: "列席",
  voluntary: "自愿参加",
  none: "",
};

/**
 * Owes dues for a month: 正式 or 预备, and for a 预备党员 only from the month of acceptance
 * (`statusSince`, else 入党日期 `profile.joinedAt`, read in the branch's zone). Non-members never.
 * A member transferred out owes the branch up to the month of the letter (dues are paid up to
 * the month one leaves, "党费交至" on the letter) and nothing after it.
 * `month` is "YYYY-MM"; `monthOf` maps a date to its "YYYY-MM" in the branch's zone.
 */
export function owesDuesFor(
  member: StatusFields & TransferFields & Partial<Pick<Member, "statusSince" | "profile">>,
  month: string,
  monthOf: (date: Date) => string,
): boolean {
  if (!isPartyMember(member)) return false;
  if (member.transferOut?.from && monthOf(new Date(member.transferOut.from)) < month) return false;
  if (statusOf(member) !== "probationary") return true;
  const accepted = member.statusSince ?? member.profile?.joinedAt ?? null;
  if (!accepted) return true;
  return monthOf(accepted) <= month;
}
