/**
 * `npm start` with no Lark app configured (and not in production): the playground as a process.
 * Everything lives under `<ZHIBU_DATA_DIR>/playground/` (its own database, the stand-in's messages
 * and files, the made-up app and the clock's offset), never mixed with a real bot's data; with
 * MONGODB_URI set, its database is `zhibu_playground` on that server.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Connection } from "mongoose";
import { connectDb } from "../db/connection.js";
import { LocalDbUnavailableError, startLocalDb, type LocalDbServer } from "../db/localServer.js";
import { createLogger } from "../logger.js";
import { checkPortFree, lockDataDir, StartupError, watchParents } from "../startup.js";
import { playgroundClock } from "./clock.js";
import { generateSecrets, startPlayground, type Playground, type PlaygroundSecrets } from "./playground.js";
import { PlaygroundStore } from "./store.js";

export const PLAYGROUND_DB_NAME = "zhibu_playground";
const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

interface Saved {
  secrets: PlaygroundSecrets;
  clockOffsetMs: number;
}

/** The made-up app and the clock's offset, kept so a restart finds its data readable and its time. */
function loadSaved(file: string): Saved {
  try {
    const saved = JSON.parse(readFileSync(file, "utf8")) as Saved;
    if (saved.secrets?.appId && typeof saved.clockOffsetMs === "number") return saved;
  } catch {
    // A first start.
  }
  const fresh = { secrets: generateSecrets(), clockOffsetMs: 0 };
  writeSaved(file, fresh);
  return fresh;
}

function writeSaved(file: string, saved: Saved): void {
  writeFileSync(file, JSON.stringify(saved, null, 2));
  chmodSync(file, 0o600);
}

export async function runPlayground(env: NodeJS.ProcessEnv): Promise<void> {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    return exit(`PORT: expected a port number, got ${env.PORT}`);
  const dataDir = path.resolve(env.ZHIBU_DATA_DIR || "./data", "playground");
  let localDb: LocalDbServer | undefined;
  let connection: Connection | undefined;
  let release: (() => void) | undefined;
  let playground: Playground | undefined;
  const cleanUp = async () => {
    await playground?.stop().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await localDb?.stop();
    release?.();
  };
  process.once("exit", () => localDb?.kill());
  try {
    await checkPortFree(port);
    mkdirSync(dataDir, { recursive: true });
    release = lockDataDir(dataDir);
    const savedFile = path.join(dataDir, "playground.json");
    const saved = loadSaved(savedFile);
    const clock = playgroundClock(saved.clockOffsetMs);
    const store = new PlaygroundStore(clock, path.join(dataDir, "lark.json"));
    if (env.MONGODB_URI) {
      connection = await connectDb(env.MONGODB_URI, PLAYGROUND_DB_NAME);
    } else {
      localDb = await startLocalDb({ dataDir: path.join(dataDir, "db") });
      connection = await connectDb(localDb.uri);
    }
    process.env.TZ = env.TZ ?? "Asia/Shanghai";
    playground = await startPlayground({
      env: { ...env, ZHIBU_DATA_DIR: dataDir, PORT: String(port) },
      connection,
      store,
      clock,
      secrets: saved.secrets,
      logger: createLogger(LOG_LEVELS.find((level) => level === env.LOG_LEVEL) ?? "warn"),
      port,
      onClockMoved: (clockOffsetMs) => writeSaved(savedFile, { ...saved, clockOffsetMs }),
    });
  } catch (error) {
    await cleanUp();
    const message =
      error instanceof StartupError || error instanceof LocalDbUnavailableError
        ? error.message
        : `zhibu playground failed to start: ${error instanceof Error ? error.message : String(error)}`;
    return exit(message);
  }
  console.log(
    `zhibu playground: ${playground.url}/playground (no Lark app configured; see README "Playground")`,
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      localDb?.kill();
      process.exit(1);
    }, 10_000).unref();
    await cleanUp();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
  watchParents(() => void stop());
}

function exit(message: string): never {
  console.error(message);
  process.exit(1);
}
