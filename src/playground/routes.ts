import compose from "koa-compose";
import type Koa from "koa";
import type { Config } from "../env.js";
import { createPlaygroundApi, type PlaygroundApiOptions } from "./api.js";

/** Thrown when anything tries to mount the playground in production. */
export class PlaygroundInProductionError extends Error {
  constructor() {
    super("the playground never runs with NODE_ENV=production");
  }
}

/** A stand-in page until the playground's web page is served here (GET /playground). */
const placeholderPage: Koa.Middleware = async (ctx, next) => {
  if (ctx.method !== "GET" || (ctx.path !== "/playground" && ctx.path !== "/playground/")) return next();
  ctx.type = "html";
  ctx.body =
    '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>支部助手 · 体验</title>' +
    "<p>支部助手体验环境正在运行。接口见 /playground/api/state。</p></html>";
};

/**
 * Adds the playground's page and JSON API to the bot's Koa app. Never in production: the routes
 * are not mounted, whatever the caller asks.
 */
export function mountPlayground(app: Koa, config: Pick<Config, "NODE_ENV">, api: PlaygroundApiOptions): void {
  if (config.NODE_ENV === "production") throw new PlaygroundInProductionError();
  const router = createPlaygroundApi(api);
  app.use(compose([router.routes(), router.allowedMethods(), placeholderPage]));
}
