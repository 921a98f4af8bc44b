/**
 * Party dues (党费) rules as data.
 *
 * Source: 中共中央组织部《关于中国共产党党费收缴、使用和管理的规定》(中组发〔2008〕3号), part
 * 一「党费的收缴」 (article numbers differ between the published versions, so none are cited):
 * - Base: 按月领取工资的党员以每月工资总额中相对固定的、经常性的工资收入（税后）为计算基数.
 * - 在职: 每月工资收入（税后）在 3000 元以下（含 3000 元）者，交纳月工资收入的 0.5 %；3000 元以上
 *   至 5000 元（含 5000 元）者，交纳 1 %；5000 元以上至 10000 元（含 10000 元）者，交纳 1.5 %；
 *   10000 元以上者，交纳 2 %.
 * - 离退休: 每月以实际领取的离退休费总额或养老金总额为计算基数，5000 元以下（含 5000 元）的按
 *   0.5 % 交纳党费，5000 元以上的按 1 % 交纳党费.
 * - 农民党员每月交纳党费 0.2 元至 1 元.
 * - 学生党员、下岗失业的党员、依靠抚恤或救济生活的党员、领取当地最低生活保障金的党员，每月交纳
 *   党费 0.2 元.
 * - 生活确有困难的党员，经党支部研究，报上一级党委批准后，可以少交或者免交党费 (减交 / 免交).
 * - 党员应当主动按月交纳党费；遇到特殊情况，经党支部同意，可以每季度交纳一次党费 (prepayMonths 3)，
 *   也可以补交党费；补交党费的时间一般不得超过 6 个月 (backPayMonths 6).
 * - 预备党员从支部大会通过其为预备党员之日起交纳党费 (applied where members are tracked).
 *
 * Money is integer fen (分) everywhere; basis points are hundredths of a percent (50 = 0.5 %).
 * A deployment may replace the whole table with a JSON file of the same shape (path e.g. from the
 * environment variable ZHIBU_DUES_RULES_FILE), read by {@link loadDuesRules}.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";

/** Dues categories of a member; the rule applied depends on it. */
export const DUES_CATEGORIES = [
  "employed",
  "retired",
  "student",
  "unemployed",
  "relief",
  "farmer",
  "reduced",
  "waived",
] as const;

export type DuesCategory = (typeof DUES_CATEGORIES)[number];

/**
 * Display names and the words a secretary may type for each category (matched after trimming,
 * case-insensitively for Latin letters). 交 and 缴 are both in use for 交纳.
 */
export const DUES_CATEGORY_NAMES: Readonly<
  Record<DuesCategory, { readonly zh: string; readonly en: string; readonly aliases: readonly string[] }>
> = {
  employed: { zh: "在职", en: "Employed", aliases: ["在职", "在岗", "employed"] },
  retired: { zh: "离退休", en: "Retired", aliases: ["离退休", "退休", "离休", "retired"] },
  student: { zh: "学生", en: "Student", aliases: ["学生", "student"] },
  unemployed: { zh: "失业", en: "Unemployed", aliases: ["失业", "下岗", "下岗失业", "unemployed"] },
  relief: {
    zh: "低保/救济",
    en: "Relief / minimum allowance",
    aliases: ["低保/救济", "低保", "救济", "抚恤", "relief"],
  },
  farmer: { zh: "农民", en: "Farmer", aliases: ["农民", "farmer"] },
  reduced: { zh: "减交", en: "Reduced", aliases: ["减交", "减缴", "少交", "reduced"] },
  waived: { zh: "免交", en: "Waived", aliases: ["免交", "免缴", "waived"] },
};

/** The largest amount of money the bot accepts anywhere, in fen (10,000,000 yuan). */
export const MAX_MONEY_FEN = 1_000_000_000;

const positiveInt = z.number().int().positive().max(MAX_MONEY_FEN);

