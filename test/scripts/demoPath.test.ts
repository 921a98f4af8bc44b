import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import ExcelJS from "exceljs";
import { afterAll, describe, expect, inject, it } from "vitest";
import { connectDb } from "../../src/db/connection.js";

/**
 * The README's demo path, as an operator types it: `npm run seed-demo`, then `npm run export --
 * --branch B1 …`, both on the bot's own database (here MONGODB_URI naming a database of its own).
 */
const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
const tsx = path.join(root, "node_modules/.bin/tsx");
const dbName = `zhibu_test_demo_${randomUUID().slice(0, 8)}`;
const uri = inject("mongoUri").replace(/\/[^/?]*(\?|$)/, `/${dbName}$1`);
const env = { ...process.env, MONGODB_URI: uri, TZ: "Asia/Shanghai" };
const out = mkdtempSync(path.join(tmpdir(), "zhibu-demo-"));

afterAll(async () => {
  rmSync(out, { recursive: true, force: true });
  const connection = await connectDb(uri);
  await connection.dropDatabase();
  await connection.close();
});

async function script(name: string, args: string[]) {
  try {
    const { stdout, stderr } = await run(tsx, [path.join(root, "scripts", name), ...args], { env, cwd: out });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("the demo path of the README", () => {
  it("seeds the bot's own database, refuses to seed over data without --force, and exports B1", async () => {
    const seeded = await script("seed-demo.ts", ["--branches", "2", "--members", "6"]);
    expect(seeded.code).toBe(0);
    expect(seeded.stdout).toContain(`seeded database "${dbName}"`);

    const again = await script("seed-demo.ts", ["--branches", "2", "--members", "6"]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(
      `database "${dbName}" already holds 2 branches: not seeding over them. ` +
        "Pass --force to drop everything in it first, or --db-name <another> for a database of its own.",
    );

    const exported = await script("export.ts", [
      "--branch",
      "B1",
      "--period",
      "2026",
      "--out",
      "ledger.xlsx",
    ]);
    expect(exported.stderr).toBe("");
    expect(exported.code).toBe(0);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(path.join(out, "ledger.xlsx"));
    expect(book.worksheets.map((s) => s.name)).toContain("会议");
    expect(book.getWorksheet("会议")!.rowCount).toBeGreaterThan(5);

    const forced = await script("seed-demo.ts", ["--branches", "1", "--members", "6", "--force"]);
    expect(forced.code).toBe(0);
  }, 120_000);

  it("names a command that exists in the export help", async () => {
    const help = await script("export.ts", ["--help"]);
    expect(help.stdout).not.toContain("/支部");
    expect(help.stdout).toContain("/绑定");
  }, 30_000);
});
