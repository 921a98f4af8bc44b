import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_DEVELOPMENT_RULES, loadDevelopmentRules } from "../../config/development.js";
import { fixedClock } from "../../src/domain/clock.js";
import {
  nextSteps,
  orderProblem,
  ruleViolations,
  stageOf,
  type StepLike,
} from "../../src/domain/development.js";
import { recordStep } from "../../src/domain/developmentRecord.js";
import { parseDay } from "../../src/domain/roster.js";
import type { Member } from "../../src/db/models/member.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { seedMembers } from "../helpers/factories.js";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const TZ = "Asia/Shanghai";
const R = DEFAULT_DEVELOPMENT_RULES;
const d = (text: string) => parseDay(text, TZ)!;
const s = (step: StepLike["step"], date: string, extra: Partial<StepLike> = {}): StepLike => ({
  step,
  date: d(date),
  ...extra,
});

describe("the time rules at their boundaries", () => {
  const applied = [s("application", "2025-01-15")];
  it("talk within one month of the application", () => {
    expect(ruleViolations(applied, { step: "talk", date: d("2025-02-15") }, R, TZ)).toEqual([]);
    const [v] = ruleViolations(applied, { step: "talk", date: d("2025-02-16") }, R, TZ);
    expect(v).toMatchObject({
      ruleId: "talk-within",
      message: "谈话应在收到入党申请后1 个月内进行（已超出 1 天）",
    });
  });
  const activist = [
    ...applied,
    s("activist", "2025-03-01"),
    s("assessment", "2025-09-01"),
    s("assessment", "2026-02-20"),
  ];
  it("an activist for at least one year before becoming a development target", () => {
    expect(ruleViolations(activist, { step: "target", date: d("2026-03-01") }, R, TZ)).toEqual([]);
    const [v] = ruleViolations(activist, { step: "target", date: d("2026-02-28") }, R, TZ);
    expect(v!.message).toBe("积极分子培养不满一年（还差 1 天）");
    const far = ruleViolations(activist, { step: "target", date: d("2026-01-13") }, R, TZ);
    expect(far[0]!.message).toBe("积极分子培养不满一年（还差 47 天）");
  });
  it("an assessment every six months", () => {
    const steps = [...applied, s("activist", "2025-03-01"), s("assessment", "2025-09-01")];
    expect(ruleViolations(steps, { step: "target", date: d("2026-03-01") }, R, TZ)).toEqual([]);
    expect(ruleViolations(steps, { step: "target", date: d("2026-03-02") }, R, TZ)).toMatchObject([
      { ruleId: "assessment-interval", message: "距上次考察已超过半年（超出 1 天），请先登记考察" },
    ]);
    const ok = [...steps, s("assessment", "2025-09-01")];
    expect(nextSteps(ok, R, TZ).find((n) => n.step === "assessment")!.latest).toEqual(d("2026-03-01"));
  });
  const target = [...activist, s("target", "2026-03-01"), s("review", "2026-03-10")];
  it("training of 3 days or 24 学时 before the branch meeting", () => {
    const two = [...target, s("training", "2026-04-01", { days: 2 })];
    expect(ruleViolations(two, { step: "meeting", date: d("2026-05-01") }, R, TZ)[0]!.message).toBe(
      "集中培训不足 3 天或 24 学时（已培训 2 天、0 学时）",
    );
    const three = [...two, s("training", "2026-04-20", { days: 1 })];
    expect(ruleViolations(three, { step: "meeting", date: d("2026-05-01") }, R, TZ)).toEqual([]);
    const hours = [...target, s("training", "2026-04-01", { hours: 24 })];
    expect(ruleViolations(hours, { step: "meeting", date: d("2026-05-01") }, R, TZ)).toEqual([]);
    const after = [...target, s("training", "2026-05-02", { hours: 24 })];
    expect(ruleViolations(after, { step: "meeting", date: d("2026-05-01") }, R, TZ)).toHaveLength(1);
  });
  const met = [
    ...target,
    s("training", "2026-04-01", { days: 3 }),
    s("meeting", "2026-05-01", { passed: true }),
  ];
  it("approval within three months of the branch meeting", () => {
    expect(ruleViolations(met, { step: "approval", date: d("2026-08-01") }, R, TZ)).toEqual([]);
    expect(ruleViolations(met, { step: "approval", date: d("2026-08-02") }, R, TZ)[0]!.message).toBe(
      "上级党委应在支部大会后3 个月内审批（已超出 1 天）",
    );
  });
  const probation = [...met, s("approval", "2026-06-01", { passed: true })];
  it("probation of one year from the branch meeting; extension 6–12 months, once", () => {
    expect(stageOf(probation)).toBe("probationary");
    expect(ruleViolations(probation, { step: "full", date: d("2027-05-01") }, R, TZ)).toEqual([]);
    expect(ruleViolations(probation, { step: "full", date: d("2027-04-30") }, R, TZ)[0]).toMatchObject({
      ruleId: "probation-length",
      message: "预备期不满一年未满（还差 1 天）",
      overridable: false,
    });
    expect(ruleViolations(probation, { step: "extension", date: d("2027-05-01"), months: 6 }, R, TZ)).toEqual(
      [],
    );
    expect(
      ruleViolations(probation, { step: "extension", date: d("2027-05-01"), months: 5 }, R, TZ),
    ).toHaveLength(1);
    const extended = [...probation, s("extension", "2027-05-01", { months: 6 })];
    expect(
      ruleViolations(extended, { step: "extension", date: d("2027-10-01"), months: 6 }, R, TZ)[0]!.message,
    ).toBe("预备期只能延长一次（已延长 1 次）");
    expect(ruleViolations(extended, { step: "full", date: d("2027-11-01") }, R, TZ)).toEqual([]);
    expect(ruleViolations(extended, { step: "full", date: d("2027-10-31") }, R, TZ)).toHaveLength(1);
  });
  it("order: a step needs the one before it", () => {
    expect(orderProblem(applied, { step: "target", date: d("2026-01-01") }, d("2026-11-23"), TZ)).toBe(
      "请先登记「确定入党积极分子」。",
    );
    expect(orderProblem(applied, { step: "talk", date: d("2026-11-24") }, d("2026-11-23"), TZ)).toBe(
      "谈话的日期不能晚于今天。",
    );
  });
  it("a deployment switches a rule off or changes its figure", () => {
    const dir = mkdtempSync(join(tmpdir(), "devrules-"));
    const file = join(dir, "rules.json");
    writeFileSync(
      file,
      JSON.stringify([
        { id: "talk-within", enabled: false },
        { id: "activist-year", figure: { months: 6 } },
      ]),
    );
    const rules = loadDevelopmentRules(file);
    expect(ruleViolations(applied, { step: "talk", date: d("2025-12-01") }, rules, TZ)).toEqual([]);
    expect(ruleViolations(activist, { step: "target", date: d("2025-09-01") }, rules, TZ)).toEqual([]);
    writeFileSync(file, JSON.stringify([{ id: "nope" }]));
    expect(() => loadDevelopmentRules(file)).toThrow(/invalid/);
  });
});

