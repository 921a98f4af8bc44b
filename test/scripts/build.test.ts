import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connectDb } from "../../src/db/connection.js";
import { stageRuntime } from "../../scripts/build.js";
import { projectRoot, runNode, withDbName } from "./helpers.js";

/**
 * `npm run build` staged with package.json and, of node_modules, only exceljs (loaded on demand):
 * everything else the bot and the scripts need is in the bundle. The bench starts and stops the
 * bot from the same layout against a fake Lark.
 */
describe("the production build runs without the bundled dependencies' node_modules", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "zhibu-build-"));
  const dbName = `zhibu_test_build_${randomUUID().slice(0, 8)}`;
  const env = { MONGODB_URI: withDbName(inject("mongoUri"), dbName) };

  beforeAll(async () => {
    await stageRuntime(dir);
  }, 60_000);
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    const connection = await connectDb(env.MONGODB_URI);
    await connection.dropDatabase();
    await connection.close();
  });

  it("holds the entry points, and of node_modules only what is loaded on demand", () => {
    expect(readdirSync(path.join(dir, "node_modules"))).toEqual(["exceljs"]);
    for (const entry of ["src/main.js", "scripts/export.js", "scripts/db-copy.js", "scripts/seed-demo.js"])
      expect(existsSync(path.join(dir, "dist", entry)), entry).toBe(true);
  });

  it("the bot refuses a configuration without a Lark app, naming the variables", async () => {
    const started = await runNode(
      ["dist/src/main.js"],
      { ...env, NODE_ENV: "production", LARK_APP_ID: "", LARK_APP_SECRET: "" },
      dir,
    );
    expect(started.code).toBe(1);
    expect(started.stderr).toContain("LARK_APP_ID: required");
    expect(started.stderr).toContain("See .env.example");
  });

  it("seed-demo then export: the ledger written by the build opens as a workbook", async () => {
    const seeded = await runNode(
      ["dist/scripts/seed-demo.js", "--branches", "1", "--members", "4"],
      env,
      dir,
    );
    expect(seeded.stderr).toBe("");
    expect(seeded.stdout).toContain(`seeded database "${dbName}"`);

    const out = path.join(dir, "ledger.xlsx");
    const exported = await runNode(
      ["dist/scripts/export.js", "--branch", "B1", "--period", "2026", "--out", out],
      env,
      dir,
    );
    expect(exported.stderr).toBe("");
    expect(exported.code).toBe(0);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(out);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toContain("名册");
  }, 60_000);

  it("writes the Lark SDK's own version into its User-Agent (the SDK cannot read it from a bundle)", () => {
    const sdkVersion = (
      JSON.parse(
        readFileSync(path.join(projectRoot, "node_modules/@larksuiteoapi/node-sdk/package.json"), "utf8"),
      ) as { version: string }
    ).version;
    const chunks = readdirSync(path.join(dir, "dist/chunks")).filter((name) => name.endsWith(".js"));
    const sources = chunks.map((name) => readFileSync(path.join(dir, "dist/chunks", name), "utf8"));
    expect(
      sources.some((source) =>
        new RegExp(`cachedVersion\\d*="${sdkVersion.replace(/\./g, "\\.")}"`).test(source),
      ),
    ).toBe(true);
  });
});
