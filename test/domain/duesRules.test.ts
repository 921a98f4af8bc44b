import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  DEFAULT_DUES_RULES,
  DUES_CATEGORIES,
  DUES_CATEGORY_NAMES,
  loadDuesRules,
  type DuesRules,
} from "../../config/dues.js";
import {
  addMonths,
  compareMonths,
  formatFen,
  monthOf,
  monthlyDuesFen,
  monthsBetween,
  parseCategory,
  parseMonth,
  parseYuanToFen,
} from "../../src/domain/duesRules.js";
import { UserError } from "../../src/domain/errors.js";

const R = DEFAULT_DUES_RULES;

function userError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error("expected a UserError, none was thrown");
}

describe("monthlyDuesFen: employed brackets (each includes its upper bound)", () => {
  it.each([
    [0, 0],
    [100, 1], // 1.00 元 × 0.5 % = 0.5 fen → rounds up to 1
    [300_000, 1_500], // exactly 3000.00 元: still 0.5 %
    [300_001, 3_000], // 3000.01 元 × 1 % = 30.0001 元 → 3000 fen
    [400_000, 4_000],
    [500_000, 5_000], // exactly 5000.00 元: still 1 %
    [500_001, 7_500], // 5000.01 元 × 1.5 % = 75.00015 元 → 7500 fen
    [850_000, 12_750],
    [1_000_000, 15_000], // exactly 10000.00 元: still 1.5 %
    [1_000_001, 20_000], // 10000.01 元 × 2 % = 200.0002 元 → 20000 fen
    [2_000_000, 40_000],
  ])("base %i fen → %i fen", (baseFen, expected) => {
    expect(monthlyDuesFen(R, { category: "employed", baseFen })).toBe(expected);
  });

  it("rounds half up at exactly half a fen, and down just below it", () => {
    // 1001.00 元 × 0.5 % = 500.5 fen → 501; 1000.99 元 × 0.5 % = 500.495 fen → 500
    expect(monthlyDuesFen(R, { category: "employed", baseFen: 100_100 })).toBe(501);
    expect(monthlyDuesFen(R, { category: "employed", baseFen: 100_099 })).toBe(500);
    // 3500.50 元 × 1 % = 3500.5 fen → 3501; 3500.49 元 × 1 % = 3500.49 fen → 3500
    expect(monthlyDuesFen(R, { category: "employed", baseFen: 350_050 })).toBe(3501);
    expect(monthlyDuesFen(R, { category: "employed", baseFen: 350_049 })).toBe(3500);
    // 6000.10 元 × 1.5 % = 9000.15 fen → 9000 (rounding is to the fen, not the tenth)
    expect(monthlyDuesFen(R, { category: "employed", baseFen: 600_010 })).toBe(9000);
  });

  it("is exact for the largest base accepted", () => {
    // 10,000,000 元 × 2 % = 200,000 元
    expect(monthlyDuesFen(R, { category: "employed", baseFen: 1_000_000_000 })).toBe(20_000_000);
  });

  it("refuses a missing, negative, fractional or absurd base", () => {
    expect(userError(() => monthlyDuesFen(R, { category: "employed" }))).toBe("在职党员需填写税后月工资");
    expect(userError(() => monthlyDuesFen(R, { category: "employed", baseFen: null }))).toBe(
      "在职党员需填写税后月工资",
    );
    expect(userError(() => monthlyDuesFen(R, { category: "employed", baseFen: -1 }))).toMatch(/税后月工资/);
    expect(userError(() => monthlyDuesFen(R, { category: "employed", baseFen: 100.5 }))).toMatch(/精确到分/);
    expect(userError(() => monthlyDuesFen(R, { category: "employed", baseFen: 1_000_000_001 }))).toMatch(
      /税后月工资/,
    );
    expect(userError(() => monthlyDuesFen(R, { category: "employed", baseFen: Number.NaN }))).toMatch(
      /税后月工资/,
    );
  });

  it("uses the rule table it is given, not the defaults", () => {
    const rules: DuesRules = {
      ...R,
      employed: { brackets: [{ upToFen: null, basisPoints: 300 }] },
    };
    expect(monthlyDuesFen(rules, { category: "employed", baseFen: 100_000 })).toBe(3000);
  });
});

