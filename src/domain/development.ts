import { DateTime } from "luxon";
import type { DevelopmentRuleId, DevelopmentRules } from "../../config/development.js";
import type { DevelopmentStep, DevelopmentStepRecord } from "../db/models/development.js";

/**
 * 发展党员 as plain rules: the stage a person's steps put them in, whether a new step is allowed
 * (order, and the time rules of config/development.ts), and the window of each next step. No
 * database; dates are calendar days in `timeZone` (stored as local midnight).
 */

export interface StepDef {
  zh: string;
  /** Words a secretary may type (Chinese first), matched case-insensitively. */
  names: string[];
  /** May be recorded more than once. */
  repeats: boolean;
}

export const STEP_DEFS: Record<DevelopmentStep, StepDef> = {
  application: { zh: "入党申请", names: ["入党申请", "申请", "application"], repeats: false },
  talk: { zh: "谈话", names: ["谈话", "talk"], repeats: false },
  activist: { zh: "确定入党积极分子", names: ["确定积极分子", "积极分子", "activist"], repeats: false },
  assessment: { zh: "考察", names: ["考察", "assessment"], repeats: true },
  report: { zh: "思想汇报", names: ["思想汇报", "汇报", "report"], repeats: true },
  target: { zh: "确定发展对象", names: ["确定发展对象", "发展对象", "target"], repeats: false },
  review: { zh: "政治审查", names: ["政治审查", "政审", "review"], repeats: false },
  training: { zh: "集中培训", names: ["集中培训", "培训", "training"], repeats: true },
  meeting: { zh: "支部大会讨论接收", names: ["支部大会", "大会", "meeting"], repeats: false },
  approval: { zh: "上级审批", names: ["上级审批", "审批", "approval"], repeats: false },
  oath: { zh: "入党宣誓", names: ["入党宣誓", "宣誓", "oath"], repeats: false },
  extension: { zh: "延长预备期", names: ["延长预备期", "延长", "extension"], repeats: true },
  full: { zh: "转正", names: ["转正", "full"], repeats: false },
  cancel: { zh: "取消预备党员资格", names: ["取消预备党员资格", "取消", "cancel"], repeats: false },
};

export function parseStep(word: string): DevelopmentStep | null {
  const w = word.trim().toLowerCase();
  for (const [step, def] of Object.entries(STEP_DEFS)) {
    if (def.names.some((name) => name.toLowerCase() === w)) return step as DevelopmentStep;
  }
  return null;
}

export const STAGES = ["applicant", "activist", "target", "probationary", "full", "cancelled"] as const;
export type Stage = (typeof STAGES)[number];
export const STAGE_ZH: Record<Stage, string> = {
  applicant: "入党申请人",
  activist: "入党积极分子",
  target: "发展对象",
  probationary: "预备党员",
  full: "正式党员",
  cancelled: "已取消预备党员资格",
};

/** The steps as the domain reads them (a stored record or a plain object in tests). */
export type StepLike = Pick<DevelopmentStepRecord, "step" | "date"> &
  Partial<Pick<DevelopmentStepRecord, "days" | "hours" | "passed" | "months" | "contacts">>;

const last = (steps: readonly StepLike[], step: DevelopmentStep) =>
  steps
    .filter((s) => s.step === step)
    .sort((a, b) => +a.date - +b.date)
    .at(-1) ?? null;
const has = (steps: readonly StepLike[], step: DevelopmentStep) => steps.some((s) => s.step === step);

/** The branch meeting that accepted the person (a meeting that voted no does not count). */
export const acceptedMeeting = (steps: readonly StepLike[]) =>
  steps.filter((s) => s.step === "meeting" && s.passed !== false).at(-1) ?? null;
const approved = (steps: readonly StepLike[]) =>
  steps.filter((s) => s.step === "approval" && s.passed !== false).at(-1) ?? null;

export function stageOf(steps: readonly StepLike[]): Stage {
  if (has(steps, "cancel")) return "cancelled";
  if (has(steps, "full")) return "full";
  if (approved(steps) && acceptedMeeting(steps)) return "probationary";
  if (has(steps, "target")) return "target";
  if (has(steps, "activist")) return "activist";
  return "applicant";
}

