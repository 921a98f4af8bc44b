import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_REMINDER_OFFSETS } from "../../config/reminders.js";
import { respond } from "../../src/domain/attendance.js";
import { fixedClock } from "../../src/domain/clock.js";
import { createMeetingRemindersJob, dueReminder } from "../../src/jobs/meetingReminders.js";
import type { Meeting } from "../../src/db/models/meeting.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { jobDeps, meetingCreatedAt, mentioned, outboxItems, textOf, type TestClock } from "./helpers.js";
import { trusted } from "../../src/db/connection.js";
import { seedMembers } from "../helpers/factories.js";

// 2026-11-24 14:30 in Shanghai (UTC+8).
const START = new Date("2026-11-24T06:30:00Z");
const BRANCH_MEMBERS = ["ou_sec", "ou_com", "ou_a", "ou_b", "ou_c"];

let db: TestDb;
let clock: TestClock;
const job = createMeetingRemindersJob(DEFAULT_REMINDER_OFFSETS);

beforeAll(async () => {
  db = await openTestDb("job_reminders");
  clock = fixedClock("2026-11-22T00:00:00Z");
  await seedMembers(db.models, [
    { branchId: "B1", openId: "ou_sec", name: "王书记", role: "secretary" },
    { branchId: "B1", openId: "ou_com", name: "李委员", role: "committee" },
    { branchId: "B1", openId: "ou_a", name: "张三", role: "member" },
    { branchId: "B1", openId: "ou_b", name: "李四", role: "member" },
    { branchId: "B1", openId: "ou_c", name: "", role: "member" },
    { branchId: "B1", openId: "ou_gone", name: "赵六", role: "member", active: false },
    { branchId: "B2", openId: "ou_other", name: "外支部", role: "secretary" },
  ]);
});
afterAll(async () => db.close());

/** Runs the job at `at` (the clock's time is what the job uses). */
async function runAt(at: string): Promise<void> {
  clock.set(at);
  await job.run({ deps: jobDeps(db, clock), occurrence: clock.now() });
}

const remindersOf = (meeting: Meeting) =>
  outboxItems(db, { _id: trusted({ $regex: `^meeting:${meeting._id}:remind:` }) });

