import type { StudyScope } from "../../src/db/models/study.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDb, type TestDb } from "../helpers/db.js";
import {
  branchCompliance,
  compliancePeriodsDue,
  complianceFromMeetings,
  requiredCount,
  type ComplianceRow,
} from "../../src/domain/compliance.js";
import type { MeetingTypeId } from "../../src/domain/meetingTypes.js";
import { parsePeriod, type Period } from "../../src/domain/period.js";
import { branchStats } from "../../src/domain/stats.js";
import { seedMeetings, seedMembers, seedStudies } from "../helpers/factories.js";

const TZ = "Asia/Shanghai";
const period = (label: string): Period => parsePeriod(label, TZ)!;
/** A clock after every period the tests read: all of them have ended. */
const LATER = { now: new Date("2027-06-01T00:00:00Z"), timeZone: TZ };

let db: TestDb;
beforeAll(async () => {
  db = await openTestDb("stats");
});
afterAll(async () => db.close());

let seq = 0;
interface MeetingSpec {
  branchId: string;
  type: MeetingTypeId;
  startAt: string;
  status?: "scheduled" | "cancelled" | "closed";
  durationMin?: number;
  expected?: string[];
  present?: string[];
}
async function meeting(spec: MeetingSpec) {
  const n = ++seq;
  const status = spec.status ?? "closed";
  const expected = spec.expected ?? [];
  const present = spec.present ?? [];
  await seedMeetings(db.models, [
    {
      _id: `M${n}`,
      seq: n,
      branchId: spec.branchId,
      chatId: `oc_${spec.branchId}`,
      type: spec.type,
      title: `${spec.type} ${n}`,
      startAt: new Date(spec.startAt),
      durationMin: spec.durationMin ?? 90,
      status,
      createdBy: "ou_sec",
      sourceKey: `om_stats_${n}`,
      // A cancelled meeting normally has no record: give some anyway to prove it is ignored.
      record:
        status === "scheduled"
          ? null
          : {
              expected,
              present,
              leave: [],
              absent: expected.filter((id) => !present.includes(id)),
            },
    },
  ]);
}

const rowOf = (rows: { type: string }[], type: string) => rows.find((r) => r.type === type);

describe("requiredCount", () => {
  it("multiplies month requirements, counts whole quarters and years only", () => {
    const month = { per: "month", count: 1 } as const;
    const quarter = { per: "quarter", count: 1 } as const;
    const year = { per: "year", count: 1 } as const;
    expect(requiredCount(month, period("2026-03"))).toBe(1);
    expect(requiredCount(month, period("2026-Q2"))).toBe(3);
    expect(requiredCount(month, period("2026"))).toBe(12);
    expect(requiredCount({ per: "month", count: 2 }, period("2026-Q2"))).toBe(6);
    expect(requiredCount(quarter, period("2026-03"))).toBeNull();
    expect(requiredCount(quarter, period("2026-Q2"))).toBe(1);
    expect(requiredCount(quarter, period("2026"))).toBe(4);
    expect(requiredCount(year, period("2026-03"))).toBeNull();
    expect(requiredCount(year, period("2026-Q4"))).toBeNull();
    expect(requiredCount(year, period("2026"))).toBe(1);
    expect(requiredCount(null, period("2026"))).toBeNull();
  });

  it("rates met types over required types, 1 when none is required", () => {
    const held = [{ id: "M1", type: "committee", month: "2026-03", pending: false }];
    const c = complianceFromMeetings(held, period("2026-03"), LATER);
    expect(c.requiredTypes).toBe(3); // 支委会, 党小组会, 主题党日
    expect(c.metTypes).toBe(1);
    expect(c.rate).toBeCloseTo(1 / 3);
    const other = c.rows.find((r) => r.type === "other")!;
    expect(other).toMatchObject({ required: null, met: null });
    const none = complianceFromMeetings([], { kind: "month", label: "-", months: [] }, LATER);
    expect(none).toMatchObject({ requiredTypes: 0, metTypes: 0, rate: 1 });
  });
});