const day = (date: Date, zone: string) => DateTime.fromJSDate(date, { zone }).startOf("day");
const plusMonths = (date: Date, months: number, zone: string) => day(date, zone).plus({ months }).toJSDate();
/** Whole calendar days from a to b (positive when b is later). */
export const daysBetween = (a: Date, b: Date, zone: string) =>
  Math.round(day(b, zone).diff(day(a, zone), "days").days);
const monthsText = (months: number) => (months === 12 ? "一年" : months === 6 ? "半年" : `${months} 个月`);

/** The end of the probation (exclusive start of 转正): the accepting meeting + 1 year + extensions. */
export function probationEnd(steps: readonly StepLike[], rules: DevelopmentRules, zone: string): Date | null {
  const meeting = acceptedMeeting(steps);
  if (!meeting) return null;
  const extra = steps.filter((s) => s.step === "extension").reduce((sum, s) => sum + (s.months ?? 0), 0);
  return plusMonths(meeting.date, rules["probation-length"].figure.months + extra, zone);
}

/** A time rule the step would break, with the figure, e.g. 积极分子培养不满一年（还差 47 天）. */
export interface Violation {
  ruleId: DevelopmentRuleId;
  message: string;
  overridable: boolean;
}

export interface NewStep {
  step: DevelopmentStep;
  date: Date;
  days?: number | null;
  hours?: number | null;
  passed?: boolean | null;
  months?: number | null;
  contacts?: string[];
}

/**
 * Why the step cannot be recorded at all (order, duplicates, dates, missing details): a Chinese
 * sentence, or null. Not overridable: the time rules are checked by {@link ruleViolations}.
 */
export function orderProblem(
  steps: readonly StepLike[],
  next: NewStep,
  today: Date,
  zone: string,
): string | null {
  const def = STEP_DEFS[next.step];
  const stage = stageOf(steps);
  if (daysBetween(today, next.date, zone) > 0) return `${def.zh}的日期不能晚于今天。`;
  if (stage === "full" || stage === "cancelled") return `此人已${STAGE_ZH[stage]}，发展记录已结束。`;
  if (!def.repeats && has(steps, next.step)) {
    const meetingFailed = next.step === "meeting" && !acceptedMeeting(steps);
    const approvalFailed = next.step === "approval" && !approved(steps);
    if (!meetingFailed && !approvalFailed) return `${def.zh}已登记，不能重复登记。`;
  }
  const needs: Partial<Record<DevelopmentStep, DevelopmentStep[]>> = {
    talk: ["application"],
    activist: ["application"],
    report: ["application"],
    assessment: ["activist"],
    target: ["activist"],
    review: ["target"],
    training: ["activist"],
    meeting: ["target", "review"],
    approval: ["meeting"],
    oath: ["approval"],
    extension: ["approval"],
    full: ["approval"],
    cancel: ["approval"],
  };
  for (const before of needs[next.step] ?? []) {
    const done = last(steps, before);
    if (!done) return `请先登记「${STEP_DEFS[before].zh}」。`;
    if (daysBetween(done.date, next.date, zone) < 0) {
      return `${def.zh}的日期不能早于${STEP_DEFS[before].zh}（${day(done.date, zone).toFormat("yyyy-MM-dd")}）。`;
    }
  }
  if (["oath", "extension", "full", "cancel"].includes(next.step)) {
    if (!approved(steps) || !acceptedMeeting(steps)) return "支部大会通过并经上级审批后，方可登记此步骤。";
  }
  if (next.step === "approval" && !acceptedMeeting(steps)) return "支部大会未通过接收，不能登记上级审批。";
  if (next.step === "activist" && (next.contacts?.length ?? 0) === 0) {
    return "确定入党积极分子须指定一至两名正式党员作培养联系人（@ 他们）。";
  }
  if (next.step === "activist" && (next.contacts?.length ?? 0) > 2) return "培养联系人为一至两名正式党员。";
  if (next.step === "training" && !(next.days ?? 0) && !(next.hours ?? 0)) {
    return "集中培训请写天数或学时，如 3天 或 24学时。";
  }
  if (next.step === "extension" && !next.months) return "延长预备期请写月数，如 6个月。";
  return null;
}

