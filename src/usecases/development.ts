import { DateTime } from "luxon";
import { developmentRulesFor, type DevelopmentRules } from "../../config/development.js";
import {
  developmentStepFormCard,
  developmentStepRecordedCard,
  developmentTimelineCard,
} from "../cards/development.js";
import type { Card } from "../cards/common.js";
import type { DevelopmentStep } from "../db/models/development.js";
import type { Member } from "../db/models/member.js";
import type { AppDeps } from "../deps.js";
import { dayText, nextSteps, STAGE_ZH, STEP_DEFS, windowText } from "../domain/development.js";
import {
  findRecord,
  recordStep,
  type RecordStepInput,
  type RecordStepResult,
} from "../domain/developmentRecord.js";
import { UserError } from "../domain/errors.js";
import { STATUS_ZH, statusOf } from "../domain/whoCounts.js";
import { developmentTimeline, stepForm } from "../presenters/development.js";

/**
 * 发展党员 for the command and the cards alike: the timeline card, a step's form card, and
 * recording a step (one path: `/发展 登记` and the form both call {@link recordDevelopmentStep}).
 */

export const developmentRules = (deps: Pick<AppDeps, "config">): DevelopmentRules =>
  developmentRulesFor(deps.config.ZHIBU_DEVELOPMENT_RULES_FILE);

/** Open id → name of everyone on the branch's roll (past members too: they recorded steps). */
export async function rosterNames(
  deps: Pick<AppDeps, "models">,
  branchId: string,
): Promise<Map<string, string>> {
  const members = await deps.models.Member.find({ branchId }, { openId: 1, name: 1 }).lean();
  return new Map(members.map((m) => [m.openId, m.name || m.openId]));
}

const today = (deps: Pick<AppDeps, "clock" | "config">) =>
  DateTime.fromJSDate(deps.clock.now(), { zone: deps.config.TZ }).startOf("day").toJSDate();

export async function timelineCard(deps: AppDeps, member: Member): Promise<Card> {
  const record = await findRecord(deps.models, member.branchId, member.openId);
  return developmentTimelineCard(
    developmentTimeline(member, record, developmentRules(deps), {
      timeZone: deps.config.TZ,
      today: today(deps),
      names: await rosterNames(deps, member.branchId),
    }),
  );
}

/** The active member `openId` of the branch, or a refusal. */
export async function pipelineMember(deps: AppDeps, branchId: string, openId: string): Promise<Member> {
  const member = await deps.models.Member.findOne({ branchId, openId, active: true }).lean<Member>();
  if (!member) throw new UserError("此人不在本支部名册中。");
  return member;
}

/** The form of `step` for a member, or of their first next step; null when nothing comes next. */
export async function stepFormCard(
  deps: AppDeps,
  member: Member,
  step: DevelopmentStep | null,
): Promise<Card | null> {
  const tz = deps.config.TZ;
  const record = await findRecord(deps.models, member.branchId, member.openId);
  const view = developmentTimeline(member, record, developmentRules(deps), {
    timeZone: tz,
    today: today(deps),
    names: new Map(),
  });
  const chosen = step ?? view.next[0]?.step ?? null;
  if (!chosen) return null;
  const members = await deps.models.Member.find({ branchId: member.branchId, active: true }).lean<Member[]>();
  const contacts = members
    .filter((m) => statusOf(m) === "full")
    .map((m) => ({ openId: m.openId, name: m.name || m.openId }));
  return developmentStepFormCard(
    stepForm(member, chosen, {
      today: dayText(today(deps), tz),
      contacts,
      next: view.next.find((n) => n.step === chosen) ?? null,
    }),
  );
}

/** Records a step (checks and status as the domain does) and says what happened, line by line. */
export async function recordDevelopmentStep(
  deps: AppDeps,
  member: Member,
  input: Omit<RecordStepInput, "branchId" | "openId">,
): Promise<{ result: RecordStepResult; lines: string[] }> {
  const tz = deps.config.TZ;
  const rules = developmentRules(deps);
  const result = await recordStep(deps.models, deps.clock, rules, tz, {
    ...input,
    branchId: member.branchId,
    openId: member.openId,
  });
  const name = member.name || "（未填姓名）";
  const lines = [
    `已登记：${name} ${dayText(result.step.date, tz)} ${STEP_DEFS[result.step.step].zh}。当前阶段：${STAGE_ZH[result.stage]}。`,
  ];
  for (const v of result.overridden)
    lines.push(`⚠ 破例登记：${v.message}；理由：${input.reason}（已记入台账）`);
  if (result.status) lines.push(`名册身份已改为${STATUS_ZH[result.status]}。`);
  const next = nextSteps(result.record.steps, rules, tz)[0];
  if (next) {
    const window = windowText(next, tz);
    lines.push(`下一步：${STEP_DEFS[next.step].zh}${window ? `（${window}）` : ""}`);
  }
  return { result, lines };
}

/** The card replacing a submitted form. */
export function recordedCard(member: Member, result: RecordStepResult, lines: string[], tz: string): Card {
  return developmentStepRecordedCard({
    name: member.name || "（未填姓名）",
    stepZh: STEP_DEFS[result.step.step].zh,
    date: dayText(result.step.date, tz),
    stage: STAGE_ZH[result.stage],
    lines: lines.slice(1),
  });
}
