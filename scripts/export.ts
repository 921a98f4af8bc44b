/**
 * Writes a branch's 台账 (ledger) for a period as an .xlsx file:
 *   npm run export -- --branch B1 --period 2026 --out ledger.xlsx
 * Connects to MONGODB_URI, or starts the local database (data in ZHIBU_DATA_DIR) like `npm start`.
 * Dates are shown in TZ (default Asia/Shanghai).
 */
import "dotenv/config";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { IANAZone } from "luxon";
import type { Connection } from "mongoose";
import { connectDb } from "../src/db/connection.js";
import { LocalDbUnavailableError, startLocalDb, type LocalDbServer } from "../src/db/localServer.js";
import { createModels } from "../src/db/models/index.js";
import { buildLedger, LEDGER_SHEETS } from "../src/presenters/ledger.js";
import { parsePeriod } from "../src/domain/period.js";

const USAGE = `Usage: npm run export -- --branch <branch id, e.g. B1> --period <2026 | 2026-Q4 | 2026-11> [--out <file.xlsx>]
  --branch  the branch's id, e.g. B1 (/绑定 in the branch's group answers it; an unknown id lists them all)
  --period  a year, a quarter or a month
  --out     the file to write (default: 台账-<branch>-<period>.xlsx)
Environment: MONGODB_URI (else the local database in ZHIBU_DATA_DIR, default ./data), TZ (default Asia/Shanghai).`;

/** A bad invocation (exit 2, with the usage) or a missing branch or database (exit 1). */
class ExportError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

function fail(message: string, exitCode = 2): never {
  throw new ExportError(message, exitCode);
}

async function main() {
  let values: { branch?: string; period?: string; out?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        branch: { type: "string", short: "b" },
        period: { type: "string", short: "p" },
        out: { type: "string", short: "o" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const branchId = values.branch?.trim();
  if (!branchId) fail("Missing --branch.");
  if (!values.period) fail("Missing --period.");
  const timeZone = process.env.TZ || "Asia/Shanghai";
  if (!IANAZone.isValidZone(timeZone))
    fail(`TZ "${timeZone}" is not an IANA time zone such as Asia/Shanghai.`);
  const period = parsePeriod(values.period.trim(), timeZone);
  if (!period)
    fail(`--period "${values.period}" is not a year (2026), a quarter (2026-Q4) or a month (2026-11).`);
  const out = path.resolve(values.out ?? `台账-${branchId}-${period.label}.xlsx`);
  if (!out.toLowerCase().endsWith(".xlsx")) fail(`--out "${values.out}" must end in .xlsx.`);

  const uri = process.env.MONGODB_URI;
  let localDb: LocalDbServer | undefined;
  let connection: Connection | undefined;
  try {
    if (uri) {
      connection = await connectDb(uri);
    } else {
      const dataDir = path.resolve(process.env.ZHIBU_DATA_DIR || "./data", "db");
      try {
        localDb = await startLocalDb({ dataDir });
      } catch (error) {
        if (error instanceof LocalDbUnavailableError) fail(error.message, 1);
        throw error;
      }
      connection = await connectDb(localDb.uri);
    }
    const models = createModels(connection);
    const branch = await models.Branch.findById(branchId).lean();
    if (!branch) {
      const known = (await models.Branch.find({}, { _id: 1, name: 1 }).sort({ seq: 1 }).lean())
        .map((b) => `${b._id} ${b.name}`)
        .join(", ");
      fail(`No branch "${branchId}".${known ? ` Branches: ${known}.` : " The database has no branches."}`, 1);
    }
    const { buffer, rows } = await buildLedger(models, { branchId, period, timeZone });
    await writeFile(out, buffer);
    console.log(`${branch.name} (${branchId}) ${period.label}: wrote ${out}`);
    for (const sheet of LEDGER_SHEETS) console.log(`  ${sheet}: ${rows[sheet]} rows`);
  } finally {
    await connection?.close();
    await localDb?.stop();
  }
}

main().catch((error: unknown) => {
  if (error instanceof ExportError) {
    console.error(error.exitCode === 2 ? `${error.message}\n\n${USAGE}` : error.message);
    process.exit(error.exitCode);
  }
  console.error("export failed:", error instanceof Error ? error.message : error);
  process.exit(1);
});
