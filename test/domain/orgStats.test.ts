import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { MeetingTypeId } from "../../src/domain/meetingTypes.js";
import { orgStats, orgTrend } from "../../src/domain/orgStats.js";
import { parsePeriod, type Period } from "../../src/domain/period.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { seedBranches, seedMeetings, seedMembers, seedStudies } from "../helpers/factories.js";

const TZ = "Asia/Shanghai";
const period = (label: string): Period => parsePeriod(label, TZ)!;
/** After Q1 2026: every month of it has ended. */
const AFTER_Q1 = { now: new Date("2026-04-15T02:00:00Z"), timeZone: TZ };

let db: TestDb;
let seq = 0;

async function meeting(
  branchId: string,
  type: MeetingTypeId,
  startAt: string,
  opts: { status?: "closed" | "scheduled" | "cancelled"; expected?: string[]; present?: string[] } = {},
) {
  const n = ++seq;
  const status = opts.status ?? "closed";
  const expected = opts.expected ?? ["a", "b"];
  const present = opts.present ?? ["a", "b"];
  await seedMeetings(db.models, [
    {
      _id: `OM${n}`,
      seq: 1000 + n,
      branchId,
      type,
      title: `${type} ${n}`,
      startAt: new Date(startAt),
      durationMin: 120,
      status,
      record: status === "closed" ? { expected, present, leave: [], absent: [] } : null,
    },
  ]);
  return `OM${n}`;
}

const branch = (id: string, seqNo: number, orgId: string) => ({
  _id: id,
  seq: seqNo,
  name: `${id}支部`,
  chatId: `oc_${id}`,
  orgId,
  createdBy: "ou_sec",
});
const MONTHLY: MeetingTypeId[] = ["committee", "group", "theme-day"];
const day = (month: string) => `2026-${month}-10T02:00:00Z`;

beforeAll(async () => {
  db = await openTestDb("orgstats");
  await seedBranches(db.models, [branch("R1", 1, "P1"), branch("R2", 2, "P1"), branch("R3", 3, "P1")]);
  // Each branch holds Q1's 支部党员大会 and 党课 (quarterly rules) in January; R1 its 党课 later.
  for (const id of ["R1", "R2", "R3"]) await meeting(id, "branch-assembly", day("01"));
  for (const id of ["R2", "R3"]) await meeting(id, "lecture", day("01"));
  // R1 meets every monthly rule in each month of Q1, with a 党课 in February.
  for (const month of ["01", "02", "03"]) for (const type of MONTHLY) await meeting("R1", type, day(month));
  const lecture = await meeting("R1", "lecture", day("02"));
  // R2: three 支委会 on 8 January and none after; the other rules met every month; lower attendance.
  for (let i = 0; i < 3; i++) await meeting("R2", "committee", "2026-01-08T02:00:00Z", { present: ["a"] });
  for (const month of ["01", "02", "03"])
    for (const type of ["group", "theme-day"] as const)
      await meeting("R2", type, day(month), { present: ["a"] });
  // R3: everything met, the March 主题党日 held but not closed yet; a cancelled one never counts.
  for (const month of ["01", "02", "03"]) {
    for (const type of ["committee", "group"] as const) await meeting("R3", type, day(month));
    await meeting("R3", "theme-day", day(month), { status: month === "03" ? "scheduled" : "closed" });
  }
  await meeting("R3", "branch-assembly", day("03"), { status: "cancelled" });

  await seedMembers(db.models, [
    { branchId: "R1", openId: "a", status: "full" },
    { branchId: "R1", openId: "b" }, // no status: a 正式党员 from before statuses existed
    { branchId: "R1", openId: "c", status: "probationary" },
    { branchId: "R1", openId: "d", status: "activist" },
    { branchId: "R1", openId: "gone", status: "full", active: false },
  ]);
  // 集中学习: two check-ins at R1's 党课 of 120 minutes → 2 h each.
  await db.models.Attendance.insertMany([
    { meetingId: lecture, branchId: "R1", openId: "a", checkedInAt: new Date(day("02")) },
    { meetingId: lecture, branchId: "R1", openId: "b", checkedInAt: new Date(day("02")) },
    { meetingId: lecture, branchId: "R1", openId: "c", response: "leave" },
  ]);
  // Study: a closed task frozen to a, b, c with one confirmation; an open one not judged yet.
  await seedStudies(db.models, [
    {
      _id: "OS1",
      seq: 901,
      branchId: "R1",
      deadline: new Date(day("03")),
      status: "closed",
      expected: ["a", "b", "c"],
    },
    { _id: "OS2", seq: 902, branchId: "R1", deadline: new Date("2026-03-31T15:00:00Z") },
  ]);
  const confirmation = (taskId: string, openId: string) => ({
    taskId,
    branchId: "R1",
    openId,
    confirmedAt: new Date(day("03")),
    hours: 2,
    year: 2026,
    late: false,
  });
  await db.models.StudyConfirmation.insertMany([confirmation("OS1", "a"), confirmation("OS2", "a")]);
  await db.models.Due.insertMany([
    { branchId: "R1", openId: "a", month: "2026-01", amountFen: 100, status: "paid", paidFen: 100 },
    { branchId: "R1", openId: "b", month: "2026-01", amountFen: 100, status: "unpaid" },
    { branchId: "R1", openId: "c", month: "2026-01", amountFen: 0, status: "paid", paidFen: 0 },
  ]);
});
afterAll(async () => db.close());