describe("branchCompliance", () => {
  const B = "BC";
  beforeAll(async () => {
    // 2026-04-01 00:30 in Shanghai: April, not March.
    await meeting({ branchId: B, type: "committee", startAt: "2026-03-31T16:30:00Z" });
    // 2026-03-31 23:30 to 01:30 the next day: counts in March, by its start.
    await meeting({ branchId: B, type: "group", startAt: "2026-03-31T15:30:00Z", durationMin: 120 });
    await meeting({ branchId: B, type: "theme-day", startAt: "2026-03-10T02:00:00Z", status: "cancelled" });
    await meeting({ branchId: B, type: "theme-day", startAt: "2026-03-12T02:00:00Z", status: "scheduled" });
    // 2026-02-28 23:59 local: February.
    await meeting({ branchId: B, type: "theme-day", startAt: "2026-02-28T15:59:00Z" });
    // 2026-05-01 00:00 local exactly: May (the end is exclusive).
    await meeting({ branchId: B, type: "group", startAt: "2026-04-30T16:00:00Z" });
    // Another branch's meeting never counts.
    await meeting({ branchId: "OTHER", type: "committee", startAt: "2026-03-05T02:00:00Z" });
  });

  it("counts closed meetings by their local start month", async () => {
    const march = await branchCompliance(db.models, B, period("2026-03"), LATER);
    expect(rowOf(march.rows, "committee")).toMatchObject({ held: 0, required: 1, met: false });
    expect(rowOf(march.rows, "group")).toMatchObject({ held: 1, required: 1, met: true });
    const april = await branchCompliance(db.models, B, period("2026-04"), LATER);
    expect(rowOf(april.rows, "committee")).toMatchObject({ held: 1, met: true });
    expect(rowOf(april.rows, "group")).toMatchObject({ held: 0, met: false });
    const feb = await branchCompliance(db.models, B, period("2026-02"), LATER);
    expect(rowOf(feb.rows, "theme-day")).toMatchObject({ held: 1, met: true });
  });

  it("ignores cancelled meetings and scheduled ones not yet started", async () => {
    const before = { now: new Date("2026-03-12T01:00:00Z"), timeZone: TZ };
    const march = await branchCompliance(db.models, B, period("2026-03"), before);
    expect(rowOf(march.rows, "theme-day")).toMatchObject({ held: 0, required: 1, met: false });
    expect(march).toMatchObject({ requiredTypes: 3, metTypes: 1 });
    expect(march.rate).toBeCloseTo(1 / 3);
  });

  it("lists every type with quarter and year requirements null in a month", async () => {
    const march = await branchCompliance(db.models, B, period("2026-03"), LATER);
    expect(march.rows.map((r) => r.type)).toEqual([
      "branch-assembly",
      "committee",
      "group",
      "lecture",
      "theme-day",
      "life-meeting",
      "other",
    ]);
    expect(rowOf(march.rows, "branch-assembly")).toMatchObject({ required: null, met: null });
    expect(rowOf(march.rows, "life-meeting")).toMatchObject({ required: null, met: null });
  });

  it("applies quarter and year requirements", async () => {
    const Q = "BQ";
    for (const month of ["01", "02", "03"]) {
      await meeting({ branchId: Q, type: "committee", startAt: `2026-${month}-10T02:00:00Z` });
      await meeting({ branchId: Q, type: "theme-day", startAt: `2026-${month}-11T02:00:00Z` });
    }
    await meeting({ branchId: Q, type: "group", startAt: "2026-01-12T02:00:00Z" });
    await meeting({ branchId: Q, type: "group", startAt: "2026-02-12T02:00:00Z" });
    await meeting({ branchId: Q, type: "branch-assembly", startAt: "2026-03-20T02:00:00Z" });
    await meeting({ branchId: Q, type: "life-meeting", startAt: "2026-01-20T02:00:00Z" });

    const q1 = await branchCompliance(db.models, Q, period("2026-Q1"), LATER);
    expect(rowOf(q1.rows, "committee")).toMatchObject({ required: 3, held: 3, met: true });
    expect(rowOf(q1.rows, "group")).toMatchObject({ required: 3, held: 2, met: false });
    expect(rowOf(q1.rows, "branch-assembly")).toMatchObject({ required: 1, held: 1, met: true });
    expect(rowOf(q1.rows, "lecture")).toMatchObject({ required: 1, held: 0, met: false });
    expect(rowOf(q1.rows, "life-meeting")).toMatchObject({ required: null, held: 1, met: null });
    expect(q1).toMatchObject({ requiredTypes: 5, metTypes: 3, rate: 3 / 5 });

    const year = await branchCompliance(db.models, Q, period("2026"), LATER);
    expect(rowOf(year.rows, "committee")).toMatchObject({ required: 12, held: 3, met: false });
    expect(rowOf(year.rows, "branch-assembly")).toMatchObject({ required: 4, held: 1, met: false });
    expect(rowOf(year.rows, "life-meeting")).toMatchObject({ required: 1, held: 1, met: true });
    expect(year).toMatchObject({ requiredTypes: 6, metTypes: 1 });
  });

  it("checks a monthly rule month by month: three 支委会 in January do not cover February and March", async () => {
    const M = "BMONTHS";
    for (const day of ["05", "08", "20"])
      await meeting({ branchId: M, type: "committee", startAt: `2026-01-${day}T02:00:00Z` });
    const q1 = await branchCompliance(db.models, M, period("2026-Q1"), LATER);
    const committee = rowOf(q1.rows, "committee") as ComplianceRow;
    expect(committee).toMatchObject({ required: 3, held: 3, met: false });
    expect(committee.units!.map((u) => [u.label, u.held, u.state])).toEqual([
      ["2026-01", 3, "met"],
      ["2026-02", 0, "missed"],
      ["2026-03", 0, "missed"],
    ]);
    // A quarterly rule in a year: per quarter.
    await meeting({ branchId: M, type: "lecture", startAt: "2026-02-10T02:00:00Z" });
    await meeting({ branchId: M, type: "lecture", startAt: "2026-03-10T02:00:00Z" });
    const year = await branchCompliance(db.models, M, period("2026"), LATER);
    const lecture = rowOf(year.rows, "lecture") as ComplianceRow;
    expect(lecture).toMatchObject({ required: 4, held: 2, met: false });
    expect(lecture.units!.map((u) => [u.label, u.state])).toEqual([
      ["2026-Q1", "met"],
      ["2026-Q2", "missed"],
      ["2026-Q3", "missed"],
      ["2026-Q4", "missed"],
    ]);
  });

  it("in a period half through, what is not yet due is open, not missed", async () => {
    const H = "BHALF";
    for (const month of ["01", "02", "03"])
      await meeting({ branchId: H, type: "committee", startAt: `2026-${month}-10T02:00:00Z` });
    const mid = { now: new Date("2026-04-15T02:00:00Z"), timeZone: TZ };
    const april = await branchCompliance(db.models, H, period("2026-04"), mid);
    expect(rowOf(april.rows, "committee")).toMatchObject({ held: 0, met: false });
    expect((rowOf(april.rows, "committee") as ComplianceRow).units![0]!.state).toBe("open");
    expect(april.overdueTypes).toBe(0);
    const year = await branchCompliance(db.models, H, period("2026"), mid);
    const committee = rowOf(year.rows, "committee") as ComplianceRow;
    expect(committee.units!.filter((u) => u.state === "met")).toHaveLength(3);
    expect(committee.units!.filter((u) => u.state === "open")).toHaveLength(9);
    expect(committee.units!.filter((u) => u.state === "missed")).toHaveLength(0);
    // 党小组会 and 主题党日 were missed in January to March: those are overdue.
    expect(rowOf(year.rows, "group")!).toMatchObject({ met: false });
    expect(year.overdueTypes).toBe(4); // 党小组会, 主题党日; 支部党员大会 and 党课 in Q1
  });

  it("counts a meeting held but not closed by its start, and names it", async () => {
    const P = "BPEND";
    await meeting({ branchId: P, type: "lecture", startAt: "2026-05-10T02:00:00Z", status: "scheduled" });
    const id = `M${seq}`;
    await meeting({ branchId: P, type: "lecture", startAt: "2026-05-20T02:00:00Z", status: "cancelled" });
    const after = { now: new Date("2026-05-11T02:00:00Z"), timeZone: TZ };
    const q2 = await branchCompliance(db.models, P, period("2026-Q2"), after);
    expect(rowOf(q2.rows, "lecture")).toMatchObject({ held: 1, met: true, pending: [id] });
    const before = { now: new Date("2026-05-10T01:00:00Z"), timeZone: TZ };
    const early = await branchCompliance(db.models, P, period("2026-Q2"), before);
    expect(rowOf(early.rows, "lecture")).toMatchObject({ held: 0, met: false, pending: [] });
  });
});

