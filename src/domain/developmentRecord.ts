import { randomUUID } from "node:crypto";
import type { DevelopmentRules } from "../../config/development.js";
import { isDuplicateKeyError, trusted } from "../db/connection.js";
import type { Development, DevelopmentStepRecord } from "../db/models/development.js";
import type { Models } from "../db/models/index.js";
import type { Member, MemberStatus } from "../db/models/member.js";
import type { Clock } from "./clock.js";
import {
  acceptedMeeting,
  dueState,
  nextSteps,
  orderProblem,
  ruleViolations,
  stageOf,
  STEP_DEFS,
  type NewStep,
  type Stage,
  type Violation,
} from "./development.js";
import { UserError } from "./errors.js";
import { changeStatus } from "./roster.js";
import { statusOf } from "./whoCounts.js";

/**
 * The development records in the database: one document per person and branch, steps appended by
 * a compare-and-set on `rev` (one atomic updateOne). Recording a step checks the order and the
 * time rules; a secretary's reason overrides an overridable rule and is kept with the step. The
 * member's status follows the stage (确定积极分子 → 入党积极分子 … 上级审批 → 预备党员 from the branch
 * meeting's day, so dues are owed from that month; 转正 → 正式党员 with 转正日期; 取消 → 群众).
 */

/** Statuses of people in the pipeline (shown by /发展). */
export const PIPELINE_STATUSES: readonly MemberStatus[] = ["applicant", "activist", "target", "probationary"];

export async function findRecord(
  models: Pick<Models, "Development">,
  branchId: string,
  openId: string,
): Promise<Development | null> {
  return models.Development.findOne({ branchId, openId }).lean<Development>();
}

export interface RecordStepInput extends NewStep {
  branchId: string;
  openId: string;
  by: string;
  notes?: string;
  documents?: string[];
  /** The secretary's reason for overriding the time rules the step breaks. */
  reason?: string;
  /** Set by a form (`form:<message id>`): a step already recorded under it is not recorded again. */
  sourceKey?: string;
  /** How to override, in the refusal (the command's words by default). */
  overrideHint?: string;
}

export interface RecordStepResult {
  record: Development;
  step: Pick<DevelopmentStepRecord, "id" | "step" | "date">;
  overridden: Violation[];
  stage: Stage;
  /** The status given to the member, if it changed. */
  status: MemberStatus | null;
  /** The step was recorded before under the same source key: nothing was written. */
  duplicate: boolean;
}

/** The refusal of a step breaking rules: each rule with its figure, and how to override. */
export const COMMAND_OVERRIDE_HINT =
  "如确需登记，书记可在命令末尾写「理由 <说明>」破例登记，理由将记入发展记录和台账。";

export function refusalText(violations: readonly Violation[], hint = COMMAND_OVERRIDE_HINT): string {
  const lines = violations.map((v) => `· ${v.message}`);
  const fixed = violations.some((v) => !v.overridable);
  return ["不能登记：", ...lines, fixed ? "（此规定不能破例。）" : hint].join("\n");
}

const STAGE_STATUS: Partial<Record<Stage, MemberStatus>> = {
  activist: "activist",
  target: "target",
  probationary: "probationary",
  full: "full",
  cancelled: "non-party",
};

