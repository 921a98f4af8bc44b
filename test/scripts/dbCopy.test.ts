import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { connectDb } from "../../src/db/connection.js";
import { runScript, withDbName } from "./helpers.js";

/** Moving a trial's data to another server: `npm run db:copy -- --from … --to …`. */
describe("db:copy copies every collection between two databases", () => {
  const suffix = randomUUID().slice(0, 8);
  const from = withDbName(inject("mongoUri"), `zhibu_test_copy_from_${suffix}`);
  const to = withDbName(inject("mongoUri"), `zhibu_test_copy_to_${suffix}`);

  afterAll(async () => {
    for (const uri of [from, to]) {
      const connection = await connectDb(uri);
      await connection.dropDatabase();
      await connection.close();
    }
  });

  it("copies the demo: counts, a sample document and the indexes equal; refuses a full target", async () => {
    const seeded = await runScript("scripts/seed-demo.ts", ["--branches", "2", "--members", "6"], {
      MONGODB_URI: from,
    });
    expect(seeded.code).toBe(0);

    const copied = await runScript("scripts/db-copy.ts", ["--from", from, "--to", to, "--batch", "50"], {});
    expect(copied.stderr).toBe("");
    expect(copied.code).toBe(0);

    const source = await connectDb(from);
    const target = await connectDb(to);
    try {
      const names = (await source.db!.listCollections().toArray()).map((c) => c.name).sort();
      expect(names.length).toBeGreaterThan(3);
      expect((await target.db!.listCollections().toArray()).map((c) => c.name).sort()).toEqual(
        expect.arrayContaining(names),
      );
      for (const name of names) {
        const count = await source.db!.collection(name).countDocuments();
        expect(await target.db!.collection(name).countDocuments(), name).toBe(count);
      }
      const sample = await source.db!.collection("meetings").findOne({}, { sort: { _id: -1 } });
      expect(sample).not.toBeNull();
      expect(await target.db!.collection("meetings").findOne({ _id: sample!._id })).toEqual(sample);
      const indexNames = async (db: typeof source.db) =>
        (await db!.collection("dues").indexes()).map((i) => i.name).sort();
      expect(await indexNames(target.db)).toEqual(await indexNames(source.db));
    } finally {
      await source.close();
      await target.close();
    }

    const again = await runScript("scripts/db-copy.ts", ["--from", from, "--to", to], {});
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("--force");
  });
});