describe("monthlyDuesFen: retired brackets", () => {
  it.each([
    [500_000, 2_500], // exactly 5000.00 元: 0.5 %
    [500_001, 5_000], // 5000.01 元 × 1 % = 50.0001 元 → 5000 fen
    [300_000, 1_500],
    [800_000, 8_000],
  ])("base %i fen → %i fen", (baseFen, expected) => {
    expect(monthlyDuesFen(R, { category: "retired", baseFen })).toBe(expected);
  });

  it("needs the pension as base", () => {
    expect(userError(() => monthlyDuesFen(R, { category: "retired" }))).toBe("离退休党员需填写月离退休费");
  });
});

describe("monthlyDuesFen: fixed, farmer, reduced and waived", () => {
  it.each(["student", "unemployed", "relief"] as const)("%s pays 0.20 元 whatever the base", (category) => {
    expect(monthlyDuesFen(R, { category })).toBe(20);
    expect(monthlyDuesFen(R, { category, baseFen: 2_000_000, fixedFen: 500 })).toBe(20);
  });

  it("reads the fixed amounts from the rules", () => {
    const rules: DuesRules = { ...R, fixedFen: { student: 30, unemployed: 40, relief: 50 } };
    expect(monthlyDuesFen(rules, { category: "student" })).toBe(30);
    expect(monthlyDuesFen(rules, { category: "unemployed" })).toBe(40);
    expect(monthlyDuesFen(rules, { category: "relief" })).toBe(50);
  });

  it("farmer: the amount set for the member, within 0.20–1.00 元", () => {
    expect(monthlyDuesFen(R, { category: "farmer", fixedFen: 20 })).toBe(20);
    expect(monthlyDuesFen(R, { category: "farmer", fixedFen: 50 })).toBe(50);
    expect(monthlyDuesFen(R, { category: "farmer", fixedFen: 100 })).toBe(100);
    expect(userError(() => monthlyDuesFen(R, { category: "farmer" }))).toBe(
      "农民党员需填写每月党费（0.20 元至1.00 元）",
    );
    expect(userError(() => monthlyDuesFen(R, { category: "farmer", fixedFen: 19 }))).toBe(
      "农民党员每月党费应在0.20 元至1.00 元之间",
    );
    expect(userError(() => monthlyDuesFen(R, { category: "farmer", fixedFen: 101 }))).toMatch(/之间/);
    expect(userError(() => monthlyDuesFen(R, { category: "farmer", fixedFen: 50.5 }))).toMatch(/之间/);
    // A base does not stand in for the amount.
    expect(userError(() => monthlyDuesFen(R, { category: "farmer", baseFen: 300_000 }))).toMatch(/需填写/);
  });

  it("reduced: the amount the branch decided, 0 allowed, not compared with the computed amount", () => {
    expect(monthlyDuesFen(R, { category: "reduced", fixedFen: 0 })).toBe(0);
    expect(monthlyDuesFen(R, { category: "reduced", fixedFen: 500, baseFen: 2_000_000 })).toBe(500);
    expect(monthlyDuesFen(R, { category: "reduced", fixedFen: 99_999 })).toBe(99_999);
    expect(userError(() => monthlyDuesFen(R, { category: "reduced" }))).toMatch(/减交党员需填写/);
    expect(userError(() => monthlyDuesFen(R, { category: "reduced", fixedFen: -1 }))).toMatch(/减交/);
    expect(userError(() => monthlyDuesFen(R, { category: "reduced", fixedFen: 1.5 }))).toMatch(/减交/);
  });

  it("waived: nothing, whatever else is set", () => {
    expect(monthlyDuesFen(R, { category: "waived" })).toBe(0);
    expect(monthlyDuesFen(R, { category: "waived", baseFen: 2_000_000, fixedFen: 500 })).toBe(0);
  });

  it("refuses an unknown category (e.g. a stale value from the database)", () => {
    const profile = { category: "soldier" } as unknown as Parameters<typeof monthlyDuesFen>[1];
    expect(userError(() => monthlyDuesFen(R, profile))).toMatch(/未知的党费类别/);
  });
});