describe("orgStats", () => {
  it("sorts the branch that missed February and March first and names the months", async () => {
    const rows = await orgStats(db.models, { orgId: "P1" }, period("2026-Q1"), AFTER_Q1);
    expect(rows[0]).toMatchObject({
      branchId: "R2",
      metTypes: 4,
      requiredTypes: 5,
      overdueTypes: 1,
      heldByType: [
        { type: "branch-assembly", zh: "支部党员大会", held: 1 },
        { type: "committee", zh: "支委会", held: 3 },
        { type: "group", zh: "党小组会", held: 3 },
        { type: "lecture", zh: "党课", held: 1 },
        { type: "theme-day", zh: "主题党日", held: 3 },
      ],
    });
    expect(rows[0]!.attention[0]).toEqual({ kind: "missed", zh: "支委会", units: ["2026-02", "2026-03"] });
    expect(rows[0]!.months.map((m) => m.met)).toEqual([true, false, false]);
    // 9 meetings with 1 of 2 present, the 大会 and 党课 with both: 13/22.
    expect(rows[0]!.participationRate).toBeCloseTo(13 / 22);
    expect(rows[0]!.attention).toContainEqual({ kind: "participation", rate: 13 / 22 });
  });

  it("counts a held-but-not-closed meeting by its start and asks for its closing", async () => {
    const rows = await orgStats(db.models, { orgId: "P1" }, period("2026-Q1"), AFTER_Q1);
    const r3 = rows.find((r) => r.branchId === "R3")!;
    expect(r3).toMatchObject({ metTypes: 5, overdueTypes: 0, pending: 1, meetings: 10 });
    expect(r3.attention).toEqual([{ kind: "pending", count: 1 }]);
    expect(rows.map((r) => r.branchId)).toEqual(["R2", "R3", "R1"]);
  });

  it("gives head-counts for dues with 免交 apart, — where nothing is due, members by status", async () => {
    const rows = await orgStats(db.models, { orgId: "P1" }, period("2026-Q1"), AFTER_Q1);
    const r1 = rows.find((r) => r.branchId === "R1")!;
    expect(r1.dues).toEqual({ due: 2, paid: 1, owing: 1, waived: 1, rate: 0.5 });
    expect(r1.attention).toContainEqual({ kind: "dues", owing: 1 });
    expect(rows.find((r) => r.branchId === "R2")!.duesRate).toBeNull();
    expect(r1.members).toEqual({ full: 2, probationary: 1, activist: 1 });
    expect(r1.partyMembers).toBe(3);
  });

  it("judges study on frozen tasks only and credits 学时 from 党课 check-ins and confirmations", async () => {
    const rows = await orgStats(db.models, { orgId: "P1" }, period("2026-Q1"), AFTER_Q1);
    const r1 = rows.find((r) => r.branchId === "R1")!;
    expect(r1.study).toEqual({ tasks: 1, expected: 3, confirmed: 1, rate: 1 / 3 });
    expect(r1.attention).toContainEqual({ kind: "study", rate: 1 / 3 });
    // 集中: 2 check-ins × 2 h; 自学: 2 confirmations × 2 h; per 正式/预备 member on the roll (3).
    expect(r1.studyHours).toEqual({ fromMeetings: 4, fromStudies: 4, perMember: 8 / 3 });
  });

  it("shows a current period half through as on schedule: months to come are open, not missed", async () => {
    const rows = await orgStats(db.models, { orgId: "P1" }, period("2026"), {
      now: new Date("2026-02-15T02:00:00Z"),
      timeZone: TZ,
    });
    const r1 = rows.find((r) => r.branchId === "R1")!;
    expect(r1.overdueTypes).toBe(0);
    expect(r1.attention.filter((a) => a.kind === "missed")).toEqual([]);
    // Held so far: met; April onwards: not due yet (open), neither met nor missed.
    expect(r1.months.slice(0, 4).map((m) => m.met)).toEqual([true, true, true, null]);
    // R2's January is met; February not over yet: nothing missed so far.
    expect(rows.find((r) => r.branchId === "R2")!.overdueTypes).toBe(0);
  });

  it("trends the months across branches", async () => {
    const rows = await orgStats(db.models, { orgId: "P1" }, period("2026-Q1"), AFTER_Q1);
    expect(orgTrend(rows, period("2026-Q1")).map(({ judged, met }) => ({ judged, met }))).toEqual([
      { judged: 3, met: 3 },
      { judged: 3, met: 2 },
      { judged: 3, met: 2 },
    ]);
  });

  it("gives each branch its 支部体检 findings and 发展党员 pipeline as of now", async () => {
    await seedBranches(db.models, [branch("H1", 91, "PH")]);
    await seedMembers(db.models, [
      { branchId: "H1", openId: "h_full", status: "full" },
      { branchId: "H1", openId: "h_app", status: "applicant" },
      { branchId: "H1", openId: "h_act", status: "activist" },
    ]);
    // The activist's half-yearly 考察 was due by 2025-12-01: one step overdue on 2026-04-15.
    await db.models.Development.create({
      branchId: "H1",
      openId: "h_act",
      rev: 1,
      steps: [
        {
          id: "s1",
          step: "application",
          date: new Date("2025-01-05T00:00:00+08:00"),
          by: "ou_sec",
          at: new Date(),
        },
        {
          id: "s2",
          step: "activist",
          date: new Date("2025-06-01T00:00:00+08:00"),
          by: "ou_sec",
          at: new Date(),
          contacts: ["h_full"],
        },
      ],
    });
    const [row] = await orgStats(db.models, { orgId: "PH" }, period("2026"), AFTER_Q1);
    // One 正式党员: fewer than 3.
    expect(row!.health).toEqual({ findings: 1 });
    expect(row!.development).toEqual({ stages: { applicant: 1, activist: 1 }, overdue: 1 });
  });

  it("uses a fixed number of queries whatever the number of branches", async () => {
    const models = [
      db.models.Branch,
      db.models.Meeting,
      db.models.Due,
      db.models.Member,
      db.models.StudyTask,
    ];
    const spies = [
      vi.spyOn(db.models.Branch, "find"),
      ...models.slice(1).map((m) => vi.spyOn(m, "aggregate")),
      vi.spyOn(db.models.StudyConfirmation, "aggregate"),
      vi.spyOn(db.models.Attendance, "aggregate"),
      vi.spyOn(db.models.Development, "aggregate"),
    ];
    try {
      await orgStats(db.models, { orgId: null }, period("2026"), AFTER_Q1);
      // Meetings, dues and members once more each for 支部体检, members and records for 发展党员.
      expect(spies.map((s) => s.mock.calls.length)).toEqual([1, 3, 2, 3, 1, 1, 1, 1]);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});
