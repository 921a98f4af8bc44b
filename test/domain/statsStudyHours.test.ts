import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePeriod } from "../../src/domain/period.js";
import { branchStats } from "../../src/domain/stats.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { seedMeetings, seedMembers, seedStudies } from "../helpers/factories.js";

const TZ = "Asia/Shanghai";
const B = "BH";
const NOW = new Date("2026-04-10T02:00:00Z");

let db: TestDb;
beforeAll(async () => {
  db = await openTestDb("statsStudyHours");
  await seedMembers(
    db.models,
    [
      { openId: "ou_a", name: "甲" },
      { openId: "ou_b", name: "乙" },
      { openId: "ou_c", name: "丙" },
    ],
    { branchId: B },
  );
  const meeting = (id: string, type: string, status: string, startAt: string) => ({
    _id: id,
    seq: Number(id.slice(2)),
    branchId: B,
    chatId: `oc_${B}`,
    type,
    title: id,
    startAt: new Date(startAt),
    durationMin: 100, // 1.5 学时
    status,
    createdBy: "ou_a",
    sourceKey: `om_hours_${id}`,
  });
  await seedMeetings(db.models, [
    meeting("MH1", "lecture", "closed", "2026-02-10T02:00:00Z"), // 党课: counts
    meeting("MH2", "theme-day", "scheduled", "2026-03-10T02:00:00Z"), // 主题党日, held not closed: counts
    meeting("MH3", "lecture", "cancelled", "2026-03-12T02:00:00Z"), // cancelled: no
    meeting("MH4", "committee", "closed", "2026-03-13T02:00:00Z"), // 支委会: not study
    meeting("MH5", "lecture", "closed", "2026-04-02T02:00:00Z"), // outside Q1
  ] as never);
  const checkIn = (meetingId: string, openId: string) => ({
    meetingId,
    branchId: B,
    openId,
    response: "attend",
    checkedInAt: new Date("2026-02-10T02:00:00Z"),
  });
  await db.models.Attendance.insertMany([
    checkIn("MH1", "ou_a"),
    checkIn("MH1", "ou_b"),
    checkIn("MH2", "ou_a"),
    checkIn("MH3", "ou_c"),
    checkIn("MH4", "ou_c"),
    checkIn("MH5", "ou_c"),
    { meetingId: "MH2", branchId: B, openId: "ou_b", response: "attend", checkedInAt: null }, // no check-in
  ]);
  await seedStudies(db.models, [
    {
      _id: "SH1",
      seq: 1,
      branchId: B,
      chatId: `oc_${B}`,
      title: "SH1",
      deadline: new Date("2026-03-20T15:59:59.999Z"),
      hours: 2,
      scope: "branch",
      createdBy: "ou_a",
      sourceKey: "om_hours_SH1",
    },
  ]);
  await db.models.StudyConfirmation.insertMany([
    { taskId: "SH1", branchId: B, openId: "ou_b", confirmedAt: NOW, late: false, hours: 2, year: 2026 },
  ]);
});
afterAll(async () => db.close());

describe("学时 in the statistics", () => {
  it("counts 党课 and 主题党日 check-ins as 集中学习 beside study tasks, per member lowest first", async () => {
    const stats = await branchStats(db.models, B, parsePeriod("2026-Q1", TZ)!, { timeZone: TZ, now: NOW });
    // 集中: a 1.5 + 1.5, b 1.5 → 4.5; 自学: b 2.
    expect(stats.studyHours).toMatchObject({ fromMeetings: 4.5, fromStudies: 2, total: 6.5, target: 32 });
    expect(stats.study.hoursTotal).toBe(2);
    expect(stats.studyHours.members).toEqual([
      { openId: "ou_c", name: "丙", fromMeetings: 0, fromStudies: 0, towardTarget: 0 },
      { openId: "ou_b", name: "乙", fromMeetings: 1.5, fromStudies: 2, towardTarget: 1.5 },
      { openId: "ou_a", name: "甲", fromMeetings: 3, fromStudies: 0, towardTarget: 3 },
    ]);
  });
});
