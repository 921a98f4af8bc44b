import type { Server } from "node:http";
import { hostname } from "node:os";
import type { Connection } from "mongoose";
import { DELIVERY_POLL_MS } from "../config/delivery.js";
import { buildBot } from "./bot.js";
import { createModels } from "./db/models/index.js";
import { refreshRecentlyAnsweredCards } from "./delivery/cardKinds.js";
import { systemClock } from "./domain/clock.js";
import { hasAnyProfile } from "./domain/dues.js";
import type { Config } from "./env.js";
import { createJobs, createScheduler } from "./jobs/index.js";
import { createLarkApi, createLarkClient } from "./lark/api.js";
import { startWsTransport } from "./lark/ws.js";
import type { Logger } from "./logger.js";
import { watchParents, type LarkStatus } from "./startup.js";

/*
 * The bot's half of the production entry point (src/main.ts): everything after the database is
 * open. main.ts starts loading this module first thing and awaits it only once connected, so
 * reading and compiling the bot's code (the Lark SDK, Koa, the commands …) overlaps the waits for
 * Lark and the database instead of coming before them.
 */

/** Builds the bot on an open database and starts the transport, jobs and signal handling. */
export async function run(
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
