import type { Connection } from "mongoose";
import { createApp } from "./app.js";
import type { Config } from "./config.js";
import { createModels, syncIndexes } from "./db/models/index.js";
import type { AppDeps } from "./deps.js";
import { CardRefresher } from "./delivery/cardRefresher.js";
import type { Clock } from "./domain/clock.js";
import { createDispatcher } from "./lark/dispatcher.js";
import type { LarkApi } from "./lark/types.js";
import type { Logger } from "./logger.js";
import { createRouter } from "./router.js";

/** Wires the bot from its parts; main.ts, the tests and the benchmark all build it here. */
export async function buildBot(options: {
  config: Config;
  connection: Connection;
  lark: LarkApi;
  clock: Clock;
  logger: Logger;
}) {
  const models = createModels(options.connection);
  await syncIndexes(models);
  const deps: AppDeps = {
    config: options.config,
    models,
    lark: options.lark,
    clock: options.clock,
    logger: options.logger,
    cardRefresher: new CardRefresher((id, card) => options.lark.patchCard(id, card), options.logger),
  };
  const router = createRouter(deps);
  const dispatcher = createDispatcher(options.config, router.handlers, options.logger);
  const app = createApp(deps, dispatcher, options.connection);
  return { deps, router, dispatcher, app };
}

export type Bot = Awaited<ReturnType<typeof buildBot>>;
