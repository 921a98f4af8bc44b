import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { DEFAULT_DUES_RULES } from "../../config/dues.js";
import { AUTO_SETTLED, dueModel, duesProfileModel } from "../../src/db/models/dues.js";
import { fixedClock } from "../../src/domain/clock.js";
import {
  arrearsLevels,
  claimPaid,
  createMonthlyDues,
  hasAnyProfile,
  memberDues,
  memberYear,
  monthStatus,
  profileBaseFen,
  profileFor,
  recordPayment,
  setDuesProfile,
  unpaidMonths,
  type DueDoc,
  type DuesDeps,
  type SetDuesProfileInput,
} from "../../src/domain/dues.js";
import { monthsBetween } from "../../src/domain/duesRules.js";
import { UserError } from "../../src/domain/errors.js";
import { createSecretBox } from "../../src/domain/secretBox.js";
import { trusted } from "../../src/db/connection.js";
import { seedMembers } from "../helpers/factories.js";

const rules = DEFAULT_DUES_RULES;
const box = createSecretBox(randomBytes(32));
const SEC = "ou_sec";
// 2026-07-15 10:00 in Shanghai: back payment reaches 2026-01, prepayment 2026-10.
const JULY = new Date("2026-07-15T02:00:00Z");
const clock = fixedClock(JULY);

let db: TestDb;
let models: DuesDeps;
beforeAll(async () => {
  db = await openTestDb("dues");
  models = { ...db.models, DuesProfile: duesProfileModel(db.connection), Due: dueModel(db.connection) };
  await models.DuesProfile.createIndexes();
  await models.Due.createIndexes();
});
afterAll(async () => db.close());

/** Adds active members ("ou_x:名字") to a branch of their own. */
async function addMembers(branchId: string, people: string[]) {
  await seedMembers(
    db.models,
    people.map((p) => {
      const [openId, name] = p.split(":");
      return { branchId, openId, name: name ?? "", role: "member" };
    }),
  );
}

function profile(
  branchId: string,
  openId: string,
  effectiveFrom: string,
  more: Partial<SetDuesProfileInput> = {},
) {
  return setDuesProfile(models, clock, box, rules, {
    branchId,
    openId,
    category: "employed",
    effectiveFrom,
    setBy: SEC,
    ...more,
  });
}

async function createMonths(branchId: string, from: string, to: string) {
  for (const month of monthsBetween(from, to)) await createMonthlyDues(models, clock, { month, branchId });
}

const duesOf = async (branchId: string, openId: string) =>
  (await models.Due.find({ branchId, openId }).lean<DueDoc[]>()).sort((a, b) =>
    a.month.localeCompare(b.month),
  );

/** The UserError message a call was refused with (fails if it succeeded or failed otherwise). */
async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return (error as UserError).message;
}

