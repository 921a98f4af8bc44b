import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import Router from "@koa/router";
import Koa from "koa";
import type { Connection } from "mongoose";
import { pingDb } from "./db/connection.js";
import type { AppDeps } from "./deps.js";
import type { LarkDispatcher } from "./lark/dispatcher.js";
import { larkWebhook } from "./lark/webhook.js";

/** The HTTP face of the bot: webhook routes, health check, error handler. No business logic. */
export function createApp(
  deps: AppDeps,
  dispatcher: LarkDispatcher,
  connection: Connection,
  larkStatus?: { up: boolean },
): Koa {
  const app = new Koa();
  const router = new Router();
  const webhook = larkWebhook(dispatcher, {
    appId: deps.config.LARK_APP_ID,
    encryptKey: deps.config.LARK_ENCRYPT_KEY,
    verificationToken: deps.config.LARK_VERIFICATION_TOKEN,
    clock: deps.clock,
    logger: deps.logger,
  });

  // In long-connection mode there is no Encrypt Key to check a POST against: no webhook routes.
  if (deps.config.LARK_TRANSPORT === "webhook") {
    router.post("/webhook/event", webhook);
    router.post("/webhook/card", webhook);
  }
  router.get("/healthz", async (ctx) => {
    const up = await pingDb(connection);
    const lark = larkStatus ? { lark: larkStatus.up ? "up" : "down" } : {};
    const ok = up && larkStatus?.up !== false;
    ctx.status = ok ? 200 : 503;
    ctx.body = { status: ok ? "ok" : "degraded", db: up ? "up" : "down", ...lark };
  });

  const metrics = deps.metrics;
  if (metrics) {
    router.get("/metrics", async (ctx) => {
      if (!metricsAllowed(deps.config.ZHIBU_METRICS_TOKEN, ctx.get("authorization"))) {
        ctx.status = 401;
        ctx.set("WWW-Authenticate", 'Bearer realm="metrics"');
        ctx.body = { error: "unauthorized" };
        return;
      }
      ctx.type = metrics.registry.contentType;
      ctx.body = await metrics.registry.metrics();
    });
  }

  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (clientHungUp(ctx.req, error)) {
        // Nothing to answer and nothing wrong with the bot: Lark (or a client) went away.
        deps.logger.info({ path: ctx.path, outcome: "client-aborted" }, "request aborted by the client");
        return;
      }
      deps.logger.error({ err: error, path: ctx.path }, "request failed");
      ctx.status = 500;
      ctx.body = { error: "internal error" };
    }
  });
  // Errors Koa sees outside the middleware (e.g. a socket closed mid-request): our logger, never
  // Koa's default console output.
  app.on("error", (error: unknown, ctx?: Koa.Context) => {
    if (ctx && clientHungUp(ctx.req, error)) return; // already logged at info, or nothing to tell
    if (isClientParseError(error)) {
      deps.logger.info({ path: ctx?.path, outcome: "client-aborted" }, "request aborted by the client");
      return;
    }
    deps.logger.error({ err: error, path: ctx?.path }, "request failed");
  });
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

/** Without ZHIBU_METRICS_TOKEN, anyone; with it, only `Authorization: Bearer <token>`. */
function metricsAllowed(token: string | undefined, authorization: string): boolean {
  if (!token) return true;
  const given = Buffer.from(authorization.replace(/^Bearer\s+/i, ""));
  const expected = Buffer.from(token);
  return (
    /^Bearer\s/i.test(authorization) && given.length === expected.length && timingSafeEqual(given, expected)
  );
}

/** True when a request failed because the client closed the connection before its body ended. */
function clientHungUp(req: IncomingMessage, error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    req.destroyed &&
    !req.complete &&
    (code === "ECONNRESET" || code === "ECONNABORTED" || (error as Error)?.message === "aborted")
  );
}

/** Node's HTTP parser failing on a connection the client closed before its body ended. */
function isClientParseError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code.startsWith("HPE_") || code === "ECONNRESET");
}
