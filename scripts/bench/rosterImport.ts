/**
 * Roster import of a 2,000-row workbook (BENCH_ONLY=roster): a branch with 1,000 members on the
 * roster, a file with those 1,000 (half of them changed: status and phone) and 1,000 new people.
 * Times each step of the import (read the workbook, validate, diff with the roster, apply) and the
 * peak memory of the whole import, against a baseline measured in the same run: a bare exceljs
 * read of the same file (load + every cell value). Then the same file again must plan 0 changes.
 */
import ExcelJS from "exceljs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { connectDb } from "../../src/db/connection.js";
import { createModels, syncIndexes } from "../../src/db/models/index.js";
import {
  applyPlan,
  diffRoster,
  loadRoster,
  planCounts,
  validateRows,
} from "../../src/domain/rosterImport.js";
import { readRosterWorkbook } from "../../src/files/rosterWorkbook.js";
import { ROSTER_COLUMNS } from "../../src/domain/rosterRows.js";

const MB = 1024 * 1024;
const EXISTING = 1_000;
const NEW = 1_000;
const BRANCH = "B_roster_bench";

export interface RosterImportResult {
  rows: number;
  fileBytes: number;
  baselineMs: number;
  baselineHeapMb: number;
  steps: { read: number; validate: number; diff: number; apply: number };
  totalMs: number;
  peakHeapMb: number;
  peakRssMb: number;
  counts: { added: number; changed: number; errors: number };
  secondRun: { ops: number; ms: number };
}

function getGc(): (() => void) | null {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  try {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  } catch {
    return null;
  }
}

/** Peak heap and RSS above the level just before `fn`, sampled every 5 ms. */
async function withPeak<T>(fn: () => Promise<T>, gc: (() => void) | null) {
  gc?.();
  const base = process.memoryUsage();
  let heap = base.heapUsed;
  let rss = base.rss;
  const sample = () => {
    const now = process.memoryUsage();
    heap = Math.max(heap, now.heapUsed);
    rss = Math.max(rss, now.rss);
  };
  const timer = setInterval(sample, 5);
  const started = performance.now();
  try {
    const value = await fn();
    sample();
    return {
      value,
      ms: performance.now() - started,
      heapMb: (heap - base.heapUsed) / MB,
      rssMb: (rss - base.rss) / MB,
    };
  } finally {
    clearInterval(timer);
  }
}

const HEADERS = ROSTER_COLUMNS.map((column) => column.header);
const name = (i: number) => `党员${String(i).padStart(4, "0")}`;

async function buildFile(): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet("名册");
  sheet.addRow(HEADERS);
  for (let i = 0; i < EXISTING + NEW; i++) {
    const changed = i < EXISTING && i % 2 === 0;
    const status = i < EXISTING ? (changed ? "预备党员" : "正式党员") : "入党积极分子";
    sheet.addRow([
      name(i),
      status,
      `第${(i % 8) + 1}党小组`,
      i % 2 ? "女" : "男",
      "汉族",
      `19${60 + (i % 40)}-0${(i % 9) + 1}`,
      "大学本科",
      i < EXISTING ? "2010-07-01" : null,
      i < EXISTING && !changed ? "2011-07-01" : null,
      null,
      changed ? `1380000${String(i).padStart(4, "0")}` : null,
      i < EXISTING ? `ou_roster_bench_${i}` : null,
    ]);
  }
  return Buffer.from((await book.xlsx.writeBuffer()) as ArrayBuffer);
}