describe("categories", () => {
  it.each([
    ["在职", "employed"],
    ["employed", "employed"],
    [" Employed ", "employed"],
    ["退休", "retired"],
    ["离退休", "retired"],
    ["retired", "retired"],
    ["学生", "student"],
    ["student", "student"],
    ["失业", "unemployed"],
    ["unemployed", "unemployed"],
    ["低保", "relief"],
    ["救济", "relief"],
    ["relief", "relief"],
    ["农民", "farmer"],
    ["farmer", "farmer"],
    ["减交", "reduced"],
    ["REDUCED", "reduced"],
    ["免交", "waived"],
    ["waived", "waived"],
  ])("%s → %s", (word, category) => {
    expect(parseCategory(word)).toBe(category);
  });

  it("returns null for anything else", () => {
    expect(parseCategory("")).toBeNull();
    expect(parseCategory("党员")).toBeNull();
    expect(parseCategory("employ")).toBeNull();
  });

  it("names every category in Chinese, and every alias parses back to it", () => {
    expect(DUES_CATEGORY_NAMES.employed.zh).toBe("在职");
    expect(DUES_CATEGORY_NAMES.relief.zh).toBe("低保/救济");
    expect(DUES_CATEGORY_NAMES.waived.zh).toBe("免交");
    for (const category of DUES_CATEGORIES) {
      expect(parseCategory(DUES_CATEGORY_NAMES[category].zh)).toBe(category);
      for (const alias of DUES_CATEGORY_NAMES[category].aliases) expect(parseCategory(alias)).toBe(category);
    }
  });
});

describe("formatFen", () => {
  it.each([
    [12_750, "127.50 元"],
    [20, "0.20 元"],
    [5, "0.05 元"],
    [0, "0.00 元"],
    [100, "1.00 元"],
    [1_000_000_000, "10000000.00 元"],
    [-305, "-3.05 元"],
  ])("%i → %s", (fen, text) => {
    expect(formatFen(fen)).toBe(text);
  });

  it("refuses non-integers", () => {
    expect(() => formatFen(1.5)).toThrow(RangeError);
  });
});

describe("parseYuanToFen", () => {
  it.each([
    ["8500", 850_000],
    ["8,500.5", 850_050],
    ["8500.50", 850_050],
    ["8500.5", 850_050],
    ["0.2", 20],
    ["0.05", 5],
    ["¥8500", 850_000],
    ["￥ 8500", 850_000],
    ["8500元", 850_000],
    [" 1,234,567.89 ", 123_456_789],
    ["0", 0],
    ["10000000", 1_000_000_000],
    ["10,000,000.00", 1_000_000_000],
    ["000100", 10_000],
  ])("%s → %i fen", (text, fen) => {
    expect(parseYuanToFen(text)).toBe(fen);
  });

  it.each([
    "",
    "-8500",
    "-0.2",
    "8500.555",
    "0.001",
    "abc",
    "85OO",
    "8500.",
    ".5",
    "1e3",
    "8,50.5",
    "85,00",
    "10000000.01",
    "10000001",
    "99999999999999999999",
    "Infinity",
    "NaN",
    "8 500",
  ])("%s → null", (text) => {
    expect(parseYuanToFen(text)).toBeNull();
  });
});