describe("recording steps", () => {
  let db: TestDb;
  const B = "B1";
  const clock = fixedClock("2026-11-23T02:00:00Z");
  beforeAll(async () => {
    db = await openTestDb("development");
    await seedMembers(db.models, [
      { branchId: B, openId: "ou_sec", name: "王书记", role: "secretary" },
      { branchId: B, openId: "ou_c1", name: "联系人甲" },
      { branchId: B, openId: "ou_p", name: "小周", status: "applicant" } as never,
    ]);
  });
  afterAll(async () => db.close());
  const rec = (
    input: Partial<Parameters<typeof recordStep>[4]> &
      Pick<Parameters<typeof recordStep>[4], "step" | "date">,
  ) => recordStep(db.models, clock, R, TZ, { branchId: B, openId: "ou_p", by: "ou_sec", ...input });
  const member = async () =>
    (await db.models.Member.findOne({ branchId: B, openId: "ou_p" }).lean<Member>())!;

  it("refuses without a reason, records an override with one, and the status follows", async () => {
    await rec({ step: "application", date: d("2025-01-10") });
    await expect(rec({ step: "talk", date: d("2025-03-01") })).rejects.toThrow(/已超出 19 天[\s\S]*理由/);
    const { step } = await rec({ step: "talk", date: d("2025-03-01"), reason: "申请人出国学习" });
    expect(step).toMatchObject({ step: "talk" });
    const record = (await db.models.Development.findOne({ openId: "ou_p" }).lean())!;
    expect(record.steps[1]!.overrides).toMatchObject([{ ruleId: "talk-within", reason: "申请人出国学习" }]);
    await expect(
      rec({ step: "activist", date: d("2025-03-02"), contacts: ["ou_sec", "ou_p"] }),
    ).rejects.toThrow("培养联系人不能是本人。");
    await rec({ step: "activist", date: d("2025-03-02"), contacts: ["ou_sec", "ou_c1"] });
    expect((await member()).status).toBe("activist");
    await rec({ step: "assessment", date: d("2025-09-01") });
    await rec({ step: "assessment", date: d("2026-03-01") });
    await rec({ step: "target", date: d("2026-03-02") });
    expect((await member()).status).toBe("target");
    await rec({ step: "review", date: d("2026-03-10") });
    await rec({ step: "training", date: d("2026-04-01"), hours: 24 });
    await rec({ step: "meeting", date: d("2026-05-01"), passed: true });
    expect((await member()).status).toBe("target");
    await rec({ step: "approval", date: d("2026-06-01"), passed: true });
    const probationary = await member();
    expect(probationary.status).toBe("probationary");
    expect(probationary.statusSince).toEqual(d("2026-05-01")); // dues owed from the meeting's month
    expect(probationary.profile?.joinedAt).toEqual(d("2026-05-01"));
    await expect(rec({ step: "full", date: d("2026-11-23"), reason: "提前" })).rejects.toThrow(
      /此规定不能破例/,
    );
    await rec({ step: "extension", date: d("2026-11-20"), months: 6 });
    await expect(rec({ step: "extension", date: d("2026-11-21"), months: 6, reason: "x" })).rejects.toThrow(
      "预备期只能延长一次",
    );
  });
});
