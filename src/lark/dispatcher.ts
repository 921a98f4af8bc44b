import * as lark from "@larksuiteoapi/node-sdk";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";

/** Event type → handler of the SDK-parsed event; returns the JSON answer (card callbacks) or {}. */
export type EventHandlers = Record<string, (event: unknown) => Promise<object>>;

/** One SDK dispatcher serves the webhook routes and the long connection alike. */
export function createDispatcher(
  config: Config,
  handlers: EventHandlers,
  logger: Logger,
): lark.EventDispatcher {
  const dispatcher = new lark.EventDispatcher({
    encryptKey: config.LARK_ENCRYPT_KEY,
    verificationToken: config.LARK_VERIFICATION_TOKEN,
    logger: sdkLogger(logger),
    loggerLevel: lark.LoggerLevel.warn,
  });
  dispatcher.register(handlers);
  return dispatcher;
}

/** Routes the SDK's own log lines into our JSON logger. */
export function sdkLogger(logger: Logger) {
  const child = logger.child({ component: "lark-sdk" });
  const line = (args: unknown[]) =>
    args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ");
  return {
    error: (...args: unknown[]) => child.error(line(args)),
    warn: (...args: unknown[]) => child.warn(line(args)),
    info: (...args: unknown[]) => child.info(line(args)),
    debug: (...args: unknown[]) => child.debug(line(args)),
    trace: (...args: unknown[]) => child.trace(line(args)),
  };
}