describe("branchStats", () => {
  const B = "BS";
  let seqOf6 = 0;
  const Q2 = () => period("2026-Q2");
  beforeAll(async () => {
    await seedMembers(db.models, [
      { branchId: B, openId: "ou_a", name: "王书记", role: "secretary", partyGroup: "一组" },
      { branchId: B, openId: "ou_b", name: "李委员", role: "committee", partyGroup: "二组" },
      { branchId: B, openId: "ou_c", name: "陈三", role: "member", partyGroup: "一组" },
      { branchId: B, openId: "ou_d", name: "丁四", role: "member", partyGroup: "二组" },
      { branchId: B, openId: "ou_e", name: "赵六", role: "member", partyGroup: "一组", active: false },
      { branchId: "BX", openId: "ou_x", name: "外支部", role: "member", partyGroup: "一组" },
    ]);
    const all = ["ou_a", "ou_b", "ou_c", "ou_d", "ou_e"];
    await meeting({
      branchId: B,
      type: "branch-assembly",
      startAt: "2026-04-10T02:00:00Z",
      expected: all,
      present: ["ou_a", "ou_b", "ou_c", "ou_d"],
    });
    await meeting({
      branchId: B,
      type: "branch-assembly",
      startAt: "2026-04-30T16:00:00Z", // 2026-05-01 00:00 local: May
      expected: ["ou_a", "ou_b", "ou_c", "ou_d"],
      present: ["ou_a", "ou_b"],
    });
    // 2026-04-01 00:30 local: April.
    await meeting({
      branchId: B,
      type: "committee",
      startAt: "2026-03-31T16:30:00Z",
      expected: ["ou_a", "ou_b"],
      present: ["ou_a"],
    });
    await meeting({
      branchId: B,
      type: "committee",
      startAt: "2026-05-20T02:00:00Z",
      status: "cancelled",
      expected: all,
      present: [],
    });
    await meeting({ branchId: B, type: "committee", startAt: "2026-06-20T02:00:00Z", status: "scheduled" });
    seqOf6 = seq;
    // Outside the quarter (2026-03-31 23:30 local) and another branch.
    await meeting({
      branchId: B,
      type: "committee",
      startAt: "2026-03-31T15:30:00Z",
      expected: all,
      present: [],
    });
    await meeting({
      branchId: "BX",
      type: "committee",
      startAt: "2026-04-10T02:00:00Z",
      expected: ["ou_x"],
      present: [],
    });

    const task = (
      id: string,
      deadline: string,
      scope: StudyScope,
      partyGroup: string | null = null,
      branchId = B,
    ) => ({
      _id: id,
      seq: Number(id.slice(2)),
      branchId,
      chatId: `oc_${branchId}`,
      title: id,
      deadline: new Date(deadline),
      hours: 2,
      scope,
      partyGroup,
      createdBy: "ou_a",
      sourceKey: `om_study_${id}`,
    });
    await seedStudies(db.models, [
      task("ST1", "2026-04-30T15:59:59.999Z", "branch"), // scope: 4 active members
      { ...task("ST2", "2026-06-30T15:59:59.999Z", "committee"), status: "closed" }, // scope 2
      task("ST3", "2026-05-15T15:59:59.999Z", "group", "一组"), // scope: a, c
      task("ST4", "2026-06-30T16:00:00.000Z", "branch"), // July 1 local: outside
      task("ST5", "2026-05-15T15:59:59.999Z", "branch", null, "BX"),
    ]);
    const confirmation = (taskId: string, openId: string, hours: number, branchId = B) => ({
      taskId,
      branchId,
      openId,
      confirmedAt: new Date("2026-04-20T02:00:00Z"),
      late: false,
      hours,
      year: 2026,
    });
    await db.models.StudyConfirmation.insertMany([
      confirmation("ST1", "ou_a", 2),
      confirmation("ST1", "ou_b", 2),
      confirmation("ST2", "ou_a", 1),
      confirmation("ST4", "ou_c", 2),
      confirmation("ST5", "ou_x", 2, "BX"),
    ]);

    const due = (
      month: string,
      openId: string,
      amountFen: number,
      status: string,
      paidFen: number | null = null,
      branchId = B,
    ) => ({
      branchId,
      openId,
      month,
      amountFen,
      status,
      paidFen,
    });
    await db.models.Due.insertMany([
      due("2026-04", "ou_a", 500, "paid", 500),
      due("2026-04", "ou_b", 300, "pending"),
      due("2026-04", "ou_c", 300, "unpaid"),
      due("2026-04", "ou_d", 0, "paid", 0),
      due("2026-05", "ou_a", 500, "paid", 500),
      due("2026-03", "ou_b", 300, "unpaid"), // outside
      due("2026-04", "ou_x", 300, "unpaid", null, "BX"),
    ]);
  });

  it("computes participation per type from closed meetings' records", async () => {
    // Before the scheduled 支委会 of 20 June starts.
    const stats = await branchStats(db.models, B, Q2(), {
      timeZone: TZ,
      now: new Date("2026-06-01T00:00:00Z"),
    });
    expect(stats.participationByType).toEqual([
      { type: "branch-assembly", zh: "支部党员大会", meetings: 2, expected: 9, present: 6, rate: 6 / 9 },
      { type: "committee", zh: "支委会", meetings: 1, expected: 2, present: 1, rate: 0.5 },
    ]);
    expect(rowOf(stats.compliance.rows, "committee")).toMatchObject({ required: 3, held: 1, met: false });
    expect(rowOf(stats.compliance.rows, "branch-assembly")).toMatchObject({
      required: 1,
      held: 2,
      met: true,
    });
    // Once it has started it counts (held, not yet closed), though it has no record for participation.
    const later = await branchStats(db.models, B, Q2(), {
      timeZone: TZ,
      now: new Date("2026-07-01T00:00:00Z"),
    });
    expect(rowOf(later.compliance.rows, "committee")).toMatchObject({ held: 2, pending: [`M${seqOf6}`] });
    expect(later.participationByType).toEqual(stats.participationByType);
  });

  it("splits participation by local month, empty months included", async () => {
    const stats = await branchStats(db.models, B, Q2(), { timeZone: TZ });
    expect(stats.participationByMonth).toEqual([
      { month: "2026-04", meetings: 2, expected: 7, present: 5, rate: 5 / 7 },
      { month: "2026-05", meetings: 1, expected: 4, present: 2, rate: 0.5 },
      { month: "2026-06", meetings: 0, expected: 0, present: 0, rate: 0 },
    ]);
  });

  it("lists members lowest rate first, left members included", async () => {
    const stats = await branchStats(db.models, B, Q2(), { timeZone: TZ });
    expect(stats.participationByMember).toEqual([
      { openId: "ou_e", name: "赵六", expected: 1, present: 0, rate: 0 },
      { openId: "ou_c", name: "陈三", expected: 2, present: 1, rate: 0.5 },
      { openId: "ou_d", name: "丁四", expected: 2, present: 1, rate: 0.5 },
      { openId: "ou_b", name: "李委员", expected: 3, present: 2, rate: 2 / 3 },
      { openId: "ou_a", name: "王书记", expected: 3, present: 3, rate: 1 },
    ]);
  });

  it("counts study tasks due in the period against their scopes", async () => {
    const stats = await branchStats(db.models, B, Q2(), { timeZone: TZ });
    // ST1 branch: 4 active; ST2 committee: 2; ST3 一组: a and c → 8 expected.
    expect(stats.study).toEqual({
      tasks: 3,
      expected: 8,
      confirmed: 3,
      completionRate: 3 / 8,
      hoursTotal: 5,
      members: 2,
    });
  });

  it("sums dues of the period's months", async () => {
    const stats = await branchStats(db.models, B, Q2(), { timeZone: TZ });
    expect(stats.dues).toMatchObject({
      total: 5,
      paid: 3,
      rate: 0.6,
      collectedFen: 1000,
      outstandingFen: 600,
    });
    // Heads: a, b, c owe above zero (a paid all, b pending, c unpaid); d is 免交, apart.
    expect(stats.dues.members).toEqual({ due: 3, paid: 1, owing: 2, waived: 1, rate: 1 / 3 });
    expect(stats.dues.months).toEqual([
      { month: "2026-04", total: 4, paid: 2, rate: 0.5, collectedFen: 500, outstandingFen: 600 },
      { month: "2026-05", total: 1, paid: 1, rate: 1, collectedFen: 500, outstandingFen: 0 },
      { month: "2026-06", total: 0, paid: 0, rate: 0, collectedFen: 0, outstandingFen: 0 },
    ]);
  });

  it("gives zeros for a period with nothing", async () => {
    const stats = await branchStats(db.models, B, period("2027-01"), { timeZone: TZ });
    expect(stats.participationByType).toEqual([]);
    expect(stats.participationByMember).toEqual([]);
    expect(stats.participationByMonth).toEqual([
      { month: "2027-01", meetings: 0, expected: 0, present: 0, rate: 0 },
    ]);
    expect(stats.study).toMatchObject({ tasks: 0, expected: 0, completionRate: 0 });
    expect(stats.dues).toMatchObject({ total: 0, rate: 0 });
    expect(stats.dues.members).toEqual({ due: 0, paid: 0, owing: 0, waived: 0, rate: null });
    expect(stats.compliance).toMatchObject({ requiredTypes: 3, metTypes: 0, rate: 0 });
  });
});