describe("months", () => {
  it("parses typed months to YYYY-MM and checks the month", () => {
    expect(parseMonth("2026-05")).toBe("2026-05");
    expect(parseMonth("2026-5")).toBe("2026-05");
    expect(parseMonth("2026/12")).toBe("2026-12");
    expect(parseMonth("2026年5月")).toBe("2026-05");
    expect(parseMonth("202601")).toBe("2026-01");
    expect(parseMonth(" 2026-01 ")).toBe("2026-01");
    expect(parseMonth("2026-13")).toBeNull();
    expect(parseMonth("2026-00")).toBeNull();
    expect(parseMonth("2026-0")).toBeNull();
    expect(parseMonth("26-05")).toBeNull();
    expect(parseMonth("2026-05-01")).toBeNull();
    expect(parseMonth("May 2026")).toBeNull();
    expect(parseMonth("")).toBeNull();
  });

  it("adds months across year boundaries, both ways", () => {
    expect(addMonths("2026-12", 1)).toBe("2027-01");
    expect(addMonths("2026-01", -1)).toBe("2025-12");
    expect(addMonths("2026-05", 0)).toBe("2026-05");
    expect(addMonths("2026-05", 12)).toBe("2027-05");
    expect(addMonths("2026-05", 20)).toBe("2028-01");
    expect(addMonths("2026-05", -17)).toBe("2024-12");
  });

  it("refuses malformed months and fractional steps", () => {
    expect(() => addMonths("2026-13", 1)).toThrow(RangeError);
    expect(() => addMonths("2026-5", 1)).toThrow(RangeError);
    expect(() => addMonths("2026-05", 1.5)).toThrow(RangeError);
    expect(() => compareMonths("2026-00", "2026-01")).toThrow(RangeError);
    expect(() => monthsBetween("x", "2026-01")).toThrow(RangeError);
  });

  it("compares months", () => {
    expect(compareMonths("2026-05", "2026-06")).toBeLessThan(0);
    expect(compareMonths("2027-01", "2026-12")).toBeGreaterThan(0);
    expect(compareMonths("2026-05", "2026-05")).toBe(0);
  });

  it("lists months inclusively, across a year, and nothing when reversed", () => {
    expect(monthsBetween("2026-11", "2027-02")).toEqual(["2026-11", "2026-12", "2027-01", "2027-02"]);
    expect(monthsBetween("2026-05", "2026-05")).toEqual(["2026-05"]);
    expect(monthsBetween("2026-06", "2026-05")).toEqual([]);
    expect(monthsBetween("2025-01", "2026-12")).toHaveLength(24);
  });

  it("places an instant in its month in the branch's time zone", () => {
    const instant = new Date("2026-11-30T16:30:00Z"); // 12月1日 00:30 in Shanghai
    expect(monthOf(instant, "Asia/Shanghai")).toBe("2026-12");
    expect(monthOf(instant, "UTC")).toBe("2026-11");
    expect(monthOf(new Date("2026-12-31T16:00:00Z"), "Asia/Shanghai")).toBe("2027-01");
    expect(() => monthOf(instant, "Not/AZone")).toThrow(RangeError);
  });
});

