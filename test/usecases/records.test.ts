import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AppDeps } from "../../src/deps.js";
import { fixedClock } from "../../src/domain/clock.js";
import { enqueueMessage } from "../../src/delivery/outbox.js";
import { cancelMeetingAndReminders, createAndAnnounceMeeting } from "../../src/usecases/meetings.js";
import { closeStudyAndReminders, createAndAnnounceStudy } from "../../src/usecases/studies.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { jobDeps, outboxItems } from "../jobs/helpers.js";

const BRANCH = { _id: "B1", chatId: "oc_b1" };

let db: TestDb;
let deps: AppDeps;

beforeAll(async () => {
  db = await openTestDb("usecases_records");
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  await Promise.all([
    db.models.Meeting.deleteMany({}),
    db.models.StudyTask.deleteMany({}),
    db.models.Outbox.deleteMany({}),
  ]);
  deps = jobDeps(db, fixedClock("2026-11-20T02:00:00Z"));
});

const meetingInput = (sourceKey: string) => ({
  type: "branch-assembly" as const,
  title: "十一月党员大会",
  startAt: new Date("2026-11-27T06:30:00Z"),
  createdBy: "ou_sec",
  sourceKey,
});

const studyInput = (sourceKey: string) => ({
  title: "学习党的二十届四中全会精神",
  deadlineDate: "2026-11-30",
  hours: 2,
  scope: "branch" as const,
  createdBy: "ou_sec",
  sourceKey,
});

/** A reminder of `prefix` waiting in the outbox, as the reminder jobs write them. */
const waitingReminder = (key: string) =>
  enqueueMessage(db.models, deps.clock, {
    key,
    branchId: BRANCH._id,
    target: { chatId: BRANCH.chatId },
    content: { text: "提醒" },
    description: key,
  });

const statusOf = async (key: string) => (await db.models.Outbox.findById(key).lean())?.status;

describe("meeting use-cases", () => {
  it("creates a meeting once per source message and queues its card once", async () => {
    const first = await createAndAnnounceMeeting(deps, BRANCH, meetingInput("msg:om_1"));
    const again = await createAndAnnounceMeeting(deps, BRANCH, meetingInput("msg:om_1"));
    expect(again._id).toBe(first._id);
    expect(first).toMatchObject({ branchId: "B1", chatId: "oc_b1", title: "十一月党员大会" });
    expect(await db.models.Meeting.countDocuments()).toBe(1);
    const items = await outboxItems(db);
    expect(items.map((i) => i._id)).toEqual([`meeting:${first._id}:card`]);
    expect(items[0]!.target).toEqual({ chatId: "oc_b1" });
  });

  it("cancels a meeting and withdraws only its own waiting reminders", async () => {
    const meeting = await createAndAnnounceMeeting(deps, BRANCH, meetingInput("msg:om_2"));
    const other = await createAndAnnounceMeeting(deps, BRANCH, meetingInput("form:om_3"));
    await waitingReminder(`meeting:${meeting._id}:remind:1440`);
    await waitingReminder(`meeting:${other._id}:remind:1440`);
    const cancelled = await cancelMeetingAndReminders(deps, meeting._id);
    expect(cancelled.status).toBe("cancelled");
    expect(await statusOf(`meeting:${meeting._id}:remind:1440`)).toBe("cancelled");
    expect(await statusOf(`meeting:${other._id}:remind:1440`)).toBe("pending");
  });
});

describe("study use-cases", () => {
  it("creates a study task once per source message and queues its card once", async () => {
    const first = await createAndAnnounceStudy(deps, BRANCH, studyInput("form:om_4"));
    const again = await createAndAnnounceStudy(deps, BRANCH, studyInput("form:om_4"));
    expect(again._id).toBe(first._id);
    expect(await db.models.StudyTask.countDocuments()).toBe(1);
    expect((await outboxItems(db)).map((i) => i._id)).toEqual([`study:${first._id}:card`]);
  });

  it("closes a study task and withdraws only its own waiting reminders", async () => {
    const study = await createAndAnnounceStudy(deps, BRANCH, studyInput("msg:om_5"));
    const other = await createAndAnnounceStudy(deps, BRANCH, studyInput("msg:om_6"));
    await waitingReminder(`study:${study._id}:remind:due`);
    await waitingReminder(`study:${other._id}:remind:due`);
    const closed = await closeStudyAndReminders(deps, study._id);
    expect(closed.status).toBe("closed");
    expect(await statusOf(`study:${study._id}:remind:due`)).toBe("cancelled");
    expect(await statusOf(`study:${other._id}:remind:due`)).toBe("pending");
  });
});
