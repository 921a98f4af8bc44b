import { DateTime } from "luxon";
import {
  COMMITTEE_TERM_YEARS,
  type BranchHealthRuleId,
  type BranchHealthRules,
} from "../../config/branchHealth.js";
import type { Branch } from "../db/models/branch.js";
import type { Models } from "../db/models/index.js";
import type { Meeting } from "../db/models/meeting.js";
import type { Member } from "../db/models/member.js";
import { OPEN_STATUSES, summarize, type DueDoc } from "./duesLedger.js";
import { addMonths, compareMonths, monthOf, monthsBetween } from "./duesRules.js";
import { UserError } from "./errors.js";
import { holdingExemption, isPartyMember, statusOf } from "./whoCounts.js";

/**
 * Branch health (支部体检): what the rules of config/branchHealth.ts find in one branch now. Plain
 * reads over the roster, the closed meetings' frozen records and the dues ledger; who counts comes
 * from whoCounts.ts, dues arrears from duesLedger.ts. The daily job reports each finding once per
 * change (its `key` and `signature`); `/体检` shows them all.
 */

export type HealthModels = Pick<Models, "Member" | "Meeting" | "Due" | "Branch">;

export interface HealthFinding {
  /** Stable per finding: the rule, and the member for per-member rules. */
  key: string;
  ruleId: BranchHealthRuleId;
  /** The state it is in (a warning level, a term's end): a new signature is a change to report. */
  signature: string;
  /** The finding with its figure, e.g. 正式党员仅 2 人，不足 3 人. Names are not escaped here. */
  message: string;
  source: string;
  openId?: string;
}

const day = (date: Date, zone: string) => DateTime.fromJSDate(date, { zone }).startOf("day");
const dayText = (date: Date, zone: string) => day(date, zone).toFormat("yyyy-MM-dd");
const nameOf = (m: Pick<Member, "name">) => m.name || "（未填姓名）";

/** The highest of `warnAt` and `months` that `run` has reached, or null. */
export function warningLevel(
  run: number,
  figure: { months: number; warnAt: readonly number[] },
): number | null {
  const levels = [...new Set([...figure.warnAt, figure.months])].sort((a, b) => a - b);
  let reached: number | null = null;
  for (const level of levels) if (run >= level) reached = level;
  return reached;
}

/**
 * Whole calendar months in a row, ending with last month, in which a Party member had no
 * organisational life: attended (实到 or 自愿参加) or excused (请假) at no closed meeting, counted
 * from the month after the last one with any, or from the month they were put on the roll; null
 * when they missed no meeting at all in that time (a branch that met nobody is a compliance
 * matter, not the member's). Looks back at most `cap` months.
 */
export function monthsWithoutLife(
  member: Pick<Member, "openId"> & { createdAt?: Date | null },
  meetings: readonly Pick<Meeting, "startAt" | "record">[],
  currentMonth: string,
  cap: number,
  zone: string,
): number | null {
  return monthsWithoutLifeIn(member, monthlyRecords(meetings, zone), currentMonth, cap, zone);
}

/** A branch's closed meetings in start order with their month: worked out once, not per member. */
type MonthlyRecord = { month: string; record: NonNullable<Meeting["record"]> };
function monthlyRecords(
  meetings: readonly Pick<Meeting, "startAt" | "record">[],
  zone: string,
): MonthlyRecord[] {
  return [...meetings]
    .sort((a, b) => +a.startAt - +b.startAt)
    .flatMap((m) => (m.record ? [{ month: monthOf(m.startAt, zone), record: m.record }] : []));
}

function monthsWithoutLifeIn(
  member: Pick<Member, "openId"> & { createdAt?: Date | null },
  meetings: readonly MonthlyRecord[],
  currentMonth: string,
  cap: number,
  zone: string,
): number | null {
  const windowStart = addMonths(currentMonth, -cap);
  const onRoll = member.createdAt ? monthOf(member.createdAt, zone) : windowStart;
  let from = compareMonths(onRoll, windowStart) > 0 ? onRoll : windowStart;
  let missed = false;
  const id = member.openId;
  // A meeting this month counts too: attending one ends the run at once.
  for (const { month, record } of meetings) {
    const life = [record.present, record.leave, record.voluntary ?? []].some((list) => list.includes(id));
    if (life && compareMonths(month, from) >= 0) {
      from = addMonths(month, 1);
      missed = false;
    } else if (!life && record.absent.includes(id) && compareMonths(month, from) >= 0) missed = true;
  }
  if (!missed) return null;
  return Math.max(0, monthsBetween(from, addMonths(currentMonth, -1)).length);
}

