import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDb, type TestDb } from "./helpers/db.js";
import { insertWithShortId } from "../src/domain/shortId.js";
import type { Branch } from "../src/db/models/branch.js";

let db: TestDb;
beforeAll(async () => {
  db = await openTestDb("smoke");
});
afterAll(async () => db.close());

describe("database", () => {
  it("allocates distinct short ids under concurrency", async () => {
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        insertWithShortId<Branch>(db.models.Branch, "B", {
          name: `支部${i}`,
          chatId: `oc_${i}`,
          parentOrg: null,
          createdBy: "ou_x",
        }),
      ),
    );
    const ids = new Set(created.map((b) => b._id));
    expect(ids.size).toBe(20);
    expect(await db.models.Branch.countDocuments()).toBe(20);
  });

  it("rejects a duplicate on a unique field other than the id", async () => {
    await expect(
      insertWithShortId<Branch>(db.models.Branch, "B", {
        name: "x",
        chatId: "oc_0",
        parentOrg: null,
        createdBy: "ou_x",
      }),
    ).rejects.toMatchObject({ code: 11000 });
  });
});
