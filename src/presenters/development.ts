import type { DevelopmentRules } from "../../config/development.js";
import type { Development, DevelopmentStep, DevelopmentStepRecord } from "../db/models/development.js";
import type { Member } from "../db/models/member.js";
import {
  dayText,
  dueState,
  nextSteps,
  probationEnd,
  stageOf,
  STAGE_ZH,
  STEP_DEFS,
} from "../domain/development.js";
import { STATUS_ZH, statusOf } from "../domain/whoCounts.js";

/**
 * 发展党员 view models: a person's timeline (cards/development.ts renders it) and the form of one
 * step. Names are resolved here from the roster; nothing here is escaped (the cards do it).
 */

export interface TimelineStepView {
  date: string;
  step: string;
  /** Details as one line: 培养联系人, days, result, months, documents, notes. */
  detail: string;
  /** Who recorded it (a name from the roster, else the open id). */
  by: string;
  overrides: { message: string; reason: string }[];
}

export interface TimelineNextView {
  step: DevelopmentStep;
  zh: string;
  earliest: string;
  latest: string;
  note: string;
  overdue: boolean;
}

export interface DevelopmentTimelineView {
  branchId: string;
  openId: string;
  name: string;
  stage: string;
  status: string;
  done: TimelineStepView[];
  /** The end of the probation, while a 预备党员. */
  probationEnd: string;
  next: TimelineNextView[];
}

const nameIn = (names: ReadonlyMap<string, string>, openId: string) => names.get(openId) || openId;

/** A step's details as one line (the timeline and the text replies share it). */
export function stepDetail(
  step: Pick<
    DevelopmentStepRecord,
    "contacts" | "days" | "hours" | "passed" | "months" | "documents" | "notes"
  >,
  names: ReadonlyMap<string, string>,
): string {
  const parts: string[] = [];
  if (step.contacts?.length)
    parts.push(`培养联系人 ${step.contacts.map((c) => nameIn(names, c)).join("、")}`);
  if (step.days) parts.push(`${step.days} 天`);
  if (step.hours) parts.push(`${step.hours} 学时`);
  if (step.passed === true) parts.push("通过");
  if (step.passed === false) parts.push("未通过");
  if (step.months) parts.push(`${step.months} 个月`);
  if (step.documents?.length) parts.push(`材料：${step.documents.join("、")}`);
  if (step.notes) parts.push(step.notes);
  return parts.join("；");
}

export function developmentTimeline(
  member: Pick<Member, "branchId" | "openId" | "name" | "status">,
  record: Pick<Development, "steps"> | null,
  rules: DevelopmentRules,
  { timeZone, today, names }: { timeZone: string; today: Date; names: ReadonlyMap<string, string> },
): DevelopmentTimelineView {
  const steps = [...(record?.steps ?? [])].sort((a, b) => +a.date - +b.date);
  const stage = stageOf(steps);
  const end = probationEnd(steps, rules, timeZone);
  return {
    branchId: member.branchId,
    openId: member.openId,
    name: member.name || "（未填姓名）",
    stage: STAGE_ZH[stage],
    status: STATUS_ZH[statusOf(member)],
    done: steps.map((s) => ({
      date: dayText(s.date, timeZone),
      step: STEP_DEFS[s.step].zh,
      detail: stepDetail(s, names),
      by: nameIn(names, s.by),
      overrides: (s.overrides ?? []).map((o) => ({ message: o.message, reason: o.reason })),
    })),
    probationEnd: end && stage === "probationary" ? dayText(end, timeZone) : "",
    next: nextSteps(steps, rules, timeZone).map((n) => ({
      step: n.step,
      zh: STEP_DEFS[n.step].zh,
      earliest: dayText(n.earliest, timeZone),
      latest: dayText(n.latest, timeZone),
      note: n.note,
      overdue: dueState(n, today, timeZone, 0) === "overdue",
    })),
  };
}

/** The fields a step's form asks for beyond the date, notes, documents and override reason. */
export type StepFormField = "contacts" | "training" | "result" | "months";

export const STEP_FORM_FIELDS: Partial<Record<DevelopmentStep, StepFormField[]>> = {
  activist: ["contacts"],
  training: ["training"],
  meeting: ["result"],
  approval: ["result"],
  extension: ["months"],
};

export interface StepFormView {
  branchId: string;
  openId: string;
  name: string;
  step: DevelopmentStep;
  stepZh: string;
  /** "YYYY-MM-DD": the date picker's initial day. */
  today: string;
  fields: StepFormField[];
  /** 正式党员 of the branch who may be 培养联系人 (for the person pickers). */
  contacts: { openId: string; name: string }[];
  /** The window and rule note of the step, when it is a next step. */
  window: { earliest: string; latest: string; note: string } | null;
}

export function stepForm(
  member: Pick<Member, "branchId" | "openId" | "name">,
  step: DevelopmentStep,
  {
    today,
    contacts,
    next,
  }: { today: string; contacts: { openId: string; name: string }[]; next: TimelineNextView | null },
): StepFormView {
  const fields = STEP_FORM_FIELDS[step] ?? [];
  return {
    branchId: member.branchId,
    openId: member.openId,
    name: member.name || "（未填姓名）",
    step,
    stepZh: STEP_DEFS[step].zh,
    today,
    fields,
    contacts: fields.includes("contacts") ? contacts.filter((c) => c.openId !== member.openId) : [],
    window: next ? { earliest: next.earliest, latest: next.latest, note: next.note } : null,
  };
}
