import compose from "koa-compose";
import type Koa from "koa";
import type { Config } from "../env.js";
import { createPlaygroundApi, type PlaygroundApiOptions } from "./api.js";
import { playgroundStatic } from "./static.js";

/** Thrown when anything tries to mount the playground in production. */
export class PlaygroundInProductionError extends Error {
  constructor() {
    super("the playground never runs with NODE_ENV=production");
  }
}

/**
 * Adds the playground's page and JSON API to the bot's Koa app. Never in production: the routes
 * are not mounted, whatever the caller asks.
 */
export function mountPlayground(app: Koa, config: Pick<Config, "NODE_ENV">, api: PlaygroundApiOptions): void {
  if (config.NODE_ENV === "production") throw new PlaygroundInProductionError();
  const router = createPlaygroundApi(api);
  app.use(compose([router.routes(), router.allowedMethods(), playgroundStatic()]));
}