/** The committee's term: last election, years, end; null when none was recorded. */
export function committeeTermEnd(
  branch: Pick<Branch, "committeeTerm">,
  zone: string,
): { electedAt: Date; years: number; end: Date } | null {
  const term = branch.committeeTerm;
  if (!term) return null;
  const end = day(term.electedAt, zone).plus({ years: term.years }).toJSDate();
  return { electedAt: term.electedAt, years: term.years, end };
}

/** What the rules read, for one or more branches (each list holds every branch's rows). */
export interface HealthData {
  members: (Member & { createdAt?: Date })[];
  meetings: (Pick<Meeting, "branchId" | "startAt" | "record"> & { _id: string })[];
  openDues: DueDoc[];
}

/**
 * The rows the rules read, for the branches `ids` (every branch when null), in three queries
 * whatever their number: active members, meetings closed since the life rule's window, open dues.
 * `{branchId $in}` comes alone in the first stage (the index the local server can use).
 */
export async function loadHealthData(
  models: HealthModels,
  ids: readonly string[] | null,
  rules: BranchHealthRules,
  { now, timeZone }: { now: Date; timeZone: string },
): Promise<HealthData> {
  const of = ids === null ? [] : [{ $match: { branchId: { $in: [...ids] } } }];
  const from = DateTime.fromJSDate(now, { zone: timeZone })
    .startOf("month")
    .minus({ months: rules["organisational-life"].figure.months + 1 })
    .toJSDate();
  const [members, meetings, openDues] = await Promise.all([
    models.Member.aggregate<HealthData["members"][number]>([...of, { $match: { active: true } }]),
    models.Meeting.aggregate<HealthData["meetings"][number]>([
      ...of,
      { $match: { status: "closed", startAt: { $gte: from } } },
      { $project: { branchId: 1, startAt: 1, record: 1 } },
    ]),
    models.Due.aggregate<DueDoc>([...of, { $match: { status: { $in: [...OPEN_STATUSES] } } }]),
  ]);
  return { members, meetings, openDues };
}

/** The findings of one branch now, in the order of the rule table. */
export async function branchHealth(
  models: HealthModels,
  branch: Pick<Branch, "_id" | "committeeTerm">,
  rules: BranchHealthRules,
  when: { now: Date; timeZone: string },
): Promise<HealthFinding[]> {
  return healthFindings(branch, await loadHealthData(models, [branch._id], rules, when), rules, when);
}