// Runs first: createMonthlyDues without a branch covers every branch in the database.
describe("createMonthlyDues", () => {
  it("creates one due per active member with a profile, once, across branches", async () => {
    expect(await hasAnyProfile(models)).toBe(false);
    await addMembers("BM", ["ou_a:张三", "ou_b:李四", "ou_c:王五", "ou_gone:赵六", "ou_prob:预备"]);
    await addMembers("BM2", ["ou_o:外支部"]);
    await profile("BM", "ou_a", "2026-01", { baseFen: 500_000 }); // 1 % → 50.00 元
    await profile("BM", "ou_b", "2026-01", { category: "waived", reason: "重病，支部研究决定免交" });
    await profile("BM", "ou_gone", "2026-01", { baseFen: 500_000 });
    await profile("BM", "ou_prob", "2026-08", { category: "student" }); // accepted in August
    await profile("BM2", "ou_o", "2026-01", { category: "student" });
    expect(await hasAnyProfile(models)).toBe(true);
    await db.models.Member.updateOne({ branchId: "BM", openId: "ou_gone" }, { $set: { active: false } });

    // ou_c has no profile, ou_prob owes only from August: both skipped; ou_gone is inactive.
    expect(await createMonthlyDues(models, clock, { month: "2026-07" })).toEqual({
      created: 3,
      existing: 0,
      skipped: 2,
    });
    expect(await createMonthlyDues(models, clock, { month: "2026-07" })).toEqual({
      created: 0,
      existing: 3,
      skipped: 2,
    });
    const july = await models.Due.find({ month: "2026-07" }).lean<DueDoc[]>();
    expect(july.map((d) => `${d.branchId}/${d.openId}`).sort()).toEqual(["BM/ou_a", "BM/ou_b", "BM2/ou_o"]);
    const a = july.find((d) => d.openId === "ou_a")!;
    expect(a).toMatchObject({ amountFen: 5000, status: "unpaid", paidFen: null });
    // 免交: zero amount, settled at creation.
    expect(july.find((d) => d.openId === "ou_b")).toMatchObject({
      amountFen: 0,
      status: "paid",
      paidFen: 0,
      recordedBy: AUTO_SETTLED,
    });

    expect(await createMonthlyDues(models, clock, { month: "2026-08", branchId: "BM" })).toEqual({
      created: 3,
      existing: 0,
      skipped: 1,
    });
    expect((await duesOf("BM", "ou_prob")).map((d) => [d.month, d.amountFen])).toEqual([["2026-08", 20]]);
    expect(await duesOf("BM2", "ou_o")).toHaveLength(1); // the branch filter held
  });
});

