import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { connectDb } from "../../src/db/connection.js";
import { runScript, withDbName } from "./helpers.js";

/** The README's demo path: `npm run seed-demo`, then `npm run export -- --branch B1 …`. */
describe("the demo: seed-demo fills the bot's own database, export reads it", () => {
  const dbName = `zhibu_test_demo_${randomUUID().slice(0, 8)}`;
  const env = { MONGODB_URI: withDbName(inject("mongoUri"), dbName) };
  const outDir = mkdtempSync(path.join(tmpdir(), "zhibu-demo-"));

  afterAll(async () => {
    rmSync(outDir, { recursive: true, force: true });
    const connection = await connectDb(env.MONGODB_URI);
    await connection.dropDatabase();
    await connection.close();
  });

  it("seeds, exports B1's ledger, refuses to seed again without --force", async () => {
    const seeded = await runScript("scripts/seed-demo.ts", ["--branches", "2", "--members", "6"], env);
    expect(seeded.stderr).toBe("");
    expect(seeded.code).toBe(0);
    expect(seeded.stdout).toContain(`seeded database "${dbName}"`);

    const out = path.join(outDir, "ledger.xlsx");
    const exported = await runScript(
      "scripts/export.ts",
      ["--branch", "B1", "--period", "2026", "--out", out],
      env,
    );
    expect(exported.stderr).toBe("");
    expect(exported.code).toBe(0);
    expect(existsSync(out)).toBe(true);

    const again = await runScript("scripts/seed-demo.ts", ["--branches", "2", "--members", "6"], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("--force");

    const forced = await runScript(
      "scripts/seed-demo.ts",
      ["--branches", "2", "--members", "6", "--force"],
      env,
    );
    expect(forced.code).toBe(0);
  });

  it("the export's help names a command that exists", async () => {
    const help = await runScript("scripts/export.ts", ["--help"], env);
    expect(help.code).toBe(0);
    expect(help.stdout).not.toContain("/支部");
    expect(help.stdout).toContain("/绑定");
  });
});
