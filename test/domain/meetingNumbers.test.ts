import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trusted } from "../../src/db/connection.js";
import { fixedClock } from "../../src/domain/clock.js";
import { createMeeting, findMeeting, type CreateMeetingInput } from "../../src/domain/meetings.js";
import { meetingLabel, numberUnnumberedMeetings } from "../../src/domain/meetingNumbers.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { seedMeetings, seedMembers } from "../helpers/factories.js";

/** Meeting numbers per branch: M1, M2 … however many meetings other branches create between. */
const NOW = new Date("2026-11-20T02:00:00Z");
const START = new Date("2026-11-24T06:30:00Z");

let db: TestDb;
beforeAll(async () => {
  db = await openTestDb("meeting_numbers");
  await seedMembers(db.models, [
    { branchId: "BA", openId: "ou_na", name: "甲书记", role: "secretary" },
    { branchId: "BB", openId: "ou_nb", name: "乙书记", role: "secretary" },
    { branchId: "BC", openId: "ou_nc", name: "丙书记", role: "secretary" },
  ]);
});
afterAll(async () => db.close());

let keys = 0;
const create = (branchId: string, sourceKey = `om_n_${++keys}`) =>
  createMeeting(db.models, fixedClock(NOW), {
    branchId,
    chatId: `oc_${branchId}`,
    type: "branch-assembly",
    title: "党员大会",
    startAt: START,
    createdBy: "ou_sec",
    sourceKey,
  } satisfies CreateMeetingInput).then((r) => r.meeting);

describe("meeting numbers per branch", () => {
  it("counts each branch on its own, so one branch's numbers do not skip", async () => {
    const labels: string[] = [];
    for (const branchId of ["BA", "BB", "BB", "BA", "BB", "BA"])
      labels.push(meetingLabel(await create(branchId)));
    expect(labels).toEqual(["M1", "M1", "M2", "M2", "M3", "M3"]);
    // Typed in branch BA's chat, M2 is BA's second meeting, not BB's.
    const found = await findMeeting(db.models, "BA", "m2");
    expect(found?.branchId).toBe("BA");
    expect(found?.number).toBe(2);
  });

  it("gives concurrent meetings of one branch distinct numbers, and a redelivery its first number", async () => {
    const made = await Promise.all(Array.from({ length: 8 }, () => create("BC")));
    expect(made.map((m) => m.number).sort((a, b) => a! - b!)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const again = await Promise.all([create("BC", "om_n_same"), create("BC", "om_n_same")]);
    expect(again[0]._id).toBe(again[1]._id);
    expect(again[0].number).toBe(9);
    expect(meetingLabel(await create("BC"))).toBe("M10");
  });

  it("numbers meetings from before numbers existed in the order they were created, once", async () => {
    await seedMeetings(db.models, [
      { _id: "M901", seq: 901, branchId: "BOLD", number: null },
      { _id: "M905", seq: 905, branchId: "BOLD", number: null },
      { _id: "M903", seq: 903, branchId: "BOLD2", number: null },
    ]);
    expect(await numberUnnumberedMeetings(db.models)).toBe(3);
    expect(await numberUnnumberedMeetings(db.models)).toBe(0);
    const numbers = await db.models.Meeting.find(
      { branchId: trusted({ $in: ["BOLD", "BOLD2"] }) },
      { number: 1 },
    )
      .sort({ seq: 1 })
      .lean();
    expect(numbers.map((m) => [m._id, m.number])).toEqual([
      ["M901", 1],
      ["M903", 1],
      ["M905", 2],
    ]);
    // A meeting created afterwards continues the branch's count.
    expect(meetingLabel(await create("BOLD"))).toBe("M3");
  });
});