/** The findings of one branch from rows already read (other branches' rows are ignored). */
export function healthFindings(
  branch: Pick<Branch, "_id" | "committeeTerm">,
  data: HealthData,
  rules: BranchHealthRules,
  { now, timeZone }: { now: Date; timeZone: string },
): HealthFinding[] {
  const out: HealthFinding[] = [];
  const add = (
    ruleId: BranchHealthRuleId,
    key: string,
    signature: string,
    message: string,
    openId?: string,
  ) =>
    out.push({
      key,
      ruleId,
      signature,
      message,
      source: rules[ruleId].source,
      ...(openId ? { openId } : {}),
    });
  const members = data.members.filter((m) => m.branchId === branch._id);
  const full = members.filter((m) => statusOf(m) === "full").length;
  const party = members.filter(isPartyMember);
  const min = rules["min-full-members"];
  if (min.enabled && full < min.figure.min) {
    add(
      "min-full-members",
      "min-full-members",
      "",
      `正式党员仅 ${full} 人，不足 ${min.figure.min} 人：不能单独成立党支部，应与邻近单位成立联合党支部`,
    );
  }
  const max = rules["max-members"];
  if (max.enabled && party.length > max.figure.max) {
    add(
      "max-members",
      "max-members",
      "",
      `党员 ${party.length} 人，超过 ${max.figure.max} 人：党支部党员人数一般不超过 ${max.figure.max} 人，可考虑分设支部或成立党总支`,
    );
  }
  const committee = rules["committee-needed"];
  if (
    committee.enabled &&
    full >= committee.figure.fullMembers &&
    !members.some((m) => m.role === "committee")
  ) {
    add(
      "committee-needed",
      "committee-needed",
      "",
      `正式党员 ${full} 人（${committee.figure.fullMembers} 人以上），名册中没有支委：应当设立党支部委员会（选出后用 /角色 @某人 支委 记录）`,
    );
  }
  const termRule = rules["committee-term"];
  const term = committeeTermEnd(branch, timeZone);
  if (termRule.enabled && term) {
    const today = day(now, timeZone);
    const notice = DateTime.fromJSDate(term.end, { zone: timeZone }).minus({
      months: termRule.figure.noticeMonths,
    });
    if (notice <= today) {
      const left = Math.round(DateTime.fromJSDate(term.end, { zone: timeZone }).diff(today, "days").days);
      const end = dayText(term.end, timeZone);
      add(
        "committee-term",
        "committee-term",
        end,
        left > 0
          ? `支委会任期 ${term.years} 年（${dayText(term.electedAt, timeZone)} 选举），将于 ${end} 届满（还有 ${left} 天）：请准备换届选举`
          : `支委会任期 ${term.years} 年（${dayText(term.electedAt, timeZone)} 选举），已于 ${end} 届满${left < 0 ? `（已过 ${-left} 天）` : ""}：应当按期换届，换届后用 /设置 换届 <日期> 记录`,
      );
    }
  }

  const life = rules["organisational-life"];
  const currentMonth = monthOf(now, timeZone);
  if (life.enabled && party.length > 0) {
    const meetings = monthlyRecords(
      data.meetings.filter((m) => m.branchId === branch._id),
      timeZone,
    );
    for (const member of party) {
      // Exempt (年老体弱) or away (外出): a good reason, contacted instead (whoCounts.ts).
      if (holdingExemption(member, now)) continue;
      const run = monthsWithoutLifeIn(member, meetings, currentMonth, life.figure.months, timeZone);
      const level = run === null ? null : warningLevel(run, life.figure);
      if (run === null || level === null) continue;
      const atLimit = level >= life.figure.months;
      add(
        "organisational-life",
        `life:${member.openId}`,
        String(level),
        `${nameOf(member)} 已连续 ${run} 个月${atLimit ? "或更久" : ""}未参加组织生活（缺席且未请假）${atLimit ? "：请支部了解情况并作出决定，机器人不做任何自动处理" : "：请及时谈心谈话、了解情况"}`,
        member.openId,
      );
    }
  }

  const dues = rules["dues-unpaid"];
  if (dues.enabled) {
    const byMember = new Map<string, DueDoc[]>();
    for (const due of data.openDues) {
      if (due.branchId === branch._id) byMember.set(due.openId, [...(byMember.get(due.openId) ?? []), due]);
    }
    for (const member of party) {
      const row = { name: member.name, ...summarize(byMember.get(member.openId) ?? [], currentMonth) };
      const consecutive = row.consecutiveUnpaid;
      const level = warningLevel(consecutive, dues.figure);
      if (level === null) continue;
      const atLimit = level >= dues.figure.months;
      add(
        "dues-unpaid",
        `dues:${member.openId}`,
        String(level),
        `${row.name || "（未填姓名）"} 已连续 ${consecutive} 个月未缴纳党费（${row.months.slice(-consecutive).join("、")}）${atLimit ? "：请支部了解情况并作出决定，机器人不做任何自动处理" : "：请提醒其缴纳"}`,
        member.openId,
      );
    }
  }
  return out;
}

/** The findings that are new or changed since `reported` (the last ones sent). */
export function changedFindings(
  findings: readonly HealthFinding[],
  reported: readonly { key: string; signature?: string | null }[],
): HealthFinding[] {
  const before = new Map(reported.map((r) => [r.key, r.signature ?? ""]));
  return findings.filter((f) => before.get(f.key) !== f.signature);
}

/** Records the findings just reported, so the next check sends only what changed. */
export async function markReported(
  models: Pick<Models, "Branch">,
  branchId: string,
  findings: readonly HealthFinding[],
): Promise<void> {
  await models.Branch.updateOne(
    { _id: branchId },
    { $set: { healthReported: findings.map((f) => ({ key: f.key, signature: f.signature })) } },
  );
}

/** `/设置 换届 <日期> [3|5]年`: the committee's last election and its term. */
export async function setCommitteeTerm(
  models: Pick<Models, "Branch">,
  branchId: string,
  input: { electedAt: Date; years: number; by: string; now: Date },
): Promise<void> {
  if (!(COMMITTEE_TERM_YEARS as readonly number[]).includes(input.years)) {
    throw new UserError(`任期须为 ${COMMITTEE_TERM_YEARS.join(" 或 ")} 年。`);
  }
  if (input.electedAt > input.now) throw new UserError("换届日期不能晚于今天。");
  await models.Branch.updateOne(
    { _id: branchId },
    { $set: { committeeTerm: { electedAt: input.electedAt, years: input.years, by: input.by } } },
  );
}
