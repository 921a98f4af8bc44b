import "dotenv/config";
import path from "node:path";
import type { Server } from "node:http";
import { buildBot } from "./bot.js";
import { createModels } from "./db/models/index.js";
import { hasAnyProfile } from "./domain/dues.js";
import { ConfigError, loadConfig } from "./env.js";
import { connectDb } from "./db/connection.js";
import { LocalDbUnavailableError, startLocalDb, type LocalDbServer } from "./db/localServer.js";
import { systemClock } from "./domain/clock.js";
import { createLarkApi, createLarkClient } from "./lark/api.js";
import { startWsTransport } from "./lark/ws.js";
import { createLogger } from "./logger.js";
import { hostname } from "node:os";
import { DELIVERY_POLL_MS } from "../config/delivery.js";
import { createJobs, createScheduler } from "./jobs/index.js";

/** load config → connect db → build app → start transport; stop gracefully on SIGINT/SIGTERM. */
async function main() {
  const startedAt = Date.now();
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

  let localDb: LocalDbServer | undefined;
  let uri = config.MONGODB_URI;
  if (!uri) {
    try {
      localDb = await startLocalDb({ dataDir: path.resolve(config.ZHIBU_DATA_DIR, "db") });
    } catch (error) {
      if (error instanceof LocalDbUnavailableError) {
        console.error(`${error.message}`);
        process.exit(1);
      }
      throw error;
    }
    uri = localDb.uri;
    logger.info({ port: localDb.port }, "started the local database (SecantusDB)");
  }
  const connection = await connectDb(uri);
  // Incomes are sealed with ZHIBU_DUES_KEY: once any dues profile exists, the key is required.
  if (!config.ZHIBU_DUES_KEY && (await hasAnyProfile(createModels(connection)))) {
    console.error(
      "ZHIBU_DUES_KEY is not set, but dues profiles exist: set it to the key they were sealed with (see .env.example).",
    );
    process.exit(1);
  }
  const bot = await buildBot({
    config,
    connection,
    lark: createLarkApi(createLarkClient(config, logger)),
    clock: systemClock,
    logger,
  });

  let ws: { close(): void } | undefined;
  // The HTTP server always runs (for /healthz); in ws mode events come over the long connection.
  const server: Server = bot.app.listen(config.PORT);
  // A port in use (a previous process still alive) stops the start here, before any takeover.
  await new Promise<void>((resolve, reject) => {
    server.once("listening", () => resolve());
    server.once("error", reject);
  });
  if (config.LARK_TRANSPORT === "ws") ws = await startWsTransport(config, bot.dispatcher, logger);
  // Webhook mode holds no connection to lose: 1 from here on. In ws mode, 1 once the socket is open.
  bot.metrics.larkConnectionUp.set(1);
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
    await connection.close();
    await localDb?.stop();
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error("zhibu failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
