import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDb, type TestDb } from "./helpers/db.js";
import { insertWithShortId } from "../src/domain/shortId.js";
import type { Branch } from "../src/db/models/branch.js";
import { trusted } from "../src/db/connection.js";
import { findBranchByChat, findMember } from "../src/domain/branches.js";

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

describe("query filters (sanitizeFilter)", () => {
  // Zod at the edge refuses ids that are not strings; this is the second wall behind it, for
  // any value that reaches a filter some other way.
  it("never lets an operator-shaped value act as an operator: it is refused, so it matches nothing", async () => {
    const injected = { $ne: null } as unknown as string;
    const refused = /Cast to string failed/;
    await expect(db.models.Branch.countDocuments({ chatId: injected })).rejects.toThrow(refused);
    await expect(findBranchByChat(db.models, injected)).rejects.toThrow(refused);
    await expect(findMember(db.models, { $gt: "" } as unknown as string, injected)).rejects.toThrow(refused);
    await expect(db.models.Branch.updateMany({ chatId: injected }, { $set: { name: "x" } })).rejects.toThrow(
      refused,
    );
    expect(await db.models.Branch.countDocuments({ name: "x" })).toBe(0);
  });

  it("keeps the operators our own code marks as trusted", async () => {
    expect(await db.models.Branch.countDocuments({ chatId: trusted({ $ne: null }) })).toBe(20);
    expect(await db.models.Branch.countDocuments({ chatId: trusted({ $in: ["oc_1", "oc_2"] }) })).toBe(2);
  });
});
