import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import type { Config } from "./env.js";
import { checkCredentials } from "./lark/api.js";
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

/**
 * Takes ZHIBU_DATA_DIR for this process (`zhibu.pid`), or names the live process that holds it.
 * A pid file left by a dead process is taken over. Returns the release function.
 */
export function lockDataDir(dataDir: string): () => void {
  const file = path.join(path.resolve(dataDir), "zhibu.pid");
  mkdirSync(path.dirname(file), { recursive: true });
  let holder = NaN;
  try {
    holder = Number(readFileSync(file, "utf8").trim());
  } catch {
    // No pid file: the directory is free.
  }
  if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
    throw new StartupError(`another zhibu is using ${dataDir} (pid ${holder})`);
  }
  writeFileSync(file, `${process.pid}\n`);
  return () => {
    try {
      if (Number(readFileSync(file, "utf8").trim()) === process.pid) rmSync(file);
    } catch {
      // Already gone.
    }
  };
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