describe("compliancePeriodsDue", () => {
  const labels = (periods: Period[]) => periods.map((p) => p.label);

  it("warns on the two-thirds day of a month, quarter and year", () => {
    // 30-day April: two thirds elapsed at the start of the 21st.
    expect(labels(compliancePeriodsDue(new Date("2026-04-21T01:00:00Z"), TZ).warn)).toEqual(["2026-04"]);
    expect(labels(compliancePeriodsDue(new Date("2026-04-20T15:59:00Z"), TZ).warn)).toEqual([]);
    expect(labels(compliancePeriodsDue(new Date("2026-04-20T16:00:00Z"), TZ).warn)).toEqual(["2026-04"]);
    // 31-day March: the 22nd; Q1 (90 days): 2 March.
    expect(labels(compliancePeriodsDue(new Date("2026-03-22T01:00:00Z"), TZ).warn)).toEqual(["2026-03"]);
    expect(labels(compliancePeriodsDue(new Date("2026-03-02T01:00:00Z"), TZ).warn)).toEqual(["2026-Q1"]);
  });

  it("reports what ended at the start of the local day", () => {
    // 2026-04-01 00:30 local.
    expect(labels(compliancePeriodsDue(new Date("2026-03-31T16:30:00Z"), TZ).ended)).toEqual([
      "2026-03",
      "2026-Q1",
    ]);
    // 2026-03-31 23:30 local: nothing yet.
    expect(compliancePeriodsDue(new Date("2026-03-31T15:30:00Z"), TZ).ended).toEqual([]);
    const newYear = compliancePeriodsDue(new Date("2026-01-01T09:00:00+08:00"), TZ);
    expect(labels(newYear.ended)).toEqual(["2025-12", "2025-Q4", "2025"]);
    expect(newYear.ended[2]!.end).toEqual(new Date("2025-12-31T16:00:00Z"));
  });

  it("returns each period exactly once over a year of daily runs", () => {
    const warned: string[] = [];
    const ended: string[] = [];
    for (let day = 0; day < 365; day++) {
      const now = new Date(Date.UTC(2026, 0, 1, 1) + day * 86_400_000); // 09:00 local
      const due = compliancePeriodsDue(now, TZ);
      warned.push(...labels(due.warn));
      ended.push(...labels(due.ended));
    }
    const months = Array.from({ length: 12 }, (_, i) => `2026-${String(i + 1).padStart(2, "0")}`);
    expect(warned.sort()).toEqual([...months, "2026", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"].sort());
    expect(ended.sort()).toEqual(
      ["2025", "2025-12", "2025-Q4", ...months.slice(0, 11), "2026-Q1", "2026-Q2", "2026-Q3"].sort(),
    );
  });
});