describe("setDuesProfile", () => {
  it("applies a change from its month on, leaving earlier and paid months alone", async () => {
    await addMembers("BP", ["ou_p:张三"]);
    const first = await profile("BP", "ou_p", "2026-01", { baseFen: 500_000 });
    expect(first.monthlyFen).toBe(5000); // 5000 元 employed: 1 % = 50.00 元
    await createMonths("BP", "2026-01", "2026-08");
    await recordPayment(models, clock, rules, {
      branchId: "BP",
      openId: "ou_p",
      from: "2026-01",
      to: "2026-02",
      by: SEC,
    });

    const raise = await profile("BP", "ou_p", "2026-07", { baseFen: 1_200_000 });
    expect(raise).toEqual({ monthlyFen: 24000, effectiveFrom: "2026-07", repriced: ["2026-07", "2026-08"] });
    let year = await memberYear(models, "BP", "ou_p", 2026);
    expect(year.rows.map((r) => r.amountFen)).toEqual([
      5000,
      5000,
      5000,
      5000,
      5000,
      5000,
      24000,
      24000,
      null,
      null,
      null,
      null,
    ]);
    expect(year.rows.map((r) => r.status).slice(0, 3)).toEqual(["paid", "paid", "unpaid"]);
    expect(year.rows[8]!.status).toBe("none");
    expect(year.paidFen).toBe(10000);
    expect(year.owedFen).toBe(4 * 5000 + 2 * 24000);

    // A correction from February: paid February keeps 5000, March–June follow it, July on keep
    // the later profile.
    const fix = await profile("BP", "ou_p", "2026-02", { baseFen: 400_000 });
    expect(fix).toMatchObject({ monthlyFen: 4000, repriced: ["2026-03", "2026-04", "2026-05", "2026-06"] });
    year = await memberYear(models, "BP", "ou_p", 2026);
    expect(year.rows.map((r) => r.amountFen).slice(0, 8)).toEqual([
      5000, 5000, 4000, 4000, 4000, 4000, 24000, 24000,
    ]);
    expect(year.rows[1]).toMatchObject({ status: "paid", paidFen: 5000 });

    // Setting the same month again replaces that profile.
    await profile("BP", "ou_p", "2026-07", { baseFen: 800_000 }); // 1.5 % → 120.00 元
    expect(await models.DuesProfile.countDocuments({ branchId: "BP", openId: "ou_p" })).toBe(3);
    expect((await profileFor(models, "BP", "ou_p", "2026-09"))?.monthlyFen).toBe(12000);
    expect((await profileFor(models, "BP", "ou_p", "2026-06"))?.monthlyFen).toBe(4000);
    expect(await profileFor(models, "BP", "ou_p", "2025-12")).toBeNull();
    expect(profileBaseFen(box, (await profileFor(models, "BP", "ou_p", "2026-07"))!)).toBe(800_000);
    expect((await duesOf("BP", "ou_p")).map((d) => d.amountFen)).toEqual([
      5000, 5000, 4000, 4000, 4000, 4000, 12000, 12000,
    ]);
  });

  it("settles dues at zero when waived and reopens them when the waiver is replaced", async () => {
    await addMembers("BW", ["ou_w:张三"]);
    await profile("BW", "ou_w", "2026-05", { category: "retired", baseFen: 600_000 }); // 1 % → 60.00 元
    await createMonths("BW", "2026-05", "2026-07");
    await claimPaid(models, clock, { branchId: "BW", openId: "ou_w", months: ["2026-05"] });

    await profile("BW", "ou_w", "2026-06", { category: "waived", reason: "生活困难" });
    expect((await duesOf("BW", "ou_w")).map((d) => [d.amountFen, d.status, d.recordedBy])).toEqual([
      [6000, "pending", null],
      [0, "paid", AUTO_SETTLED],
      [0, "paid", AUTO_SETTLED],
    ]);
    const redo = await profile("BW", "ou_w", "2026-07", { category: "farmer", fixedFen: 50 });
    expect(redo.repriced).toEqual(["2026-07"]);
    expect((await duesOf("BW", "ou_w")).map((d) => [d.amountFen, d.status, d.paidFen])).toEqual([
      [6000, "pending", null],
      [0, "paid", 0],
      [50, "unpaid", null],
    ]);
  });

  it("stores the wage base only sealed", async () => {
    await addMembers("BS", ["ou_s:张三"]);
    const { monthlyFen } = await profile("BS", "ou_s", "2026-03", { baseFen: 987_654 });
    expect(monthlyFen).toBe(14815); // 9876.54 元 × 1.5 % = 148.1481 → 148.15 元
    const raw = await db.connection.collection("dues_profiles").findOne({ branchId: "BS", openId: "ou_s" });
    expect(raw).not.toBeNull();
    const text = JSON.stringify(raw);
    expect(text).not.toContain("987654");
    expect(text).not.toContain("9876.54");
    expect(raw!.baseSealed).toMatch(/^v1:/);
    expect(box.open(raw!.baseSealed as string)).toBe("987654");
    expect(raw!.monthlyFen).toBe(14815);
    // Categories without a base keep none.
    await profile("BS", "ou_s", "2026-04", { category: "student", baseFen: 987_654 });
    const student = await db.connection
      .collection("dues_profiles")
      .findOne({ branchId: "BS", openId: "ou_s", effectiveFrom: "2026-04" });
    expect(student).toMatchObject({ baseSealed: null, fixedFen: null, monthlyFen: 20 });
  });

  it("refuses incomplete or unexplained profiles and non-members", async () => {
    await addMembers("BR", ["ou_r:张三"]);
    expect(await refusal(profile("BR", "ou_r", "2026-01", { category: "reduced", fixedFen: 10 }))).toContain(
      "原因",
    );
    expect(await refusal(profile("BR", "ou_r", "2026-01", { category: "waived", reason: "  " }))).toContain(
      "原因",
    );
    expect(await refusal(profile("BR", "ou_r", "2026-01"))).toContain("税后月工资");
    expect(await refusal(profile("BR", "ou_r", "2026-13", { baseFen: 100_000 }))).toContain("生效月份");
    expect(await refusal(profile("BR", "ou_nobody", "2026-01", { baseFen: 100_000 }))).toContain("在册党员");
    expect(await models.DuesProfile.countDocuments({ branchId: "BR" })).toBe(0);
    const reduced = await profile("BR", "ou_r", "2026-01", {
      category: "reduced",
      fixedFen: 10,
      reason: "困难",
    });
    expect(reduced.monthlyFen).toBe(10);
  });
});

