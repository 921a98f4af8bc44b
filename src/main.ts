import "dotenv/config";
import path from "node:path";
import type { Server } from "node:http";
import { buildBot } from "./bot.js";
import { createModels } from "./db/models/index.js";
import { hasAnyProfile } from "./domain/dues.js";
import { ConfigError, loadConfig, wantsPlayground } from "./env.js";
import { connectDb } from "./db/connection.js";
import { LocalDbUnavailableError, startLocalDb, type LocalDbServer } from "./db/localServer.js";
import { systemClock } from "./domain/clock.js";
import { createLarkApi, createLarkClient } from "./lark/api.js";
import { startWsTransport } from "./lark/ws.js";
import { createLogger } from "./logger.js";
import { hostname } from "node:os";
import { DELIVERY_POLL_MS } from "../config/delivery.js";
import { refreshRecentlyAnsweredCards } from "./delivery/cardKinds.js";
import { createJobs, createScheduler } from "./jobs/index.js";
import type { Connection } from "mongoose";
import type { Config } from "./env.js";
import type { Logger } from "./logger.js";
import { loadDuesRules } from "../config/dues.js";
import {
  checkLarkCredentials,
  checkPortFree,
  lockDataDir,
  recordLocalDb,
  StartupError,
  stopOrphanedLocalDb,
  type LarkStatus,
  watchParents,
} from "./startup.js";

/** load config → connect db → build app → start transport; stop gracefully on SIGINT/SIGTERM. */
async function main() {
  const startedAt = Date.now();
  if (wantsPlayground(process.env)) {
    // Loaded only then: a configured bot never has the playground's code in its process.
    const { runPlayground } = await import("./playground/main.js");
    return runPlayground(process.env);
  }
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
    await run(config, logger, connection, larkStatus, startedAt, cleanUp, () => localDb?.kill());
  } catch (error) {
    return fail(`zhibu failed to start: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Builds the bot on an open database and starts the transport, jobs and signal handling. */
async function run(
  config: Config,
  logger: Logger,
  connection: Connection,
  larkStatus: LarkStatus,
  startedAt: number,
  cleanUp: () => Promise<void>,
  localDbKill: () => void,
) {
  // Incomes are sealed with ZHIBU_DUES_KEY: once any dues profile exists, the key is required.
  if (!config.ZHIBU_DUES_KEY && (await hasAnyProfile(createModels(connection)))) {
    throw new Error(
      "ZHIBU_DUES_KEY is not set, but dues profiles exist: set it to the key they were sealed with (see .env.example).",
    );
  }
  const bot = await buildBot({
    config,
    connection,
    lark: createLarkApi(createLarkClient(config, logger)),
    clock: systemClock,
    logger,
    larkStatus,
  });

  let ws: { close(): void } | undefined;
  // The HTTP server always runs (for /healthz); in ws mode events come over the long connection.
  const server: Server = bot.app.listen(config.PORT);
  // A port in use (a previous process still alive) stops the start here, before any takeover.
  await new Promise<void>((resolve, reject) => {
    server.once("listening", () => resolve());
    server.once("error", reject);
  });
  if (config.LARK_TRANSPORT === "ws") {
    ws = await startWsTransport(config, bot.dispatcher, logger, {
      onUp: (up) => {
        larkStatus.up = up;
        bot.metrics.larkConnectionUp.set(up ? 1 : 0);
      },
      onGaveUp: (reason) => {
        console.error(`the Lark long connection failed for good: ${reason}`);
        void cleanUp().then(() => process.exit(1));
      },
    });
  } else {
    // Webhook mode holds no connection to lose: up once the credentials were accepted.
    bot.metrics.larkConnectionUp.set(1);
  }
  // This process now holds the port: leases left under its instance id are a dead predecessor's.
  const tookOver = await bot.takeOverOwnClaims();
  const recovered = await bot.inbox.recover();
  bot.inbox.start();
  bot.delivery.start(DELIVERY_POLL_MS);
  const scheduler = createScheduler({
    deps: bot.deps,
    jobs: createJobs({
      reminderOffsets: config.ZHIBU_MEETING_REMINDERS,
      birthdayHour: config.ZHIBU_BIRTHDAY_HOUR,
    }),
    instanceId: `${hostname()}:${process.pid}`,
  });
  await scheduler.start();
  // A card refresh waits in memory for its round: one a killed predecessor lost is made good here.
  void refreshRecentlyAnsweredCards(bot.deps)
    .then((cards) => cards > 0 && logger.info({ cards }, "refreshed the cards answered before this start"))
    .catch((error: unknown) => logger.error({ err: error }, "could not refresh recently answered cards"));
  logger.info(
    {
      transport: config.LARK_TRANSPORT,
      port: config.PORT,
      instance: bot.identity.instanceId,
      tookOver,
      recovered,
      startMs: Date.now() - startedAt,
    },
    "zhibu ready",
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    // A stop that hangs (a request that never ends, a database gone first) still ends the process
    // and its local database.
    setTimeout(() => {
      localDbKill();
      process.exit(1);
    }, 10_000).unref();
    logger.info({ signal }, "stopping");
    ws?.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    await scheduler.stop();
    bot.inbox.stop();
    bot.delivery.stop();
    await bot.inbox.idle();
    await cleanUp();
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  watchParents(() => void stop("parent exited"));
}

main().catch((error: unknown) => {
  console.error("zhibu failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
