/**
 * Branch health (支部体检) rules as data: what the daily check and `/体检` look for.
 *
 * Sources:
 * - 《中国共产党支部工作条例（试行）》第四条: 凡是有正式党员3人以上的，都应当成立党支部 … 党支部党员
 *   人数一般不超过50人. The same 条例 (its chapter on the branch committee; article not cited): 有正式
 *   党员7人以上的党支部，应当设立党支部委员会; 村、社区党支部委员会每届任期5年，其他基层单位党支部
 *   委员会一般每届任期3年; 任期届满应当按期进行换届选举.
 * - 《中国共产党章程》第九条: 党员如果没有正当理由，连续六个月不参加党的组织生活，或不交纳党费 …
 *   就被认为是自行脱党. The warnings at 3 and 5 months are this project's (warn well before).
 *
 * Each row has an id the domain knows (src/domain/branchHealth.ts), a description, its source, a
 * switch and its figure. A deployment may switch rows off or change figures with a JSON file (path
 * from ZHIBU_HEALTH_RULES_FILE) holding an array of `{ "id": "...", "enabled"?: boolean,
 * "figure"?: {...} }`, read by {@link loadBranchHealthRules}; rows not named keep their defaults.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";

const count = z.number().int().min(1).max(10_000);
const months = z.number().int().min(1).max(120);

/** The figure of each rule, by id. */
export const branchHealthFigureSchemas = {
  /** Fewer than `min` 正式党员: too few to exist as a branch. */
  "min-full-members": z.strictObject({ min: count }),
  /** More than `max` members (正式 + 预备). */
  "max-members": z.strictObject({ max: count }),
  /** `fullMembers` or more 正式党员 and no 支委 on the roster: a committee should be elected. */
  "committee-needed": z.strictObject({ fullMembers: count }),
  /** The committee's term (`defaultYears` unless the branch set 3 or 5) ends within `noticeMonths`. */
  "committee-term": z.strictObject({ defaultYears: z.number().int().min(1).max(10), noticeMonths: months }),
  /** A member without organisational life for `warnAt` … `months` whole months in a row. */
  "organisational-life": z.strictObject({ months, warnAt: z.array(months).max(5) }),
  /** A member with dues unpaid for `warnAt` … `months` months in a row. */
  "dues-unpaid": z.strictObject({ months, warnAt: z.array(months).max(5) }),
} as const;

export type BranchHealthRuleId = keyof typeof branchHealthFigureSchemas;
export type BranchHealthFigure<I extends BranchHealthRuleId> = z.infer<(typeof branchHealthFigureSchemas)[I]>;

export interface BranchHealthRule<I extends BranchHealthRuleId = BranchHealthRuleId> {
  readonly id: I;
  readonly description: string;
  readonly source: string;
  readonly enabled: boolean;
  readonly figure: BranchHealthFigure<I>;
}

export type BranchHealthRules = { readonly [I in BranchHealthRuleId]: BranchHealthRule<I> };

const BRANCH_RULES = "《中国共产党支部工作条例（试行）》";
const CONSTITUTION_ART_9 = "《中国共产党章程》第九条";

/** The default table (see the header of this file). Frozen: copy before changing. */
export const DEFAULT_BRANCH_HEALTH_RULES: BranchHealthRules = Object.freeze({
  "min-full-members": Object.freeze({
    id: "min-full-members",
    description: "有正式党员 3 人以上的，应当成立党支部；不足 3 人的应成立联合党支部",
    source: `${BRANCH_RULES}第四条`,
    enabled: true,
    figure: Object.freeze({ min: 3 }),
  }),
  "max-members": Object.freeze({
    id: "max-members",
    description: "党支部党员人数一般不超过 50 人",
    source: `${BRANCH_RULES}第四条`,
    enabled: true,
    figure: Object.freeze({ max: 50 }),
  }),
  "committee-needed": Object.freeze({
    id: "committee-needed",
    description: "有正式党员 7 人以上的党支部，应当设立党支部委员会",
    source: BRANCH_RULES,
    enabled: true,
    figure: Object.freeze({ fullMembers: 7 }),
  }),
  "committee-term": Object.freeze({
    id: "committee-term",
    description: "党支部委员会每届任期一般为 3 年（村、社区 5 年），任期届满应当按期换届",
    source: BRANCH_RULES,
    enabled: true,
    figure: Object.freeze({ defaultYears: 3, noticeMonths: 6 }),
  }),
  "organisational-life": Object.freeze({
    id: "organisational-life",
    description: "党员没有正当理由，连续六个月不参加党的组织生活，被认为是自行脱党",
    source: CONSTITUTION_ART_9,
    enabled: true,
    figure: Object.freeze({ months: 6, warnAt: Object.freeze([3, 5]) as number[] }),
  }),
  "dues-unpaid": Object.freeze({
    id: "dues-unpaid",
    description: "党员没有正当理由，连续六个月不交纳党费，被认为是自行脱党",
    source: CONSTITUTION_ART_9,
    enabled: true,
    figure: Object.freeze({ months: 6, warnAt: Object.freeze([3, 5]) as number[] }),
  }),
}) as BranchHealthRules;

/** Local hour of the daily branch health check. */
export const BRANCH_HEALTH_HOUR = 8;

/** The committee terms a branch may set with `/设置 换届 <日期> <3|5>年`. */
export const COMMITTEE_TERM_YEARS = [3, 5] as const;

const overrideRowSchema = z.strictObject({
  id: z.enum(Object.keys(branchHealthFigureSchemas) as [BranchHealthRuleId, ...BranchHealthRuleId[]]),
  enabled: z.boolean().optional(),
  figure: z.unknown().optional(),
});

/**
 * The branch health rules: the defaults, or with `path` a JSON file of row overrides (see the
 * header). Throws an Error naming the file and the first bad field.
 */
export function loadBranchHealthRules(path?: string): BranchHealthRules {
  if (path === undefined || path === "") return DEFAULT_BRANCH_HEALTH_RULES;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`Cannot read branch health rules file ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const invalid = (where: string, message: string) =>
    new Error(`Branch health rules file ${path} is invalid: ${where}: ${message}`);
  const rows = z.array(overrideRowSchema).safeParse(data);
  if (!rows.success) {
    const issue = rows.error.issues[0]!;
    throw invalid(issue.path.join(".") || "(root)", issue.message);
  }
  const table: Record<string, BranchHealthRule> = { ...DEFAULT_BRANCH_HEALTH_RULES };
  for (const row of rows.data) {
    const base = table[row.id]!;
    let figure = base.figure;
    if (row.figure !== undefined) {
      const parsed = branchHealthFigureSchemas[row.id].safeParse({
        ...base.figure,
        ...(row.figure as object),
      });
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw invalid(`${row.id}.figure.${issue.path.join(".")}`, issue.message);
      }
      figure = Object.freeze(parsed.data) as typeof figure;
    }
    table[row.id] = Object.freeze({ ...base, enabled: row.enabled ?? base.enabled, figure });
  }
  return Object.freeze(table) as BranchHealthRules;
}

const loaded = new Map<string, BranchHealthRules>();
/** {@link loadBranchHealthRules}, read once per path. */
export function branchHealthRulesFor(path: string | undefined): BranchHealthRules {
  const key = path ?? "";
  if (!loaded.has(key)) loaded.set(key, loadBranchHealthRules(key));
  return loaded.get(key)!;
}