describe("rule table and loadDuesRules", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "zhibu-dues-rules-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function write(name: string, content: unknown): string {
    const file = path.join(dir, name);
    writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
    return file;
  }
  const copy = (): DuesRules => structuredClone(DEFAULT_DUES_RULES);

  it("defaults to 中组发〔2008〕3号", () => {
    expect(loadDuesRules()).toEqual({
      employed: {
        brackets: [
          { upToFen: 300_000, basisPoints: 50 },
          { upToFen: 500_000, basisPoints: 100 },
          { upToFen: 1_000_000, basisPoints: 150 },
          { upToFen: null, basisPoints: 200 },
        ],
      },
      retired: {
        brackets: [
          { upToFen: 500_000, basisPoints: 50 },
          { upToFen: null, basisPoints: 100 },
        ],
      },
      fixedFen: { student: 20, unemployed: 20, relief: 20 },
      farmer: { minFen: 20, maxFen: 100 },
      backPayMonths: 6,
      prepayMonths: 3,
    });
    expect(loadDuesRules("")).toBe(DEFAULT_DUES_RULES);
  });

  it("keeps the defaults from being changed by a caller", () => {
    const rules = loadDuesRules();
    expect(() => {
      (rules.fixedFen as { student: number }).student = 1;
    }).toThrow(TypeError);
    expect(DEFAULT_DUES_RULES.fixedFen.student).toBe(20);
  });

  it("reads a valid override file, and the arithmetic follows it", () => {
    const rules = copy();
    rules.employed.brackets = [
      { upToFen: 400_000, basisPoints: 50 },
      { upToFen: null, basisPoints: 100 },
    ];
    rules.farmer = { minFen: 10, maxFen: 200 };
    rules.backPayMonths = 12;
    const loaded = loadDuesRules(write("valid.json", rules));
    expect(loaded).toEqual(rules);
    expect(monthlyDuesFen(loaded, { category: "employed", baseFen: 400_000 })).toBe(2000);
    expect(monthlyDuesFen(loaded, { category: "employed", baseFen: 400_001 })).toBe(4000);
    expect(monthlyDuesFen(loaded, { category: "farmer", fixedFen: 200 })).toBe(200);
  });

  function invalid(name: string, mutate: (rules: Record<string, unknown>) => void): string {
    const rules = copy() as unknown as Record<string, unknown>;
    mutate(rules);
    const file = write(name, rules);
    try {
      loadDuesRules(file);
    } catch (err) {
      expect(err).toBeInstanceOf(Error);
      const message = (err as Error).message;
      expect(message).toContain(file);
      return message;
    }
    throw new Error(`${name} was accepted`);
  }

  it("names the file and the bad field of an invalid override", () => {
    const brackets = (r: Record<string, unknown>) =>
      (r.employed as { brackets: Array<Record<string, unknown>> }).brackets;

    expect(invalid("not-ascending.json", (r) => (brackets(r)[1]!.upToFen = 300_000))).toMatch(
      /employed\.brackets\.1\.upToFen: .*ascending/,
    );
    expect(invalid("last-bounded.json", (r) => (brackets(r)[3]!.upToFen = 2_000_000))).toMatch(
      /employed\.brackets\.3\.upToFen: .*last bracket/,
    );
    expect(invalid("middle-open.json", (r) => (brackets(r)[1]!.upToFen = null))).toMatch(
      /employed\.brackets\.1\.upToFen/,
    );
    expect(invalid("fraction.json", (r) => (brackets(r)[0]!.basisPoints = 0.5))).toMatch(
      /employed\.brackets\.0\.basisPoints/,
    );
    expect(invalid("empty.json", (r) => ((r.retired as { brackets: unknown[] }).brackets = []))).toMatch(
      /retired\.brackets/,
    );
    expect(invalid("zero-fixed.json", (r) => ((r.fixedFen as Record<string, number>).student = 0))).toMatch(
      /fixedFen\.student/,
    );
    expect(invalid("farmer.json", (r) => (r.farmer = { minFen: 100, maxFen: 20 }))).toMatch(/farmer\.maxFen/);
    expect(invalid("backpay.json", (r) => (r.backPayMonths = -6))).toMatch(/backPayMonths/);
    expect(invalid("missing.json", (r) => delete r.prepayMonths)).toMatch(/prepayMonths/);
    expect(invalid("typo.json", (r) => (r.backpayMonths = 6))).toMatch(/backpayMonths/);
  });

  it("names the file when it is not JSON or does not exist", () => {
    const broken = write("broken.json", "{ employed: ");
    expect(() => loadDuesRules(broken)).toThrow(`Dues rules file ${broken} is not valid JSON`);
    const absent = path.join(dir, "absent.json");
    expect(() => loadDuesRules(absent)).toThrow(`Cannot read dues rules file ${absent}`);
  });
});
