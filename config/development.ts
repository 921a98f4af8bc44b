/**
 * Time rules of 发展党员 (developing Party members) as data.
 *
 * Sources:
 * - 《中国共产党发展党员工作细则》(中共中央办公厅 2014): 党组织收到入党申请书后，应当在一个月内派人
 *   同入党申请人谈话; 党组织应当指定一至两名正式党员作入党积极分子的培养联系人; 党支部每半年对入党
 *   积极分子进行一次考察; 对经过一年以上培养教育和考察的入党积极分子 … 可列为发展对象; 短期集中
 *   培训，时间一般不少于三天（或不少于二十四个学时）; 党委对党支部上报的接收预备党员的决议，应当在
 *   三个月内审批. Article numbers differ between the versions published, so none are cited for it.
 * - 《中国共产党章程》第七条: 预备党员的预备期为一年 … 预备期，从支部大会通过他为预备党员之日算起;
 *   预备期满 … 需要继续考察和教育的，可以延长预备期，但不能超过一年 (延长一次).
 *
 * Each row has an id the domain knows (src/domain/development.ts), a description, its source, a
 * switch and its figure. A deployment may switch rows off or change figures with a JSON file
 * (path from the environment variable ZHIBU_DEVELOPMENT_RULES_FILE) holding an array of
 * `{ "id": "...", "enabled"?: boolean, "figure"?: {...} }`, read by {@link loadDevelopmentRules};
 * rows not named keep their defaults.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";

const months = z.number().int().min(1).max(120);

/** The figure of each rule, by id. */
export const developmentFigureSchemas = {
  /** 谈话 no later than `months` after 入党申请. */
  "talk-within": z.strictObject({ months }),
  /** 确定发展对象 no earlier than `months` after 确定积极分子. */
  "activist-year": z.strictObject({ months }),
  /** A 考察 at least every `months` while an activist (the last one within that before 确定发展对象). */
  "assessment-interval": z.strictObject({ months }),
  /** 集中培训 of at least `days` days or `hours` 学时, before 支部大会讨论接收. */
  "training-before-meeting": z.strictObject({
    days: z.number().int().min(0).max(365),
    hours: z.number().int().min(0).max(10_000),
  }),
  /** 上级审批 no later than `months` after 支部大会讨论接收. */
  "approval-within": z.strictObject({ months }),
  /** 转正 no earlier than `months` (plus any extension) after 支部大会讨论接收. */
  "probation-length": z.strictObject({ months }),
  /** 延长预备期 of `minMonths`–`maxMonths`, at most `times` times. */
  "probation-extension": z.strictObject({
    minMonths: months,
    maxMonths: months,
    times: z.number().int().min(0).max(10),
  }),
} as const;

export type DevelopmentRuleId = keyof typeof developmentFigureSchemas;
export type DevelopmentFigure<I extends DevelopmentRuleId> = z.infer<(typeof developmentFigureSchemas)[I]>;

export interface DevelopmentRule<I extends DevelopmentRuleId = DevelopmentRuleId> {
  readonly id: I;
  readonly description: string;
  readonly source: string;
  readonly enabled: boolean;
  /** False for a rule of the Party Constitution: a secretary cannot override it with a reason. */
  readonly overridable: boolean;
  readonly figure: DevelopmentFigure<I>;
}

export type DevelopmentRules = { readonly [I in DevelopmentRuleId]: DevelopmentRule<I> };

const RULES_DOC = "《中国共产党发展党员工作细则》";
const CONSTITUTION_ART_7 = "《中国共产党章程》第七条";