/** The time rules the step would break (enabled rows only). */
export function ruleViolations(
  steps: readonly StepLike[],
  next: NewStep,
  rules: DevelopmentRules,
  zone: string,
): Violation[] {
  const out: Violation[] = [];
  const add = (ruleId: DevelopmentRuleId, message: string) => {
    if (rules[ruleId].enabled) out.push({ ruleId, message, overridable: rules[ruleId].overridable });
  };
  const date = next.date;
  if (next.step === "talk") {
    const application = last(steps, "application");
    const { months } = rules["talk-within"].figure;
    if (application) {
      const over = daysBetween(plusMonths(application.date, months, zone), date, zone);
      if (over > 0)
        add("talk-within", `谈话应在收到入党申请后${monthsText(months)}内进行（已超出 ${over} 天）`);
    }
  }
  if (next.step === "target") {
    const activist = last(steps, "activist");
    if (activist) {
      const { months } = rules["activist-year"].figure;
      const short = daysBetween(date, plusMonths(activist.date, months, zone), zone);
      if (short > 0) add("activist-year", `积极分子培养不满${monthsText(months)}（还差 ${short} 天）`);
      const { months: every } = rules["assessment-interval"].figure;
      const lastAssessment = last(steps, "assessment");
      const from = lastAssessment?.date ?? activist.date;
      const over = daysBetween(plusMonths(from, every, zone), date, zone);
      if (over > 0) {
        add(
          "assessment-interval",
          lastAssessment
            ? `距上次考察已超过${monthsText(every)}（超出 ${over} 天），请先登记考察`
            : `确定积极分子后${monthsText(every)}内未登记考察（超出 ${over} 天），请先登记考察`,
        );
      }
    }
  }
  if (next.step === "meeting") {
    const { days, hours } = rules["training-before-meeting"].figure;
    const before = steps.filter((s) => s.step === "training" && daysBetween(s.date, date, zone) >= 0);
    const gotDays = before.reduce((sum, s) => sum + (s.days ?? 0), 0);
    const gotHours = before.reduce((sum, s) => sum + (s.hours ?? 0), 0);
    if (gotDays < days && gotHours < hours) {
      add(
        "training-before-meeting",
        `集中培训不足 ${days} 天或 ${hours} 学时（已培训 ${gotDays} 天、${gotHours} 学时）`,
      );
    }
  }
  if (next.step === "approval") {
    const meeting = acceptedMeeting(steps);
    const { months } = rules["approval-within"].figure;
    if (meeting) {
      const over = daysBetween(plusMonths(meeting.date, months, zone), date, zone);
      if (over > 0)
        add("approval-within", `上级党委应在支部大会后${monthsText(months)}内审批（已超出 ${over} 天）`);
    }
  }
  if (next.step === "full") {
    const end = probationEnd(steps, rules, zone);
    if (end) {
      const short = daysBetween(date, end, zone);
      const extended = has(steps, "extension");
      if (short > 0)
        add("probation-length", `预备期${extended ? "（含延长）" : "不满一年"}未满（还差 ${short} 天）`);
    }
  }
  if (next.step === "extension") {
    const { minMonths, maxMonths, times } = rules["probation-extension"].figure;
    const count = steps.filter((s) => s.step === "extension").length;
    if (count >= times)
      add("probation-extension", `预备期只能延长${times === 1 ? "一" : times}次（已延长 ${count} 次）`);
    const m = next.months ?? 0;
    if (m < minMonths || m > maxMonths) {
      add("probation-extension", `延长预备期须为 ${minMonths}–${maxMonths} 个月（填写了 ${m} 个月）`);
    }
  }
  return out;
}

/** A next step with its window: earliest and latest day (either may be null), and a note. */
export interface NextStep {
  step: DevelopmentStep;
  earliest: Date | null;
  latest: Date | null;
  note: string;
}

