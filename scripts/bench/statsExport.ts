/**
 * Statistics and ledger export at organisation scale: orgStats over every branch, branchStats and
 * buildLedgerWorkbook for one branch, each over a year, at 1×, 2× and 4× a base organisation.
 *
 * The issue's target is 500 branches and 20,000 members (40 per branch) with a year of records.
 * Seeding goes through the local SecantusDB at ~1,000 documents/s (a branch of 40 is ~1,000
 * documents: ~60 meetings, 16 study tasks, ~450 confirmations, ~470 dues), so the base here is
 * STATS_BASE_BRANCHES (default 15) branches × 40 members = 600 members, 1/33 of the target with
 * the same branch size; 4× is 60 branches. What matters is the growth: orgStats should grow at
 * most linearly with the number of branches (time ratio ≤ 2 and ≤ 4) with flat memory, since it
 * aggregates in the database; the one-branch figures should stay flat, the branch being the same
 * size at every scale.
 *
 * Each scale is seeded (scripts/seed-demo.ts) into its own fresh database on the same server.
 * Time: median of RUNS calls after one warm-up. Memory: process.memoryUsage() sampled every 5 ms
 * during a call (and at its end), peak − baseline taken just before it after a GC; the worst run.
 *
 * Standalone: npx tsx scripts/bench/statsExport.ts (MONGODB_URI=… to use a running server).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { connectDb } from "../../src/db/connection.js";
import { startLocalDb } from "../../src/db/localServer.js";
import { createModels } from "../../src/db/models/index.js";
import { buildLedgerWorkbook } from "../../src/presenters/ledger.js";
import { parsePeriod } from "../../src/domain/period.js";
import { branchStats } from "../../src/domain/stats.js";
import { orgStats } from "../../src/domain/orgStats.js";
import { seedDemo, type SeedDemoCounts } from "../seed-demo.js";
import { median } from "./stats.js";

const SCALES = [1, 2, 4] as const;
const MEMBERS_PER_BRANCH = 40;
const RUNS = 3;
const YEAR = 2026;
const TIME_ZONE = "Asia/Shanghai";
const SAMPLE_MS = 5;
const MB = 1024 * 1024;

export type StatsOp = "orgStats" | "branchStats" | "ledger";
const OPS: StatsOp[] = ["orgStats", "branchStats", "ledger"];
const OP_LABEL: Record<StatsOp, string> = {
  orgStats: "orgStats (all branches)",
  branchStats: "branchStats (B1)",
  ledger: "buildLedgerWorkbook (B1)",
};

export interface OpResult {
  ms: number;
  rssMb: number;
  heapMb: number;
}

export interface ScaleResult {
  scale: number;
  seed: SeedDemoCounts;
  ops: Record<StatsOp, OpResult>;
  /** Sizes seen, for the sanity line. */
  orgRows: number;
  ledgerBytes: number;
}

export interface StatsExportResult {
  baseBranches: number;
  scales: ScaleResult[];
}

/** A GC function: --expose-gc turned on at run time; null if that is not allowed. */
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

async function measure<T>(fn: () => Promise<T>, gc: (() => void) | null): Promise<OpResult & { value: T }> {
  gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const sample = () => {
    const now = process.memoryUsage();
    if (now.rss > peakRss) peakRss = now.rss;
    if (now.heapUsed > peakHeap) peakHeap = now.heapUsed;
  };
  const timer = setInterval(sample, SAMPLE_MS);
  const started = performance.now();
  try {
    const value = await fn();
    const ms = performance.now() - started;
    sample();
    return { ms, rssMb: (peakRss - base.rss) / MB, heapMb: (peakHeap - base.heapUsed) / MB, value };
  } finally {
    clearInterval(timer);
  }
}