describe("recordPayment", () => {
  it("pays a range for the right total and refuses a wrong amount or a second payment", async () => {
    await addMembers("BPay", ["ou_m:张三"]);
    await profile("BPay", "ou_m", "2026-01", { baseFen: 500_000 });
    await createMonthlyDues(models, clock, { month: "2026-01", branchId: "BPay" }); // the rest are missing
    const base = { branchId: "BPay", openId: "ou_m", from: "2026-01", to: "2026-03", by: SEC };

    const wrong = await refusal(recordPayment(models, clock, rules, { ...base, amountFen: 14000 }));
    expect(wrong).toContain("150.00 元");
    expect(wrong).toContain("140.00 元");
    expect(await models.Due.countDocuments({ branchId: "BPay" })).toBe(1); // nothing written

    const now = new Date("2026-07-20T01:00:00Z");
    const paid = await recordPayment(models, clock, rules, { ...base, amountFen: 15000, now });
    expect(paid).toEqual({ months: ["2026-01", "2026-02", "2026-03"], totalFen: 15000, skipped: [] });
    const dues = await duesOf("BPay", "ou_m");
    expect(dues).toHaveLength(3);
    for (const due of dues) {
      expect(due).toMatchObject({ status: "paid", paidFen: 5000, recordedBy: SEC, amountFen: 5000 });
      expect(due.paidAt).toEqual(now);
    }

    const again = await refusal(
      recordPayment(models, clock, rules, { ...base, from: "2026-03", to: "2026-04" }),
    );
    expect(again).toContain("2026年3月");
    expect(again).not.toContain("2026年4月");
    expect(again).toContain("已缴纳");
    expect(await duesOf("BPay", "ou_m")).toHaveLength(3);
  });

  it("allows 6 months of back payment and 3 of prepayment, in the branch's time zone", async () => {
    await addMembers("BWin", ["ou_v:张三"]);
    await profile("BWin", "ou_v", "2025-01", { category: "student" });
    const pay = (from: string, to: string, now?: Date) =>
      recordPayment(models, clock, rules, { branchId: "BWin", openId: "ou_v", from, to, by: SEC, now });

    expect(await refusal(pay("2025-12", "2025-12"))).toContain("补缴最多 6 个月");
    expect((await pay("2026-01", "2026-06")).months).toHaveLength(6);
    expect(await refusal(pay("2026-08", "2026-11"))).toContain("预缴最多 3 个月（一个季度）");
    expect(
      await models.Due.countDocuments({ branchId: "BWin", month: trusted({ $in: ["2026-08", "2026-11"] }) }),
    ).toBe(0);
    expect(await pay("2026-07", "2026-10")).toMatchObject({ totalFen: 80 });

    // 2026-06-30 16:30 UTC is already July 1st in Shanghai: October is July + 3 there, but
    // June + 4 in UTC.
    await addMembers("BTz", ["ou_t:张三"]);
    await profile("BTz", "ou_t", "2026-01", { category: "student" });
    const edge = new Date("2026-06-30T16:30:00Z");
    const payTz = (timeZone: string) =>
      recordPayment(models, clock, rules, {
        branchId: "BTz",
        openId: "ou_t",
        from: "2026-10",
        to: "2026-10",
        by: SEC,
        now: edge,
        timeZone,
      });
    expect(await refusal(payTz("UTC"))).toContain("预缴");
    expect((await payTz("Asia/Shanghai")).months).toEqual(["2026-10"]);
  });

  it("refuses months without a profile and skips waived months", async () => {
    await addMembers("BNp", ["ou_n:张三"]);
    await profile("BNp", "ou_n", "2026-03", { category: "student" });
    await profile("BNp", "ou_n", "2026-05", { category: "waived", reason: "困难" });
    const pay = (from: string, to: string) =>
      recordPayment(models, clock, rules, { branchId: "BNp", openId: "ou_n", from, to, by: SEC });
    const message = await refusal(pay("2026-02", "2026-03"));
    expect(message).toContain("2026年2月");
    expect(message).toContain("尚未设定党费标准");
    expect(await pay("2026-03", "2026-05")).toEqual({
      months: ["2026-03", "2026-04"],
      totalFen: 40,
      skipped: ["2026-05"],
    });
    expect(await refusal(pay("2026-06", "2026-06"))).toContain("免交");
  });
});