/** What comes next for a person, with the date windows the rules give. */
export function nextSteps(
  steps: readonly StepLike[],
  rules: DevelopmentRules,
  zone: string,
  options: { reportMonths?: number } = {},
): NextStep[] {
  const stage = stageOf(steps);
  const out: NextStep[] = [];
  const on = (id: DevelopmentRuleId) => rules[id].enabled;
  const application = last(steps, "application");
  if (!application)
    return [{ step: "application", earliest: null, latest: null, note: "登记入党申请的日期" }];
  if (stage === "full" || stage === "cancelled") return [];
  // The talk is a next step only for an applicant (people entered later may have no talk recorded).
  if (!has(steps, "talk") && stage === "applicant") {
    const latest = on("talk-within")
      ? plusMonths(application.date, rules["talk-within"].figure.months, zone)
      : null;
    out.push({ step: "talk", earliest: application.date, latest, note: rules["talk-within"].description });
  }
  if (stage === "applicant") {
    out.push({ step: "activist", earliest: application.date, latest: null, note: "经推荐、支委会研究确定" });
  }
  if (stage === "activist" || stage === "target") {
    const activist = last(steps, "activist")!;
    const lastAssessment = last(steps, "assessment");
    if (stage === "activist" && on("assessment-interval")) {
      const from = lastAssessment?.date ?? activist.date;
      out.push({
        step: "assessment",
        earliest: null,
        latest: plusMonths(from, rules["assessment-interval"].figure.months, zone),
        note: rules["assessment-interval"].description,
      });
    }
    if (stage === "activist") {
      out.push({
        step: "target",
        earliest: on("activist-year")
          ? plusMonths(activist.date, rules["activist-year"].figure.months, zone)
          : null,
        latest: null,
        note: rules["activist-year"].description,
      });
    }
  }
  if (stage === "target") {
    if (!has(steps, "review"))
      out.push({ step: "review", earliest: null, latest: null, note: "支部大会讨论前完成" });
    const { days, hours } = rules["training-before-meeting"].figure;
    const trained = steps.filter((s) => s.step === "training");
    const gotDays = trained.reduce((sum, s) => sum + (s.days ?? 0), 0);
    const gotHours = trained.reduce((sum, s) => sum + (s.hours ?? 0), 0);
    if (on("training-before-meeting") && gotDays < days && gotHours < hours) {
      out.push({
        step: "training",
        earliest: null,
        latest: null,
        note: rules["training-before-meeting"].description,
      });
    }
    const meeting = acceptedMeeting(steps);
    if (!meeting) out.push({ step: "meeting", earliest: null, latest: null, note: "政治审查、集中培训之后" });
    else {
      const latest = on("approval-within")
        ? plusMonths(meeting.date, rules["approval-within"].figure.months, zone)
        : null;
      out.push({
        step: "approval",
        earliest: meeting.date,
        latest,
        note: rules["approval-within"].description,
      });
    }
  }
  if (stage === "probationary") {
    if (!has(steps, "oath"))
      out.push({ step: "oath", earliest: approved(steps)!.date, latest: null, note: "" });
    const end = probationEnd(steps, rules, zone)!;
    out.push({ step: "full", earliest: end, latest: null, note: rules["probation-length"].description });
  }
  if (options.reportMonths && ["activist", "target", "probationary"].includes(stage)) {
    const from =
      last(steps, "report")?.date ?? last(steps, stage === "probationary" ? "meeting" : "activist")!.date;
    out.push({
      step: "report",
      earliest: null,
      latest: plusMonths(from, options.reportMonths, zone),
      note: "",
    });
  }
  return out;
}

/** A day as "2026-11-23" in `zone`. */
export const dayText = (date: Date | null | undefined, zone: string) =>
  date ? day(date, zone).toFormat("yyyy-MM-dd") : "";

/** "2026-11-23 起" / "至 2026-12-23" / "2026-11-23 至 2026-12-23" / "" for a window. */
export function windowText(next: Pick<NextStep, "earliest" | "latest">, zone: string): string {
  const from = dayText(next.earliest, zone);
  const to = dayText(next.latest, zone);
  if (from && to) return `${from} 至 ${to}`;
  if (from) return `${from} 起`;
  if (to) return `最迟 ${to}`;
  return "";
}

/** Overdue: the latest day is before today. Due soon: the latest day within `aheadDays`. */
export function dueState(
  next: NextStep,
  today: Date,
  zone: string,
  aheadDays: number,
): "overdue" | "due" | null {
  if (!next.latest) return null;
  const left = daysBetween(today, next.latest, zone);
  if (left < 0) return "overdue";
  return left <= aheadDays ? "due" : null;
}