export async function recordStep(
  models: Models,
  clock: Clock,
  rules: DevelopmentRules,
  timeZone: string,
  input: RecordStepInput,
): Promise<RecordStepResult> {
  const member = await models.Member.findOne({
    branchId: input.branchId,
    openId: input.openId,
  }).lean<Member>();
  if (!member?.active) throw new UserError("此人不在本支部名册中。");
  if (input.contacts?.length) {
    const contacts = await models.Member.find({
      branchId: input.branchId,
      openId: trusted({ $in: input.contacts }),
      active: true,
    }).lean<Member[]>();
    for (const openId of input.contacts) {
      const contact = contacts.find((c) => c.openId === openId);
      if (openId === input.openId) throw new UserError("培养联系人不能是本人。");
      if (!contact || statusOf(contact) !== "full") {
        throw new UserError(`培养联系人须为本支部正式党员（${contact?.name || openId} 不是）。`);
      }
    }
  }
  const reason = input.reason?.trim().slice(0, 200) ?? "";
  for (let attempt = 0; attempt < 5; attempt++) {
    let record = await findRecord(models, input.branchId, input.openId);
    if (!record) {
      try {
        await models.Development.create({
          branchId: input.branchId,
          openId: input.openId,
          steps: [],
          rev: 0,
        });
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      record = (await findRecord(models, input.branchId, input.openId))!;
    }
    const steps = record.steps ?? [];
    const already = input.sourceKey ? steps.find((s) => s.sourceKey === input.sourceKey) : undefined;
    if (already) {
      const stage = stageOf(steps);
      return { record, step: already, overridden: [], stage, status: null, duplicate: true };
    }
    const problem = orderProblem(steps, input, clock.now(), timeZone);
    if (problem) throw new UserError(problem);
    const violations = ruleViolations(steps, input, rules, timeZone);
    if (violations.some((v) => !v.overridable) || (violations.length > 0 && !reason)) {
      throw new UserError(refusalText(violations, input.overrideHint));
    }
    const now = clock.now();
    const step = {
      id: randomUUID().slice(0, 8),
      step: input.step,
      date: input.date,
      by: input.by,
      at: now,
      notes: input.notes?.slice(0, 500) ?? "",
      documents: (input.documents ?? []).map((d) => d.slice(0, 100)).slice(0, 20),
      contacts: input.contacts ?? [],
      days: input.days ?? null,
      hours: input.hours ?? null,
      passed: input.passed ?? null,
      months: input.months ?? null,
      overrides: violations.map((v) => ({ ruleId: v.ruleId, message: v.message, reason })),
      sourceKey: input.sourceKey ?? null,
    };
    const result = await models.Development.updateOne(
      { branchId: input.branchId, openId: input.openId, rev: record.rev ?? 0 },
      { $push: { steps: step }, $inc: { rev: 1 } },
    );
    if (result.modifiedCount !== 1) continue;
    const after = (await findRecord(models, input.branchId, input.openId))!;
    const stage = stageOf(after.steps);
    const status = await followStatus(models, clock, member, after, stage, input);
    return { record: after, step, overridden: violations, stage, status, duplicate: false };
  }
  throw new UserError("此人的发展记录正在被修改，请稍后再试。");
}

/** Sets the member's status to the one the new stage implies (if it moved). */
async function followStatus(
  models: Models,
  clock: Clock,
  member: Member,
  record: Development,
  stage: Stage,
  input: RecordStepInput,
): Promise<MemberStatus | null> {
  const wanted =
    input.step === "application"
      ? ["non-party", "unconfirmed"].includes(statusOf(member))
        ? "applicant"
        : null
      : (STAGE_STATUS[stage] ?? null);
  if (!wanted || wanted === statusOf(member)) return null;
  // 预备党员 from the day the branch meeting accepted them (党章 art. 7): dues are owed from then.
  const since = wanted === "probationary" ? acceptedMeeting(record.steps)!.date : input.date;
  const { changed } = await changeStatus(models, clock, {
    branchId: input.branchId,
    openId: input.openId,
    status: wanted,
    since,
    by: input.by,
    reason: `发展党员：${STEP_DEFS[input.step].zh}`,
  });
  return changed ? wanted : null;
}

/** Everyone in the pipeline: active members with a pipeline status, with their records (or none). */
export async function pipeline(
  models: Pick<Models, "Member" | "Development">,
  branchId: string,
): Promise<{ member: Member; record: Development | null }[]> {
  const members = await models.Member.find({
    branchId,
    active: true,
    status: trusted({ $in: [...PIPELINE_STATUSES] }),
  }).lean<Member[]>();
  const records = await models.Development.find({ branchId }).lean<Development[]>();
  const byId = new Map(records.map((r) => [r.openId, r]));
  return members.map((member) => ({ member, record: byId.get(member.openId) ?? null }));
}

/** Per branch: people per stage and steps overdue (for the organisation's roll-up). */
export interface DevelopmentRollUp {
  branchId: string;
  stages: Partial<Record<Stage, number>>;
  overdue: number;
}

export async function developmentRollUp(
  models: Pick<Models, "Member" | "Development">,
  /** The branches, or null for every branch (no filter: a long $in is slow on the local server). */
  branchIds: readonly string[] | null,
  rules: DevelopmentRules,
  today: Date,
  timeZone: string,
): Promise<DevelopmentRollUp[]> {
  // Two queries for all the branches; {branchId $in} alone first (the index the local server uses).
  const of = branchIds === null ? [] : [{ $match: { branchId: { $in: [...branchIds] } } }];
  const [members, records] = await Promise.all([
    models.Member.aggregate<Pick<Member, "branchId" | "openId">>([
      ...of,
      { $match: { active: true, status: { $in: [...PIPELINE_STATUSES] } } },
      { $project: { branchId: 1, openId: 1 } },
    ]),
    models.Development.aggregate<Pick<Development, "branchId" | "openId" | "steps">>([
      ...of,
      { $project: { branchId: 1, openId: 1, steps: 1 } },
    ]),
  ]);
  const recordOf = new Map(records.map((r) => [`${r.branchId}\u0000${r.openId}`, r]));
  const byBranch = new Map<string, DevelopmentRollUp>(
    (branchIds ?? []).map((id) => [id, { branchId: id, stages: {}, overdue: 0 }]),
  );
  for (const member of members) {
    if (branchIds === null && !byBranch.has(member.branchId)) {
      byBranch.set(member.branchId, { branchId: member.branchId, stages: {}, overdue: 0 });
    }
    const row = byBranch.get(member.branchId);
    if (!row) continue;
    const steps = recordOf.get(`${member.branchId}\u0000${member.openId}`)?.steps ?? [];
    const stage = stageOf(steps);
    row.stages[stage] = (row.stages[stage] ?? 0) + 1;
    row.overdue += nextSteps(steps, rules, timeZone).filter(
      (n) => dueState(n, today, timeZone, 0) === "overdue",
    ).length;
  }
  return [...byBranch.values()];
}