describe("claimPaid", () => {
  it("marks unpaid months pending until the secretary records them", async () => {
    await addMembers("BC", ["ou_k:张三"]);
    await profile("BC", "ou_k", "2026-05", { baseFen: 500_000 });
    await createMonths("BC", "2026-05", "2026-07");
    await recordPayment(models, clock, rules, {
      branchId: "BC",
      openId: "ou_k",
      from: "2026-05",
      to: "2026-05",
      by: SEC,
    });

    const claim = await claimPaid(models, clock, {
      branchId: "BC",
      openId: "ou_k",
      months: ["2026-05", "2026-06", "2026-07", "2026-09"],
    });
    expect(claim).toEqual({
      claimed: ["2026-06", "2026-07"],
      pending: [],
      paid: ["2026-05"],
      missing: ["2026-09"],
    });
    const pendingDues = (await duesOf("BC", "ou_k")).filter((d) => d.status === "pending");
    expect(pendingDues.map((d) => d.month)).toEqual(["2026-06", "2026-07"]);
    expect(pendingDues[0]!.claimedAt).toEqual(JULY);
    expect(
      await claimPaid(models, clock, { branchId: "BC", openId: "ou_k", months: ["2026-06"] }),
    ).toMatchObject({
      claimed: [],
      pending: ["2026-06"],
    });
    expect((await monthStatus(models, "BC", "2026-06")).pendingCount).toBe(1);

    const paid = await recordPayment(models, clock, rules, {
      branchId: "BC",
      openId: "ou_k",
      from: "2026-06",
      to: "2026-07",
      amountFen: 10000,
      by: SEC,
    });
    expect(paid.months).toEqual(["2026-06", "2026-07"]);
    expect((await duesOf("BC", "ou_k")).map((d) => d.status)).toEqual(["paid", "paid", "paid"]);
  });
});

describe("monthStatus", () => {
  it("counts paid, pending and outstanding dues with names", async () => {
    await addMembers("BT", ["ou_1:甲", "ou_2:乙", "ou_3:丙", "ou_4:丁"]);
    await profile("BT", "ou_1", "2026-01", { baseFen: 500_000 }); // 5000
    await profile("BT", "ou_2", "2026-01", { baseFen: 500_000 }); // 5000
    await profile("BT", "ou_3", "2026-01", { baseFen: 1_200_000 }); // 24000
    await profile("BT", "ou_4", "2026-01", { category: "waived", reason: "困难" });
    await createMonthlyDues(models, clock, { month: "2026-07", branchId: "BT" });
    await recordPayment(models, clock, rules, {
      branchId: "BT",
      openId: "ou_1",
      from: "2026-07",
      to: "2026-07",
      by: SEC,
    });
    await claimPaid(models, clock, { branchId: "BT", openId: "ou_2", months: ["2026-07"] });

    const status = await monthStatus(models, "BT", "2026-07");
    expect(status).toMatchObject({
      month: "2026-07",
      paidCount: 2,
      pendingCount: 1,
      total: 4,
      collectedFen: 5000,
      outstandingFen: 29000,
    });
    expect(status.rows[0]).toMatchObject({ openId: "ou_3", name: "丙", amountFen: 24000, status: "unpaid" });
    expect(status.rows[1]).toMatchObject({ openId: "ou_2", name: "乙", status: "pending" });
    expect(
      status.rows
        .slice(2)
        .map((r) => r.openId)
        .sort(),
    ).toEqual(["ou_1", "ou_4"]);
    expect((await monthStatus(models, "BT", "2026-06")).total).toBe(0);
  });
});