describe("meeting reminders", () => {
  it("sends T-24h and T-1h at the right local times, mentioning only who has not answered", async () => {
    const meeting = await meetingCreatedAt(db, "2026-11-22T06:30:00Z", {
      startAt: START,
      place: "三楼会议室",
    });

    await runAt("2026-11-23T06:29:00Z"); // 11月23日 14:29
    expect(await remindersOf(meeting)).toHaveLength(0);

    await runAt("2026-11-23T06:30:00Z"); // 11月23日 14:30: T-24h
    const [first, ...rest] = await remindersOf(meeting);
    expect(rest).toHaveLength(0);
    expect(first?._id).toBe(`meeting:${meeting._id}:remind:T-24h`);
    expect(first?.kind).toBe("message");
    expect(first?.status).toBe("pending");
    expect(first?.branchId).toBe("B1");
    expect(first?.target).toEqual({ chatId: "oc_b1" });
    const text = textOf(first!);
    expect(mentioned(text)).toEqual(BRANCH_MEMBERS);
    expect(text).toContain(
      `提醒：会议 ${meeting._id} 支部党员大会「十一月党员大会」将于 11月24日 14:30 开始（地点：三楼会议室），请在会议卡片上回复参加或请假。`,
    );

    await runAt("2026-11-23T06:31:00Z"); // the next minute: nothing new
    expect(await remindersOf(meeting)).toHaveLength(1);

    clock.set("2026-11-23T08:00:00Z");
    await respond(db.models, clock, { meetingId: meeting._id, openId: "ou_a", response: "attend" });
    await respond(db.models, clock, {
      meetingId: meeting._id,
      openId: "ou_b",
      response: "leave",
      reason: "出差",
    });

    await runAt("2026-11-24T05:29:00Z"); // 13:29
    expect(await remindersOf(meeting)).toHaveLength(1);

    await runAt("2026-11-24T05:30:00Z"); // 13:30: T-1h
    const items = await remindersOf(meeting);
    expect(items.map((i) => i._id)).toEqual([
      `meeting:${meeting._id}:remind:T-24h`,
      `meeting:${meeting._id}:remind:T-1h`,
    ]);
    expect(mentioned(textOf(items[1]!))).toEqual(["ou_sec", "ou_com", "ou_c"]);

    await runAt("2026-11-24T05:31:00Z");
    await runAt("2026-11-24T06:30:00Z"); // the start
    expect(await remindersOf(meeting)).toHaveLength(2);
  });

  it("gives a meeting created less than 24 hours ahead only the T-1h reminder", async () => {
    const meeting = await meetingCreatedAt(db, "2026-11-23T10:00:00Z", { startAt: START });
    await runAt("2026-11-23T10:01:00Z");
    await runAt("2026-11-24T05:29:00Z");
    expect(await remindersOf(meeting)).toHaveLength(0);
    await runAt("2026-11-24T05:30:00Z");
    expect((await remindersOf(meeting)).map((i) => i._id)).toEqual([`meeting:${meeting._id}:remind:T-1h`]);
  });

  it("after downtime sends a missed reminder while it is still the latest one, never after the start", async () => {
    const lateT24 = await meetingCreatedAt(db, "2026-11-20T00:00:00Z", { startAt: START });
    await runAt("2026-11-24T01:30:00Z"); // T-5h: the missed T-24h still goes out
    expect((await remindersOf(lateT24)).map((i) => i._id)).toEqual([`meeting:${lateT24._id}:remind:T-24h`]);

    const supersededT24 = await meetingCreatedAt(db, "2026-11-20T00:00:00Z", { startAt: START });
    await runAt("2026-11-24T06:00:00Z"); // T-30min: T-1h supersedes the missed T-24h
    expect((await remindersOf(supersededT24)).map((i) => i._id)).toEqual([
      `meeting:${supersededT24._id}:remind:T-1h`,
    ]);

    const missedBoth = await meetingCreatedAt(db, "2026-11-20T00:00:00Z", { startAt: START });
    await runAt("2026-11-24T06:35:00Z"); // after the start: nothing
    expect(await remindersOf(missedBoth)).toHaveLength(0);
  });

  it("sends nothing when everyone answered, and nothing for a cancelled meeting", async () => {
    const start = new Date("2026-11-27T06:30:00Z");
    const answered = await meetingCreatedAt(db, "2026-11-20T00:00:00Z", { startAt: start });
    const cancelled = await meetingCreatedAt(db, "2026-11-20T00:00:00Z", { startAt: start });
    clock.set("2026-11-21T00:00:00Z");
    for (const openId of BRANCH_MEMBERS) {
      await respond(db.models, clock, { meetingId: answered._id, openId, response: "attend" });
    }
    await db.models.Meeting.updateOne({ _id: cancelled._id }, { $set: { status: "cancelled" } });
    await runAt("2026-11-26T06:30:00Z");
    await runAt("2026-11-27T05:30:00Z");
    expect(await remindersOf(answered)).toHaveLength(0);
    expect(await remindersOf(cancelled)).toHaveLength(0);
  });

  it("mentions only the scope of a committee meeting", async () => {
    const meeting = await meetingCreatedAt(db, "2026-11-20T00:00:00Z", {
      startAt: new Date("2026-11-28T06:30:00Z"),
      type: "committee",
    });
    await runAt("2026-11-28T05:30:00Z");
    const [item] = await remindersOf(meeting);
    expect(mentioned(textOf(item!))).toEqual(["ou_sec", "ou_com"]);
    expect(textOf(item!)).not.toContain("地点");
  });
});

describe("dueReminder", () => {
  const offsets = [
    { label: "T-24h", minutes: 1440 },
    { label: "T-1h", minutes: 60 },
    { label: "T-10m", minutes: 10 },
  ];
  const meeting = { startAt: START, createdAt: new Date("2026-11-01T00:00:00Z") };
  const at = (iso: string) => dueReminder(meeting, offsets, new Date(iso))?.label ?? null;

  it("picks the offset whose window holds now", () => {
    expect(at("2026-11-23T06:29:59Z")).toBeNull();
    expect(at("2026-11-23T06:30:00Z")).toBe("T-24h");
    expect(at("2026-11-24T05:29:59Z")).toBe("T-24h");
    expect(at("2026-11-24T05:30:00Z")).toBe("T-1h");
    expect(at("2026-11-24T06:20:00Z")).toBe("T-10m");
    expect(at("2026-11-24T06:29:59Z")).toBe("T-10m");
    expect(at("2026-11-24T06:30:00Z")).toBeNull();
  });

  it("skips an offset whose due time came before the meeting existed", () => {
    const late = { startAt: START, createdAt: new Date("2026-11-24T06:00:00Z") };
    expect(dueReminder(late, offsets, new Date("2026-11-24T06:01:00Z"))).toBeNull();
    expect(dueReminder(late, offsets, new Date("2026-11-24T06:20:00Z"))?.label).toBe("T-10m");
  });
});
