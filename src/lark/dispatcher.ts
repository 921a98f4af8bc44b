import * as lark from "@larksuiteoapi/node-sdk";
import type { Config } from "../env.js";
import type { Logger } from "../logger.js";

/** Event type → handler of the SDK-parsed event; returns the JSON answer (card callbacks) or {}. */
/** The SDK's event dispatcher, named here so nothing outside src/lark/ imports the SDK. */
export type LarkDispatcher = lark.EventDispatcher;

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

/**
 * What of an SDK log argument may be logged: strings, and an error's message, status and Lark
 * code, never the request (its body holds message text, its headers the bearer token).
 */
function scrub(arg: unknown): string {
  if (typeof arg === "string") return arg;
  if (Array.isArray(arg)) return arg.map(scrub).join(" ");
  if (arg && typeof arg === "object") {
    const { message, response, code, msg } = arg as {
      message?: unknown;
      response?: { status?: unknown };
      code?: unknown;
      msg?: unknown;
    };
    const parts = [message, response?.status, code, msg].filter(
      (v) => v !== undefined && v !== null && v !== "",
    );
    return parts.length > 0 ? parts.map(String).join(" ") : "[object]";
  }
  return String(arg);
}

/** Routes the SDK's own log lines into our JSON logger. */
export function sdkLogger(logger: Logger) {
  const child = logger.child({ component: "lark-sdk" });
  const line = (args: unknown[]) => args.map(scrub).join(" ");
  return {
    error: (...args: unknown[]) => child.error(line(args)),
    warn: (...args: unknown[]) => child.warn(line(args)),
    info: (...args: unknown[]) => child.info(line(args)),
    debug: (...args: unknown[]) => child.debug(line(args)),
    trace: (...args: unknown[]) => child.trace(line(args)),
  };
}