describe("arrears", () => {
  it("counts consecutive unpaid months across a year boundary", async () => {
    const jan = fixedClock("2027-01-10T02:00:00Z");
    await addMembers("BA", ["ou_x:甲", "ou_y:乙", "ou_z:丙", "ou_left:丁"]);
    for (const id of ["ou_x", "ou_y", "ou_z", "ou_left"])
      await profile("BA", id, "2026-09", { baseFen: 500_000 });
    for (const month of monthsBetween("2026-09", "2027-01")) {
      await createMonthlyDues(models, jan, { month, branchId: "BA" });
    }
    const pay = (openId: string, from: string, to: string) =>
      recordPayment(models, jan, rules, { branchId: "BA", openId, from, to, by: SEC });
    await pay("ou_x", "2026-09", "2026-10"); // unpaid 11, 12, 01
    await pay("ou_y", "2026-10", "2026-10"); // unpaid 09, 11, 12 (pending), 01
    await claimPaid(models, jan, { branchId: "BA", openId: "ou_y", months: ["2026-12"] });
    await pay("ou_z", "2026-09", "2027-01");
    await db.models.Member.updateOne({ branchId: "BA", openId: "ou_left" }, { $set: { active: false } });

    const x = await unpaidMonths(models, "BA", "ou_x", "2027-01");
    expect(x).toEqual({
      months: ["2026-11", "2026-12", "2027-01"],
      pending: [],
      owedFen: 15000,
      consecutiveUnpaid: 3,
    });
    expect((await unpaidMonths(models, "BA", "ou_x", "2026-12")).consecutiveUnpaid).toBe(2);
    expect((await unpaidMonths(models, "BA", "ou_z", "2027-01")).consecutiveUnpaid).toBe(0);

    const levels = await arrearsLevels(models, "BA", "2027-01");
    expect(levels.map((r) => [r.openId, r.name, r.consecutive, r.months.length, r.owedFen])).toEqual([
      ["ou_y", "乙", 3, 4, 20000],
      ["ou_x", "甲", 3, 3, 15000],
    ]);
    expect(levels[0]!.pending).toEqual(["2026-12"]);
    // February has no dues yet: the run ends there.
    expect((await arrearsLevels(models, "BA", "2027-02")).map((r) => r.consecutive)).toEqual([0, 0]);
  });

  it("shows a member every open month of any year and the months paid ahead, as the reminder counts", async () => {
    const jan = fixedClock("2027-01-10T02:00:00Z");
    // ou_y owes 2026-09, 2026-11, 2026-12 (pending) and 2027-01; ou_x pays February and March ahead.
    await recordPayment(models, jan, rules, {
      branchId: "BA",
      openId: "ou_x",
      from: "2027-02",
      to: "2027-03",
      by: SEC,
      timeZone: "Asia/Shanghai",
    });
    const y = await memberDues(models, "BA", "ou_y", "2027-01");
    const arrears = (await arrearsLevels(models, "BA", "2027-01")).find((r) => r.openId === "ou_y")!;
    expect(y.owed).toEqual(["2026-09", "2026-11", "2026-12", "2027-01"]);
    expect(y.owedFen).toBe(arrears.owedFen);
    expect(y.owedFen).toBe(20000);
    expect(y.rows.map((r) => [r.month, r.status])).toEqual([
      ["2026-09", "unpaid"],
      ["2026-11", "unpaid"],
      ["2026-12", "pending"],
      ["2027-01", "unpaid"],
    ]);
    expect(y.paidAhead).toEqual([]);
    // The calendar year alone hides three of the four months.
    expect((await memberYear(models, "BA", "ou_y", 2027)).owedFen).toBe(5000);

    const x = await memberDues(models, "BA", "ou_x", "2027-01");
    expect(x.owed).toEqual(["2026-11", "2026-12", "2027-01"]);
    expect(x.owedFen).toBe(15000);
    expect(x.paidAhead).toEqual(["2027-02", "2027-03"]);
    expect(x.paidAheadFen).toBe(10000);
    expect(x.paidThisYearFen).toBe(10000);
    expect(x.rows.filter((r) => r.ahead).map((r) => r.month)).toEqual(["2027-02", "2027-03"]);
    // Paid months of the past year are not repeated once settled.
    expect(x.rows.map((r) => r.month)).not.toContain("2026-09");
  });
});
