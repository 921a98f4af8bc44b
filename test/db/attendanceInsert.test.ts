import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertAttendance } from "../../src/db/models/attendance.js";
import { openTestDb, type TestDb } from "../helpers/db.js";

let db: TestDb;
beforeAll(async () => {
  db = await openTestDb("db_attendance_insert");
});
afterAll(async () => db.close());

describe("insertAttendance stores what Attendance.create would", () => {
  it("same fields, defaults and timestamps; the unique key still refuses a second record", async () => {
    const key = { meetingId: "M1", branchId: "B1" };
    await db.models.Attendance.create({ ...key, openId: "ou_created", response: "attend" });
    await insertAttendance(db.models.Attendance, { ...key, openId: "ou_inserted", response: "attend" });
    const stored = await db.models.Attendance.find({ meetingId: "M1" }).sort({ openId: 1 }).lean();
    const created = stored[0]!;
    const inserted = stored[1]!;
    const types = (doc: object) =>
      Object.entries(doc)
        .map(([name, value]) => `${name}:${value === null ? "null" : value.constructor.name}`)
        .sort();
    expect(types(inserted)).toEqual(types(created));
    const { _id: _a, openId: _b, createdAt: _c, updatedAt: _d, ...createdFields } = created;
    const { _id: _e, openId: _f, createdAt: _g, updatedAt: _h, ...insertedFields } = inserted;
    expect(insertedFields).toEqual(createdFields);
    await expect(
      insertAttendance(db.models.Attendance, { ...key, openId: "ou_inserted", response: "leave" }),
    ).rejects.toMatchObject({ code: 11000 });
  });
});