export async function runRosterImport(options: {
  serverUri: string;
  dbName: string;
  fail: (message: string) => void;
}): Promise<RosterImportResult> {
  const gc = getGc();
  const connection = await connectDb(options.serverUri, options.dbName);
  try {
    await connection.dropDatabase();
    const models = createModels(connection);
    await syncIndexes(models);
    const now = new Date();
    await models.Member.insertMany(
      Array.from({ length: EXISTING }, (_, i) => ({
        branchId: BRANCH,
        openId: `ou_roster_bench_${i}`,
        name: name(i),
        partyGroup: `第${(i % 8) + 1}党小组`,
        status: "full",
        profile: {
          gender: i % 2 ? "女" : "男",
          ethnicity: "汉族",
          birthMonth: `19${60 + (i % 40)}-0${(i % 9) + 1}`,
          education: "大学本科",
          joinedAt: new Date("2010-07-01T00:00:00Z"),
          fullAt: new Date("2011-07-01T00:00:00Z"),
        },
      })),
    );
    const file = await buildFile();

    // Baseline: a bare exceljs read of the same file, every cell value touched (after one
    // warm-up read, so that neither side pays for loading exceljs's code).
    const bareRead = async () => {
      const book = new ExcelJS.Workbook();
      await book.xlsx.load(file as unknown as ArrayBuffer);
      let cells = 0;
      book.worksheets[0]!.eachRow((row) => row.eachCell((cell) => void (cell.value !== null && cells++)));
      return cells;
    };
    await bareRead();
    const baseline = await withPeak(bareRead, gc);

    const steps = { read: 0, validate: 0, diff: 0, apply: 0 };
    const time = async <T>(step: keyof typeof steps, fn: () => Promise<T> | T): Promise<T> => {
      const started = performance.now();
      const value = await fn();
      steps[step] = performance.now() - started;
      return value;
    };
    const run = await withPeak(async () => {
      const read = await time("read", () => readRosterWorkbook(file));
      const valid = await time("validate", () => validateRows(read.headers, read.rows));
      const plan = await time("diff", async () =>
        diffRoster(valid.rows, valid.errors, await loadRoster(models, BRANCH), "bench1"),
      );
      await time("apply", () => applyPlan(models, BRANCH, plan.ops, { by: "ou_bench_sec", now }));
      return plan;
    }, gc);
    const counts = planCounts(run.value);
    if (counts.added !== NEW || counts.changed !== EXISTING / 2 || counts.errors !== 0)
      options.fail(
        `roster import: planned ${JSON.stringify(counts)}, expected ${NEW} new, ${EXISTING / 2} changed, 0 errors`,
      );
    const total = await models.Member.countDocuments({ branchId: BRANCH });
    if (total !== EXISTING + NEW)
      options.fail(`roster import: ${total} members after apply, expected ${EXISTING + NEW}`);

    const second = await withPeak(async () => {
      const read = await readRosterWorkbook(file);
      const valid = validateRows(read.headers, read.rows);
      return diffRoster(valid.rows, valid.errors, await loadRoster(models, BRANCH), "bench2");
    }, gc);
    if (second.value.ops.length !== 0)
      options.fail(`roster import: the same file again planned ${second.value.ops.length} ops`);

    return {
      rows: EXISTING + NEW,
      fileBytes: file.length,
      baselineMs: baseline.ms,
      baselineHeapMb: baseline.heapMb,
      steps,
      totalMs: run.ms,
      peakHeapMb: run.heapMb,
      peakRssMb: run.rssMb,
      counts,
      secondRun: { ops: second.value.ops.length, ms: second.ms },
    };
  } finally {
    await connection.dropDatabase().catch(() => undefined);
    await connection.close();
  }
}

export function reportRosterImport(result: RosterImportResult): void {
  const f = (ms: number) => `${ms.toFixed(0)} ms`;
  const ratio = (ms: number) => `${(ms / result.baselineMs).toFixed(1)}×`;
  console.log(
    `\nroster import (${result.rows} rows, ${(result.fileBytes / 1024).toFixed(0)} KB .xlsx; ` +
      `${result.counts.added} new, ${result.counts.changed} changed, ${result.counts.errors} errors)`,
  );
  console.log(
    `  baseline: bare exceljs read of the same file   ${f(result.baselineMs)}, heap +${result.baselineHeapMb.toFixed(1)} MB`,
  );
  console.log(
    `  read workbook (rosterWorkbook.ts)          ${f(result.steps.read).padStart(9)}  ${ratio(result.steps.read)} baseline`,
  );
  console.log(
    `  validate rows (zod)                        ${f(result.steps.validate).padStart(9)}  ${ratio(result.steps.validate)}`,
  );
  console.log(
    `  diff with the roster (1 query + compare)   ${f(result.steps.diff).padStart(9)}  ${ratio(result.steps.diff)}`,
  );
  console.log(
    `  apply (one atomic write per member)        ${f(result.steps.apply).padStart(9)}  ${ratio(result.steps.apply)}`,
  );
  console.log(
    `  whole import                               ${f(result.totalMs).padStart(9)}  ${ratio(result.totalMs)}; ` +
      `peak heap +${result.peakHeapMb.toFixed(1)} MB, rss +${result.peakRssMb.toFixed(1)} MB`,
  );
  console.log(
    `  same file again (read + validate + diff)   ${f(result.secondRun.ms).padStart(9)}  ${ratio(result.secondRun.ms)}; ` +
      `${result.secondRun.ops} changes (goal 0)`,
  );
}