/** The default table (see the header of this file). Frozen: copy before changing. */
export const DEFAULT_DEVELOPMENT_RULES: DevelopmentRules = Object.freeze({
  "talk-within": Object.freeze({
    id: "talk-within",
    description: "收到入党申请书后一个月内派人谈话",
    source: RULES_DOC,
    enabled: true,
    overridable: true,
    figure: Object.freeze({ months: 1 }),
  }),
  "activist-year": Object.freeze({
    id: "activist-year",
    description: "入党积极分子经过一年以上培养教育和考察，方可列为发展对象",
    source: RULES_DOC,
    enabled: true,
    overridable: true,
    figure: Object.freeze({ months: 12 }),
  }),
  "assessment-interval": Object.freeze({
    id: "assessment-interval",
    description: "党支部每半年对入党积极分子进行一次考察",
    source: RULES_DOC,
    enabled: true,
    overridable: true,
    figure: Object.freeze({ months: 6 }),
  }),
  "training-before-meeting": Object.freeze({
    id: "training-before-meeting",
    description: "发展对象在支部大会讨论前参加短期集中培训，一般不少于 3 天（或不少于 24 个学时）",
    source: RULES_DOC,
    enabled: true,
    overridable: true,
    figure: Object.freeze({ days: 3, hours: 24 }),
  }),
  "approval-within": Object.freeze({
    id: "approval-within",
    description: "上级党委在支部大会通过接收预备党员的决议后三个月内审批",
    source: RULES_DOC,
    enabled: true,
    overridable: true,
    figure: Object.freeze({ months: 3 }),
  }),
  "probation-length": Object.freeze({
    id: "probation-length",
    description: "预备期为一年，从支部大会通过其为预备党员之日算起",
    source: CONSTITUTION_ART_7,
    enabled: true,
    overridable: false,
    figure: Object.freeze({ months: 12 }),
  }),
  "probation-extension": Object.freeze({
    id: "probation-extension",
    description: "需要继续考察和教育的，可以延长一次预备期，延长时间不少于半年、不超过一年",
    source: `${CONSTITUTION_ART_7}；${RULES_DOC}`,
    enabled: true,
    overridable: false,
    figure: Object.freeze({ minMonths: 6, maxMonths: 12, times: 1 }),
  }),
}) as DevelopmentRules;

/**
 * How often a 思想汇报 is expected, in months: the rules ask activists and probationary members to
 * report their thinking regularly but fix no interval; quarterly is common local practice. Only
 * the optional reminder to the person (a branch setting, off by default) uses it.
 */
export const THOUGHT_REPORT_MONTHS = 3;

/** How far ahead the weekly digest looks for steps coming due, in days. */
export const DEVELOPMENT_DIGEST_AHEAD_DAYS = 30;

/** The secretary is reminded this many months before a probation ends. */
export const PROBATION_NOTICE_MONTHS = 1;

/** Local hour of the daily development reminders (the digest goes at most once a week). */
export const DEVELOPMENT_REMINDER_HOUR = 9;

const overrideRowSchema = z.strictObject({
  id: z.enum(Object.keys(developmentFigureSchemas) as [DevelopmentRuleId, ...DevelopmentRuleId[]]),
  enabled: z.boolean().optional(),
  figure: z.unknown().optional(),
});

/**
 * The development rules: the defaults, or with `path` a JSON file of row overrides (see the
 * header). Throws an Error naming the file and the first bad fields.
 */
export function loadDevelopmentRules(path?: string): DevelopmentRules {
  if (path === undefined || path === "") return DEFAULT_DEVELOPMENT_RULES;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`Cannot read development rules file ${path}: ${(err as Error).message}`, { cause: err });
  }
  const rows = z.array(overrideRowSchema).safeParse(data);
  if (!rows.success) {
    const issue = rows.error.issues[0]!;
    throw new Error(
      `Development rules file ${path} is invalid: ${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
  }
  const table: Record<string, DevelopmentRule> = { ...DEFAULT_DEVELOPMENT_RULES };
  for (const row of rows.data) {
    const base = table[row.id]!;
    let figure = base.figure;
    if (row.figure !== undefined) {
      const parsed = developmentFigureSchemas[row.id].safeParse({
        ...base.figure,
        ...(row.figure as object),
      });
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new Error(
          `Development rules file ${path} is invalid: ${row.id}.figure.${issue.path.join(".")}: ${issue.message}`,
        );
      }
      figure = Object.freeze(parsed.data) as typeof figure;
    }
    table[row.id] = Object.freeze({ ...base, enabled: row.enabled ?? base.enabled, figure });
  }
  return Object.freeze(table) as DevelopmentRules;
}

const loaded = new Map<string, DevelopmentRules>();
/** {@link loadDevelopmentRules}, read once per path (the file is read at first use). */
export function developmentRulesFor(path: string | undefined): DevelopmentRules {
  const key = path ?? "";
  if (!loaded.has(key)) loaded.set(key, loadDevelopmentRules(key));
  return loaded.get(key)!;
}