const bracketSchema = z.strictObject({
  /** Upper bound of the base, INCLUDED, in fen; null for the open-ended last bracket. */
  upToFen: positiveInt.nullable(),
  /** Rate in basis points of the base (50 = 0.5 %), at most 100 %. */
  basisPoints: z.number().int().positive().max(10_000),
});

const bracketsSchema = z
  .array(bracketSchema)
  .min(1)
  .superRefine((brackets, ctx) => {
    brackets.forEach((bracket, i) => {
      const last = i === brackets.length - 1;
      if (last && bracket.upToFen !== null) {
        ctx.addIssue({
          code: "custom",
          path: [i, "upToFen"],
          message: "the last bracket must have upToFen null (no upper bound)",
        });
      }
      if (!last && bracket.upToFen === null) {
        ctx.addIssue({
          code: "custom",
          path: [i, "upToFen"],
          message: "only the last bracket may have upToFen null",
        });
      }
      const previous = i > 0 ? brackets[i - 1]?.upToFen : undefined;
      if (
        typeof previous === "number" &&
        typeof bracket.upToFen === "number" &&
        bracket.upToFen <= previous
      ) {
        ctx.addIssue({
          code: "custom",
          path: [i, "upToFen"],
          message: "brackets must be in ascending order of upToFen",
        });
      }
    });
  });

export const duesRulesSchema = z.strictObject({
  employed: z.strictObject({ brackets: bracketsSchema }),
  retired: z.strictObject({ brackets: bracketsSchema }),
  fixedFen: z.strictObject({ student: positiveInt, unemployed: positiveInt, relief: positiveInt }),
  farmer: z
    .strictObject({ minFen: positiveInt, maxFen: positiveInt })
    .refine((f) => f.minFen <= f.maxFen, { path: ["maxFen"], message: "maxFen must be ≥ minFen" }),
  /** How many past months may be paid late (补交). */
  backPayMonths: z.number().int().positive().max(120),
  /** How many months may be paid at once in advance (按季度交纳: 3). */
  prepayMonths: z.number().int().positive().max(120),
});

export type DuesRules = z.infer<typeof duesRulesSchema>;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The rules of 中组发〔2008〕3号 (see the header of this file). Frozen: copy before changing. */
export const DEFAULT_DUES_RULES: DuesRules = deepFreeze(
  duesRulesSchema.parse({
    employed: {
      brackets: [
        { upToFen: 300_000, basisPoints: 50 }, // ≤ 3000 元 (含): 0.5 %
        { upToFen: 500_000, basisPoints: 100 }, // 3000–5000 元 (含): 1 %
        { upToFen: 1_000_000, basisPoints: 150 }, // 5000–10000 元 (含): 1.5 %
        { upToFen: null, basisPoints: 200 }, // > 10000 元: 2 %
      ],
    },
    retired: {
      brackets: [
        { upToFen: 500_000, basisPoints: 50 }, // ≤ 5000 元 (含): 0.5 %
        { upToFen: null, basisPoints: 100 }, // > 5000 元: 1 %
      ],
    },
    fixedFen: { student: 20, unemployed: 20, relief: 20 }, // 0.2 元 a month
    farmer: { minFen: 20, maxFen: 100 }, // 0.2–1 元 a month, set per member
    backPayMonths: 6,
    prepayMonths: 3,
  }),
);

/**
 * The dues rules: the defaults, or with `path` a JSON file holding a complete table of the same
 * shape (a deployment override). Throws an Error naming the file and the first bad fields.
 */
export function loadDuesRules(path?: string): DuesRules {
  if (path === undefined || path === "") return DEFAULT_DUES_RULES;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`Cannot read dues rules file ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`Dues rules file ${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const result = duesRulesSchema.safeParse(data);
  if (!result.success) {
    const problems = result.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.length ? issue.path.join(".") : "(root)"}: ${issue.message}`)
      .join("; ");
    throw new Error(`Dues rules file ${path} is invalid: ${problems}`);
  }
  return deepFreeze(result.data);
}
