import "dotenv/config";
import path from "node:path";
import type { Connection } from "mongoose";
import { loadDuesRules } from "../config/dues.js";
import { connectDb } from "./db/connection.js";
import { LocalDbUnavailableError, startLocalDb, type LocalDbServer } from "./db/localServer.js";
import { ConfigError, loadConfig, wantsPlayground } from "./env.js";
import { createLogger } from "./logger.js";
import {
  checkLarkCredentials,
  checkPortFree,
  lockDataDir,
  recordLocalDb,
  StartupError,
  stopOrphanedLocalDb,
  type LarkStatus,
} from "./startup.js";

/** load config → connect db → build app → start transport; stop gracefully on SIGINT/SIGTERM. */
async function main() {
  const startedAt = Date.now();
  if (wantsPlayground(process.env)) {
    // Loaded only then: a configured bot never has the playground's code in its process.
    const { runPlayground } = await import("./playground/main.js");
    return runPlayground(process.env);
  }
  // The bot's code loads while Lark and the database answer (see src/serve.ts).
  const serving = import("./serve.js");
  serving.catch(() => undefined); // awaited below; a failed start may never get there
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`${error.message}\nSee .env.example for every variable.`);
      process.exit(1);
    }
    throw error;
  }
  process.env.TZ = config.TZ;
  const logger = createLogger(config.LOG_LEVEL);

  const larkStatus: LarkStatus = { up: false };
  let localDb: LocalDbServer | undefined;
  let releaseDataDir: (() => void) | undefined;
  let connection: Connection | undefined;
  let connecting: Promise<Connection> | undefined;
  let credentialRetry: { stop(): void } | undefined;
  // Any failed start stops what it started: the local database above all.
  const cleanUp = async () => {
    credentialRetry?.stop();
    const open = connection ?? (await connecting?.catch(() => undefined));
    await open?.close().catch(() => undefined);
    await localDb?.stop();
    releaseDataDir?.();
  };
  const fail = async (message: string) => {
    console.error(message);
    await cleanUp();
    process.exit(1);
  };
  process.once("exit", () => localDb?.kill());
  try {
    // Everything that can be checked before the database starts.
    loadDuesRules(config.ZHIBU_DUES_RULES_FILE);
    await checkPortFree(config.PORT);
    if (!config.MONGODB_URI) {
      const orphan = await stopOrphanedLocalDb(config.ZHIBU_DATA_DIR);
      if (orphan)
        logger.warn(
          { pid: orphan },
          `stopped the local database a previous zhibu left running (pid ${orphan})`,
        );
      releaseDataDir = lockDataDir(config.ZHIBU_DATA_DIR);
    }
    // A database of the operator's is connected to while Lark answers (the local one starts only
    // for credentials Lark accepted): the two round trips overlap.
    if (config.MONGODB_URI) {
      connecting = connectDb(config.MONGODB_URI);
      // Awaited below (or by cleanUp): a refusal from Lark first must not leave it unhandled.
      connecting.catch(() => undefined);
    }
    credentialRetry = await checkLarkCredentials(
      config,
      logger,
      (error) => void fail(error.message),
      larkStatus,
    );
  } catch (error) {
    if (error instanceof StartupError || error instanceof Error) return fail(error.message);
    throw error;
  }
  let uri = config.MONGODB_URI;
  try {
    if (!uri) {
      localDb = await startLocalDb({ dataDir: path.resolve(config.ZHIBU_DATA_DIR, "db") });
      recordLocalDb(config.ZHIBU_DATA_DIR, localDb.pid);
      uri = localDb.uri;
      logger.info({ port: localDb.port }, "started the local database (SecantusDB)");
    }
    connection = await (connecting ?? connectDb(uri));
  } catch (error) {
    return fail(
      error instanceof LocalDbUnavailableError
        ? error.message
        : `zhibu failed to start: ${(error as Error).message}`,
    );
  }
  try {
    const { run } = await serving;
    await run(config, logger, connection, larkStatus, startedAt, cleanUp, () => localDb?.kill());
  } catch (error) {
    return fail(`zhibu failed to start: ${error instanceof Error ? error.message : String(error)}`);
  }
}

main().catch((error: unknown) => {
  console.error("zhibu failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