export async function runStatsExport(options: {
  serverUri: string;
  dbName: string;
  fail: (message: string) => void;
  baseBranches?: number;
  log?: (line: string) => void;
}): Promise<StatsExportResult> {
  const baseBranches = options.baseBranches ?? (Number(process.env.STATS_BASE_BRANCHES) || 15);
  const log = options.log ?? ((line: string) => console.log(line));
  const gc = getGc();
  const period = parsePeriod(String(YEAR), TIME_ZONE)!;
  const scales: ScaleResult[] = [];

  for (const scale of SCALES) {
    const branches = baseBranches * scale;
    const connection = await connectDb(options.serverUri, `${options.dbName}_x${scale}`);
    try {
      await connection.dropDatabase();
      const seed = await seedDemo(connection, {
        branches,
        membersPerBranch: MEMBERS_PER_BRANCH,
        year: YEAR,
        timeZone: TIME_ZONE,
      });
      log(
        `  ${scale}×: seeded ${seed.branches} branches, ${seed.members} members, ${seed.meetings} meetings, ` +
          `${seed.studyConfirmations} study confirmations, ${seed.dues} dues in ${(seed.ms / 1000).toFixed(1)} s`,
      );
      const models = createModels(connection);
      const branchId = seed.branchIds[0]!;
      const calls: Record<StatsOp, () => Promise<unknown>> = {
        orgStats: () => orgStats(models, { orgId: null }, period, { now: new Date(), timeZone: TIME_ZONE }),
        branchStats: () => branchStats(models, branchId, period, { timeZone: TIME_ZONE }),
        ledger: () => buildLedgerWorkbook(models, { branchId, period, timeZone: TIME_ZONE }),
      };

      // Sanity, on the warm-up calls.
      const rows = (await calls.orgStats()) as Awaited<ReturnType<typeof orgStats>>;
      if (rows.length !== seed.branches)
        options.fail(`stats ${scale}×: orgStats returned ${rows.length} rows for ${seed.branches} branches`);
      if (new Set(rows.map((r) => r.branchId)).size !== rows.length)
        options.fail(`stats ${scale}×: orgStats returned a branch twice`);
      if (rows.some((r) => r.meetings === 0 || r.participationRate <= 0 || (r.duesRate ?? 0) <= 0))
        options.fail(`stats ${scale}×: an orgStats row has no meetings, participation or dues`);
      const stats = (await calls.branchStats()) as Awaited<ReturnType<typeof branchStats>>;
      if (stats.participationByMember.length < MEMBERS_PER_BRANCH * 0.9)
        options.fail(
          `stats ${scale}×: branchStats lists ${stats.participationByMember.length} members of ${MEMBERS_PER_BRANCH}`,
        );
      if (stats.dues.total === 0 || stats.study.tasks === 0)
        options.fail(`stats ${scale}×: branchStats found no dues or no study tasks`);
      const ledger = (await calls.ledger()) as Buffer;
      if (ledger.length < 1000 || ledger.subarray(0, 2).toString() !== "PK")
        options.fail(`stats ${scale}×: the ledger is not an .xlsx (${ledger.length} bytes)`);

      const ops = {} as Record<StatsOp, OpResult>;
      for (const op of OPS) {
        const runs: OpResult[] = [];
        for (let i = 0; i < RUNS; i++) runs.push(await measure(calls[op], gc));
        ops[op] = {
          ms: median(runs.map((r) => r.ms)),
          rssMb: Math.max(...runs.map((r) => r.rssMb)),
          heapMb: Math.max(...runs.map((r) => r.heapMb)),
        };
      }
      scales.push({ scale, seed, ops, orgRows: rows.length, ledgerBytes: ledger.length });
    } finally {
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    }
  }
  return { baseBranches, scales };
}

export function reportStatsExport(result: StatsExportResult): void {
  const { scales } = result;
  if (scales.length === 0) return;
  const base = scales[0]!;
  console.log(
    `\nStatistics and ledger export, period ${YEAR}: 1× = ${result.baseBranches} branches × ${MEMBERS_PER_BRANCH} members ` +
      `(${base.seed.members} members; the target 500 × 40 = 20,000 is ${(500 / result.baseBranches).toFixed(1)}× this)`,
  );
  console.log(
    `time = median of ${RUNS} calls (ms); memory = peak − baseline during a call, worst of ${RUNS} (MB, sampled every ${SAMPLE_MS} ms)`,
  );
  console.log(
    `${"".padEnd(27)}${"scale".padStart(6)}${"branches".padStart(9)}${"time".padStart(9)}${"rss".padStart(8)}${"heap".padStart(8)}` +
      `${"time/1×".padStart(9)}${"heap/1×".padStart(8)}`,
  );
  for (const op of OPS) {
    for (const s of scales) {
      const r = s.ops[op];
      const b = base.ops[op];
      // A ratio of memory deltas under 1 MB is noise (GC timing), not growth.
      const rel = (x: number, y: number, floor = 0) => (y > floor ? `${(x / y).toFixed(2)}` : "–");
      console.log(
        `${(s === base ? OP_LABEL[op] : "").padEnd(27)}${`${s.scale}×`.padStart(6)}${String(s.seed.branches).padStart(9)}` +
          `${r.ms.toFixed(1).padStart(9)}${r.rssMb.toFixed(1).padStart(8)}${r.heapMb.toFixed(1).padStart(8)}` +
          `${rel(r.ms, b.ms).padStart(9)}${rel(r.heapMb, b.heapMb, 1).padStart(8)}`,
      );
    }
  }
  const org = (scale: number) => scales.find((s) => s.scale === scale)?.ops.orgStats;
  const o1 = org(1);
  for (const scale of [2, 4]) {
    const o = org(scale);
    if (!o || !o1) continue;
    const ratio = o.ms / o1.ms;
    console.log(
      `orgStats time ${scale}×/1×: ${ratio.toFixed(2)}   goal ≤ ${scale} (linear or better)   ${ratio <= scale ? "PASS" : "FAIL"}` +
        `;  heap ${o1.heapMb.toFixed(1)} → ${o.heapMb.toFixed(1)} MB`,
    );
  }
  console.log(
    `sanity: orgStats rows ${scales.map((s) => `${s.orgRows}/${s.seed.branches}`).join(", ")}; ` +
      `ledger ${scales.map((s) => `${(s.ledgerBytes / 1024).toFixed(0)} KB`).join(", ")}`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const failures: string[] = [];
  const fail = (message: string) => {
    failures.push(message);
    console.error(`FAILED: ${message}`);
  };
  let serverUri = process.env.MONGODB_URI;
  let stop = async () => {};
  if (!serverUri) {
    const dataDir = mkdtempSync(path.join(tmpdir(), "zhibu-stats-db-"));
    const localDb = await startLocalDb({ dataDir });
    serverUri = localDb.uri;
    stop = async () => {
      await localDb.stop();
      rmSync(dataDir, { recursive: true, force: true });
    };
  }
  try {
    const started = performance.now();
    console.log("stats/export bench: seeding 1×, 2×, 4×");
    const result = await runStatsExport({
      serverUri,
      dbName: `zhibu_stats_${Date.now().toString(36)}`,
      fail,
    });
    reportStatsExport(result);
    console.log(`\nstats bench time: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await stop();
  }
  process.exit(failures.length > 0 ? 1 : 0);
}
