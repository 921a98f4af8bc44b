/**
 * The playground put together: the Lark stand-in, the real bot (webhook transport, SDK pointed at
 * the stand-in), the demo organisation, the page's API on the bot's own Koa app, and the jobs on
 * the playground's clock. main.ts starts it with its own database; the tests with theirs.
 */
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Connection } from "mongoose";
import { DELIVERY_POLL_MS } from "../../config/delivery.js";
import { buildBot, type Bot } from "../bot.js";
import { loadConfig, type Config } from "../env.js";
import { createJobs, createScheduler } from "../jobs/index.js";
import { createLarkApi, createLarkClient } from "../lark/api.js";
import type { Logger } from "../logger.js";
import { checkLarkCredentials, type LarkStatus } from "../startup.js";
import type { PlaygroundClock } from "./clock.js";
import { createClockControl, type ClockControl } from "./clockControl.js";
import { addDemoChats, DEMO_ORG_SECRETARY, seedDemoOrganisation } from "./demo.js";
import { mountPlayground, PlaygroundInProductionError } from "./routes.js";
import { startStandIn } from "./standIn.js";
import type { PlaygroundStore } from "./store.js";

/** The playground's Lark app: made up here, known only to the stand-in and the bot. */
export interface PlaygroundSecrets {
  appId: string;
  appSecret: string;
  encryptKey: string;
  verificationToken: string;
  /** Seals the demo members' incomes (their dues standard). */
  duesKey: string;
}

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

export function generateSecrets(): PlaygroundSecrets {
  return {
    appId: `cli_${hex(8)}`,
    appSecret: hex(16),
    encryptKey: hex(16),
    verificationToken: hex(16),
    duesKey: hex(32),
  };
}

/**
 * The bot's configuration in the playground: the environment's own settings (TZ, reminders…),
 * the made-up app, Lark at the stand-in, the 党委书记 as admin, dues reminders on the 1st (so the
 * clock control's "1st of next month" shows them) unless set.
 */
export function playgroundConfig(
  env: NodeJS.ProcessEnv,
  secrets: PlaygroundSecrets,
  larkUrl: string,
): Config {
  if (env.NODE_ENV === "production") throw new PlaygroundInProductionError();
  return loadConfig({
    ...env,
    LARK_APP_ID: secrets.appId,
    LARK_APP_SECRET: secrets.appSecret,
    LARK_ENCRYPT_KEY: secrets.encryptKey,
    LARK_VERIFICATION_TOKEN: secrets.verificationToken,
    LARK_DOMAIN: larkUrl,
    LARK_TRANSPORT: "webhook",
    ZHIBU_ADMINS: DEMO_ORG_SECRETARY.openId,
    ZHIBU_DUES_KEY: secrets.duesKey,
    ZHIBU_DUES_REMINDER_DAY: env.ZHIBU_DUES_REMINDER_DAY ?? "1",
    LOG_LEVEL: env.LOG_LEVEL ?? "warn",
  });
}

export interface PlaygroundOptions {
  env: NodeJS.ProcessEnv;
  connection: Connection;
  store: PlaygroundStore;
  clock: PlaygroundClock;
  secrets: PlaygroundSecrets;
  logger: Logger;
  /** The bot's port on 127.0.0.1 (0: any free one). */
  port: number;
  /** How often the jobs are checked on the playground's clock between moves. */
  tickMs?: number;
  onClockMoved?(offsetMs: number): void;
  /** Members per page in the stand-in (tests page with fewer). */
  maxPageSize?: number;
}

export interface Playground {
  /** The bot's address; the page is at `${url}/playground`. */
  url: string;
  bot: Bot;
  config: Config;
  clockControl: ClockControl;
  larkUrl: string;
  stop(): Promise<void>;
}

export async function startPlayground(options: PlaygroundOptions): Promise<Playground> {
  const { store, clock, secrets, logger } = options;
  if (options.env.NODE_ENV === "production") throw new PlaygroundInProductionError();
  addDemoChats(store);
  const standIn = await startStandIn({
    store,
    appId: secrets.appId,
    appSecret: secrets.appSecret,
    maxPageSize: options.maxPageSize,
  });
  const stops: (() => Promise<void> | void)[] = [() => standIn.close()];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) await step();
  };
  try {
    const config = playgroundConfig(options.env, secrets, standIn.url);
    const larkStatus: LarkStatus = { up: false };
    // The start-up check of a real start, against the stand-in: it must pass.
    await checkLarkCredentials(config, logger, () => undefined, larkStatus);
    if (!larkStatus.up) throw new Error("the Lark stand-in did not grant a tenant token");

    const bot = await buildBot({
      config,
      connection: options.connection,
      lark: createLarkApi(createLarkClient(config, logger)),
      clock,
      logger,
      larkStatus,
    });
    await seedDemoOrganisation(bot.deps);
    const jobs = createJobs({
      reminderOffsets: config.ZHIBU_MEETING_REMINDERS,
      birthdayHour: config.ZHIBU_BIRTHDAY_HOUR,
    });
    // No node-cron: it follows the real time; the clock control runs the jobs on the playground's.
    const scheduler = createScheduler({
      deps: bot.deps,
      jobs,
      instanceId: `playground:${process.pid}`,
      schedule: () => ({ stop() {}, destroy() {} }),
    });
    const clockControl = createClockControl({
      clock,
      scheduler,
      jobs,
      timeZone: config.TZ,
      drain: () => bot.delivery.idle(),
      settle: async () => {
        await bot.inbox.idle();
        await bot.delivery.idle();
      },
      onMoved: options.onClockMoved,
    });
    let url = "";
    mountPlayground(bot.app, config, {
      store,
      models: bot.deps.models,
      clock,
      app: {
        appId: secrets.appId,
        verificationToken: secrets.verificationToken,
        encryptKey: secrets.encryptKey,
      },
      timeZone: config.TZ,
      botUrl: () => url,
      moveClock: (to) => clockControl.move(to),
    });
    const server: Server = bot.app.listen(options.port, "127.0.0.1");
    await new Promise<void>((resolve, reject) => {
      server.once("listening", () => resolve());
      server.once("error", reject);
    });
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    bot.metrics.larkConnectionUp.set(1);

    await bot.takeOverOwnClaims();
    await bot.inbox.recover();
    bot.inbox.start();
    bot.delivery.start(DELIVERY_POLL_MS);
    await scheduler.start();
    clockControl.start(options.tickMs);
    stops.push(async () => {
      clockControl.stop();
      await scheduler.stop();
      bot.inbox.stop();
      bot.delivery.stop();
      await bot.inbox.idle();
      store.flush();
    });
    return { url, bot, config, clockControl, larkUrl: standIn.url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
