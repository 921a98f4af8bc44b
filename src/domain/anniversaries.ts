import { DateTime } from "luxon";
import type { Exemption, Member } from "../db/models/member.js";
import type { Models } from "../db/models/index.js";
import { UserError } from "./errors.js";
import { holdingExemption, isPartyMember } from "./whoCounts.js";

/**
 * 政治生日: the years since `joinedAt` (入党日期) if `at` falls on its anniversary, in `timeZone`;
 * null otherwise (and on the day of joining itself). A 29 February falls on 28 February in a year
 * without one.
 */
export function partyAnniversaryYears(
  joinedAt: Date | null | undefined,
  at: Date,
  timeZone: string,
): number | null {
  if (!joinedAt) return null;
  const joined = DateTime.fromJSDate(joinedAt, { zone: timeZone });
  const today = DateTime.fromJSDate(at, { zone: timeZone });
  if (!joined.isValid || !today.isValid) return null;
  const years = today.year - joined.year;
  if (years < 1) return null;
  const month = joined.month;
  let day = joined.day;
  if (month === 2 && day === 29 && !today.isInLeapYear) day = 28;
  return today.month === month && today.day === day ? years : null;
}

/** Who gets a 政治生日 greeting: active 正式/预备 党员 on Feishu with a 入党日期. */
export function greetsOnPartyBirthday(
  member: Pick<Member, "active" | "onFeishu" | "openId"> & Partial<Pick<Member, "status">>,
): boolean {
  return (
    member.active &&
    member.onFeishu !== false &&
    !member.openId.startsWith("offline_") &&
    isPartyMember(member)
  );
}

/**
 * 外出/流动: when the branch should next make contact with a member away, `months` after the
 * later of the period's start and the last recorded contact.
 */
export function awayContactAnchor(period: Pick<Exemption, "from" | "lastContactAt">): Date {
  const last = period.lastContactAt;
  return last && last.getTime() > period.from.getTime() ? last : period.from;
}

export function awayContactDueAt(
  period: Pick<Exemption, "from" | "lastContactAt">,
  months: number,
  timeZone: string,
): Date {
  return DateTime.fromJSDate(awayContactAnchor(period), { zone: timeZone }).plus({ months }).toJSDate();
}

/** The 外出 period holding at `at`, if the member is away then. */
export function holdingAway(member: Partial<Pick<Member, "exemptions">>, at: Date): Exemption | null {
  const time = at.getTime();
  return (
    (member.exemptions ?? []).find(
      (p) => p.kind === "away" && p.from.getTime() <= time && (!p.until || time < p.until.getTime()),
    ) ?? null
  );
}

/**
 * Records that the branch made contact with a member away (sets `lastContactAt` of the period
 * holding now). Refuses when the member is not away.
 */
export async function recordAwayContact(
  models: Models,
  branchId: string,
  openId: string,
  at: Date,
): Promise<Exemption> {
  const member = await models.Member.findOne({ branchId, openId, active: true }).lean<Member>();
  if (!member) throw new UserError("此人不在本支部名册中。");
  const period = holdingAway(member, at);
  if (!period) {
    const other = holdingExemption(member, at);
    throw new UserError(
      other
        ? `${member.name || "此人"} 现为免于要求，不是外出/流动党员，无需记录联系。`
        : `${member.name || "此人"} 没有正在进行的外出/流动登记，无需记录联系。`,
    );
  }
  await models.Member.updateOne(
    { branchId, openId, "exemptions.id": period.id },
    { $set: { "exemptions.$.lastContactAt": at } },
  );
  return { ...period, lastContactAt: at };
}
