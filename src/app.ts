import Router from "@koa/router";
import Koa from "koa";
import type { Connection } from "mongoose";
import type * as lark from "@larksuiteoapi/node-sdk";
import { pingDb } from "./db/connection.js";
import type { AppDeps } from "./deps.js";
import { larkWebhook } from "./lark/webhook.js";

/** The HTTP face of the bot: webhook routes, health check, error handler. No business logic. */
export function createApp(deps: AppDeps, dispatcher: lark.EventDispatcher, connection: Connection): Koa {
  const app = new Koa();
  const router = new Router();
  const webhook = larkWebhook(dispatcher, {
    encryptKey: deps.config.LARK_ENCRYPT_KEY,
    verificationToken: deps.config.LARK_VERIFICATION_TOKEN,
    clock: deps.clock,
    logger: deps.logger,
  });

  router.post("/webhook/event", webhook);
  router.post("/webhook/card", webhook);
  router.get("/healthz", async (ctx) => {
    const up = await pingDb(connection);
    ctx.status = up ? 200 : 503;
    ctx.body = { status: up ? "ok" : "degraded", db: up ? "up" : "down" };
  });

  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      deps.logger.error({ err: error, path: ctx.path }, "request failed");
      ctx.status = 500;
      ctx.body = { error: "internal error" };
    }
  });
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
