import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Meeting } from "../../src/db/models/meeting.js";
import { cachedRead } from "../../src/db/readCache.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { buildMeeting, seedMeetings, seedMembers } from "../helpers/factories.js";

let db: TestDb;
beforeAll(async () => {
  db = await openTestDb("db_read_cache");
});
afterAll(async () => db.close());

/** Stores a meeting with this title and returns it. */
async function meetingTitled(title: string) {
  const meeting = buildMeeting({ title });
  await db.models.Meeting.insertMany([meeting]);
  return meeting;
}

/** A read of one meeting's title through the cache, counting how often the database is asked. */
function titleReader(id: string) {
  let loads = 0;
  const read = () =>
    cachedRead(db.models.Meeting, `test-meeting:${id}`, () => {
      loads++;
      return db.models.Meeting.findById(id).lean<Meeting>();
    }).then((meeting) => meeting?.title);
  return { read, loads: () => loads };
}

describe("cachedRead: reads a burst shares, dropped by every write to the collection", () => {
  it("concurrent and following reads share one query", async () => {
    const meeting = await meetingTitled("共享读取");
    const reader = titleReader(meeting._id);
    const titles = await Promise.all(Array.from({ length: 20 }, () => reader.read()));
    expect(titles).toEqual(Array(20).fill("共享读取"));
    expect(await reader.read()).toBe("共享读取");
    expect(reader.loads()).toBe(1);
  });

  it.each([
    ["updateOne", (id: string) => db.models.Meeting.updateOne({ _id: id }, { $set: { title: "改后" } })],
    ["updateMany", (id: string) => db.models.Meeting.updateMany({ _id: id }, { $set: { title: "改后" } })],
    [
      "document save",
      async (id: string) => {
        const doc = await db.models.Meeting.findById(id);
        doc!.title = "改后";
        await doc!.save();
      },
    ],
  ])("a write by %s is seen by the next read", async (_name, write) => {
    const meeting = await meetingTitled("改前");
    const reader = titleReader(meeting._id);
    expect(await reader.read()).toBe("改前");
    await write(meeting._id);
    expect(await reader.read()).toBe("改后");
    expect(reader.loads()).toBe(2);
  });

  it("a read that overlapped a write is not kept", async () => {
    const meeting = await meetingTitled("改前");
    const reader = titleReader(meeting._id);
    const write = db.models.Meeting.updateOne({ _id: meeting._id }, { $set: { title: "改后" } });
    const during = reader.read();
    await write;
    await during;
    expect(await reader.read()).toBe("改后");
  });

  it("an insert into another collection leaves the entry; one into the same collection drops it", async () => {
    const meeting = await meetingTitled("不变");
    const reader = titleReader(meeting._id);
    await reader.read();
    await seedMembers(db.models, [{ branchId: meeting.branchId }]);
    await reader.read();
    expect(reader.loads()).toBe(1);
    await seedMeetings(db.models, [{ title: "另一个" }]);
    await reader.read();
    expect(reader.loads()).toBe(2);
  });
});
