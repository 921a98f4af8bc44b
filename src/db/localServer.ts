import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The embedded local database: SecantusDB (MongoDB wire protocol, WiredTiger) from ./.venv. */
export interface LocalDbServer {
  uri: string;
  port: number;
  /** The server process (zhibu.pid's neighbour, the bench's CPU figures). */
  pid: number | undefined;
  stop(): Promise<void>;
  /** Synchronous last resort (process "exit"): SIGTERM to the server if it still runs. */
  kill(): void;
}

/**
 * The project root: the nearest folder above this file holding package.json, so the same code
 * finds ./.venv from src/db/ (tsx) and from dist/src/db/ (the compiled build).
 */
export function findProjectRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

const projectRoot = findProjectRoot();
const serverBin = path.join(projectRoot, ".venv/bin/secantusd-py");

export class LocalDbUnavailableError extends Error {}

/** Installs the pinned server into ./.venv on first use (a no-op when it is there). */
export function ensureLocalDbInstalled(): void {
  if (existsSync(serverBin)) return;
  const result = spawnSync("bash", [path.join(projectRoot, "scripts/install-local-db.sh")], {
    stdio: "inherit",
  });
  if (result.status !== 0 || !existsSync(serverBin)) {
    throw new LocalDbUnavailableError(
      "The local database (SecantusDB) could not be installed. Install python3 with venv and pip, " +
        "run `npm run db:install`, or set MONGODB_URI to a MongoDB server.",
    );
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Starts the server on 127.0.0.1 and resolves once it logs that it is listening. */
export async function startLocalDb(options: {
  dataDir: string;
  port?: number;
  timeoutMs?: number;
}): Promise<LocalDbServer> {
  ensureLocalDbInstalled();
  mkdirSync(options.dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const child: ChildProcess = spawn(
    serverBin,
    ["--host", "127.0.0.1", "--port", String(port), "--storage-path", options.dataDir],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new LocalDbUnavailableError(`local database did not start in time:\n${output}`)),
      options.timeoutMs ?? 30_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("listening on")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new LocalDbUnavailableError(`local database exited with code ${code}:\n${output}`));
    });
  });
  // Keep draining its output so a chatty server never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    port,
    pid: child.pid,
    uri: `mongodb://127.0.0.1:${port}/zhibu?directConnection=true`,
    kill: () => {
      if (child.exitCode === null) child.kill("SIGTERM");
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
      }),
  };
}
