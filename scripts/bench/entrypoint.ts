import { spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { freePort } from "../../src/db/localServer.js";

export interface EntrypointResult {
  /** From spawn until the "zhibu ready" log line. */
  readyMs: number;
  /** What main.ts itself logged as startMs (config → ready, after its own imports). */
  selfReportedStartMs: number | null;
  /** CPU (user + system) the node process used until ready: what start costs, whatever else runs. */
  cpuToReadyMs: number | null;
  healthz: { status: number; body: string };
  /** VmRSS of the node process after ~2 s idle, and of its whole process tree. */
  rssMb: number;
  treeRssMb: number;
  /** From SIGTERM to exit, and how it exited. */
  stopMs: number;
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  loggedStopped: boolean;
}

function vmRssKb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** utime + stime of a process in ms (Linux /proc; clock ticks of 10 ms), or null. */
export function processCpuMs(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    // "pid (comm) state …": the fields after the last ")"; utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(")").pop()!.trim().split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

function childPids(pid: number): number[] {
  const pids: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
      if (text) pids.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // The process is gone or /proc is not readable: count what we have.
  }
  return pids;
}

function treeRssKb(pid: number): number {
  return vmRssKb(pid) + childPids(pid).reduce((sum, child) => sum + treeRssKb(child), 0);
}

export const TSX_ENTRY = ["--import", "tsx", "src/main.ts"];
/** As `npm run start:prod` and the Dockerfile run it (a small young generation: less resident memory). */
export const COMPILED_ENTRY = ["--max-semi-space-size=2", "dist/src/main.js"];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs the real entry point (`node --import tsx src/main.ts` or `node --max-semi-space-size=2 dist/src/main.js`, so the
 * child pid is node itself)
 * against the bench database and the fake Lark server; measures start-to-ready, idle RSS and
 * graceful stop.
 */
export async function measureEntrypoint(options: {
  cwd: string;
  /** Node's arguments: the tsx entry point (default) or the compiled one (COMPILED_ENTRY). */
  args?: string[];
  mongoUri: string;
  larkDomain: string;
  encryptKey: string;
  verificationToken: string;
  idleMs?: number;
}): Promise<EntrypointResult> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "development",
    LARK_APP_ID: "cli_be0c0000000000a3",
    LARK_APP_SECRET: "bench-app-secret",
    LARK_ENCRYPT_KEY: options.encryptKey,
    LARK_VERIFICATION_TOKEN: options.verificationToken,
    LARK_DOMAIN: options.larkDomain,
    LARK_TRANSPORT: "webhook",
    PORT: String(port),
    MONGODB_URI: options.mongoUri,
    LOG_LEVEL: "info",
  };
  const started = performance.now();
  const child = spawn(process.execPath, options.args ?? TSX_ENTRY, {
    cwd: options.cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  // "close" comes after "exit", once the child's output has been read to the end.
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  let output = "";
  let loggedStopped = false;
  let selfReportedStartMs: number | null = null;
  const ready = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`zhibu was not ready within 60 s:\n${output}`)), 60_000);
    let pending = "";
    const onLine = (line: string) => {
      if (line.includes('"msg":"stopped"')) loggedStopped = true;
      if (!line.includes("zhibu ready")) return;
      clearTimeout(timer);
      try {
        const startMs = (JSON.parse(line) as { startMs?: unknown }).startMs;
        if (typeof startMs === "number") selfReportedStartMs = startMs;
      } catch {
        // Not JSON: the wall-clock time is what counts.
      }
      resolve(performance.now() - started);
    };
    child.stdout.on("data", (chunk: Buffer) => {
      const text = pending + chunk.toString("utf8");
      output += chunk.toString("utf8");
      const lines = text.split("\n");
      pending = lines.pop() ?? "";
      lines.forEach(onLine);
    });
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`zhibu exited before ready (code ${code}, signal ${signal}):\n${output}`));
    });
  });

  try {
    const readyMs = await ready;
    const cpuToReadyMs = processCpuMs(child.pid);
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    const healthz = { status: response.status, body: await response.text() };
    await sleep(options.idleMs ?? 2_000);
    const rssMb = vmRssKb(child.pid!) / 1024;
    const treeRssMb = treeRssKb(child.pid!) / 1024;

    const stopStarted = performance.now();
    child.kill("SIGTERM");
    const stopped = await Promise.race([exited, sleep(10_000).then(() => null)]);
    const stopMs = performance.now() - stopStarted;
    if (!stopped) {
      child.kill("SIGKILL");
      await exited;
      throw new Error(`zhibu did not stop within 10 s of SIGTERM:\n${output.slice(-2000)}`);
    }
    await Promise.race([closed, sleep(2_000)]);
    return {
      readyMs,
      selfReportedStartMs,
      cpuToReadyMs,
      healthz,
      rssMb,
      treeRssMb,
      stopMs,
      exitCode: stopped.code,
      exitSignal: stopped.signal,
      loggedStopped,
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
  }
}
