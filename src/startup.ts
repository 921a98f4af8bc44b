import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import type { Config } from "./env.js";
import type { Logger } from "./logger.js";

/** A start-up check that failed: its message is the one line printed before exit 1. */
export class StartupError extends Error {}

/** Refuses to go on when PORT is taken (checked before the local database starts). */
export async function checkPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new StartupError(`port ${port} is in use`) : error),
    );
    probe.listen(port, () => probe.close(() => resolve()));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

const pidFile = (dataDir: string) => path.join(path.resolve(dataDir), "zhibu.pid");

/** `zhibu.pid`: the bot's pid, then `db <pid>` once it started the local database. */
function readPidFile(dataDir: string): { holder: number; db: number } {
  try {
    const [first, ...rest] = readFileSync(pidFile(dataDir), "utf8").trim().split("\n");
    const db = rest.map((line) => /^db (\d+)$/.exec(line.trim())?.[1]).find(Boolean);
    return { holder: Number(first), db: Number(db) };
  } catch {
    return { holder: NaN, db: NaN }; // No pid file: the directory is free.
  }
}

const heldBy = (pid: number) => Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid);

/**
 * Takes ZHIBU_DATA_DIR for this process (`zhibu.pid`), or names the live process that holds it.
 * A pid file left by a dead process is taken over. Returns the release function.
 */
export function lockDataDir(dataDir: string): () => void {
  const file = pidFile(dataDir);
  mkdirSync(path.dirname(file), { recursive: true });
  const { holder } = readPidFile(dataDir);
  if (heldBy(holder)) throw new StartupError(`another zhibu is using ${dataDir} (pid ${holder})`);
  writeFileSync(file, `${process.pid}\n`);
  return () => {
    try {
      if (readPidFile(dataDir).holder === process.pid) rmSync(file);
    } catch {
      // Already gone.
    }
  };
}

/** Notes the local database's pid in `zhibu.pid`, so a start after this process was killed finds it. */
export function recordLocalDb(dataDir: string, pid: number | undefined): void {
  if (!pid || readPidFile(dataDir).holder !== process.pid) return;
  writeFileSync(pidFile(dataDir), `${process.pid}\ndb ${pid}\n`);
}

/** Whether `pid` is a SecantusDB server on this data directory (Linux /proc; elsewhere: unknown). */
function isOurDatabase(pid: number, dataDir: string): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return args.some((arg) => arg.includes("secantusd")) && args.includes(path.resolve(dataDir, "db"));
  } catch {
    return false;
  }
}

/**
 * A bot killed without its graceful stop (SIGKILL, the OOM killer) leaves its
 * local database running on the data directory, and a new server there would refuse to start. When
 * `zhibu.pid` names a dead bot and a live database of this directory, that database is stopped
 * (SIGTERM, SIGKILL after 5 s). Returns its pid, or null when there was none.
 */
export async function stopOrphanedLocalDb(dataDir: string): Promise<number | null> {
  const { holder, db } = readPidFile(dataDir);
  if (heldBy(holder) || !heldBy(db) || !isOurDatabase(db, dataDir)) return null;
  process.kill(db, "SIGTERM");
  for (let waited = 0; alive(db); waited += 50) {
    if (waited === 5_000) process.kill(db, "SIGKILL");
    if (waited > 10_000) throw new StartupError(`the local database left running (pid ${db}) did not stop`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return db;
}

/** Whether Lark accepted the app's credentials (webhook mode) or the long connection is up (ws). */
export interface LarkStatus {
  up: boolean;
}

/**
 * Fetches a tenant token once before anything else starts: a refusal stops the start. A network
 * error only warns; the check goes on in the background with backoff, and a later refusal calls
 * `onRefused`.
 */
export async function checkLarkCredentials(
  config: Config,
  logger: Logger,
  onRefused: (error: StartupError) => void,
  status: LarkStatus,
  retryMs = { first: 1_000, max: 60_000 },
): Promise<{ stop(): void }> {
  const refusal = (reason: string) =>
    new StartupError(`Lark refused LARK_APP_ID/LARK_APP_SECRET (${reason}): check 凭证与基础信息 of the app`);
  // Loaded here, not with this module: main.ts starts the database's connection before the Lark
  // SDK has loaded, so the two overlap.
  const { checkCredentials } = await import("./lark/api.js");
  const first = await checkCredentials(config);
  if (first.ok) {
    status.up = true;
    return { stop() {} };
  }
  if (first.refused) throw refusal(first.reason);
  let timer: NodeJS.Timeout | undefined;
  let delay = retryMs.first;
  const retry = (reason: string) => {
    logger.warn({ reason, retryInMs: delay }, "could not reach Lark to check the app credentials; retrying");
    timer = setTimeout(() => {
      void checkCredentials(config).then((result) => {
        if (result.ok) {
          status.up = true;
          logger.info("Lark accepted the app credentials");
        } else if (result.refused) onRefused(refusal(result.reason));
        else {
          delay = Math.min(delay * 2, retryMs.max);
          retry(result.reason);
        }
      });
    }, delay);
    timer.unref();
  };
  retry(first.reason);
  return { stop: () => clearTimeout(timer) };
}

function parentOf(pid: number): number {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so read after the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return 0;
  }
}

/**
 * `kill <pid of npm start>`: npm does not pass the signal on, and the tsx launcher between npm and
 * this process outlives it. So watch the parent and grandparent (Linux /proc): when one is gone,
 * `onGone` stops the bot and its local database.
 */
export function watchParents(onGone: () => void, everyMs = 1_000): void {
  const watched = [process.ppid, parentOf(process.ppid)].filter((pid) => pid > 1);
  const timer = setInterval(() => {
    if (watched.some((pid) => !alive(pid))) {
      clearInterval(timer);
      onGone();
    }
  }, everyMs);
  timer.unref();
}
