import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncIndexes } from "../../src/db/models/index.js";
import { openTestDb, type TestDb } from "../helpers/db.js";

let db: TestDb;
beforeAll(async () => {
  db = await openTestDb("db_indexes");
});
afterAll(async () => db.close());

describe("indexes cost MongoDB nothing they do not serve", () => {
  it("no model declares an index led by _id (the _id index serves those queries)", () => {
    const ledById = Object.values(db.models).flatMap((model) =>
      model.schema
        .indexes()
        .filter(([keys]) => Object.keys(keys)[0] === "_id")
        .map(([keys]) => `${model.modelName} ${JSON.stringify(keys)}`),
    );
    expect(ledById).toEqual([]);
  });

  it("syncIndexes drops such an index an earlier version made, and keeps _id's own", async () => {
    await db.models.Due.collection.createIndex({ _id: 1, status: 1 });
    await syncIndexes(db.models);
    const names = (await db.models.Due.collection.indexes()).map((index) => index.name);
    expect(names).toContain("_id_");
    expect(names).not.toContain("_id_1_status_1");
  });

  it("builds a missing index again, and on a database in shape only lists the indexes", async () => {
    await db.models.Attendance.collection.dropIndex("meetingId_1_openId_1");
    await syncIndexes(db.models);
    expect((await db.models.Attendance.collection.indexes()).map((index) => index.name)).toContain(
      "meetingId_1_openId_1",
    );

    // mongoose's debug hook sees every collection method the models call.
    const calls: string[] = [];
    db.connection.set("debug", (collection: string, method: string) => calls.push(method));
    try {
      await syncIndexes(db.models);
    } finally {
      db.connection.set("debug", false);
    }
    expect(calls.length).toBe(Object.keys(db.models).length);
    expect(new Set(calls)).toEqual(new Set(["listIndexes"]));
  });
});
