import type { Logger } from "../logger.js";

/** Event type → handler of the parsed event; returns the JSON answer (card callbacks) or {}. */
export type EventHandlers = Record<string, (event: unknown) => Promise<object>>;

/**
 * Routes a decrypted, checked event to its handler, shaped as the SDK's EventDispatcher shapes it
 * (schema 2.0: the header's and the event's fields side by side; schema 1.0: the event's fields
 * and the envelope's), so the long connection (ws.ts, the SDK's own dispatcher over the same
 * handlers) and the webhook routes hand the handlers the same objects.
 */
export interface LarkDispatcher {
  readonly handlers: EventHandlers;
  /** `options` for the SDK's signature (callers pass `{ needCheck: false }`: checked already). */
  invoke(data: Record<string, unknown>, options?: { needCheck?: boolean }): Promise<unknown>;
}

/** The fields a handler gets from a decrypted event body, as the SDK's RequestHandle.parse gives them. */
export function parseEvent(data: Record<string, unknown>): { type: unknown; event: Record<string, unknown> } {
  const record = (value: unknown) =>
    value && typeof value === "object" ? (value as Record<string, unknown>) : {};
  if ("schema" in data) {
    const { header, event, ...rest } = data;
    return { type: record(header).event_type, event: { ...rest, ...record(header), ...record(event) } };
  }
  const { event, ...rest } = data;
  return { type: record(event).type, event: { ...record(event), ...rest } };
}

export function createDispatcher(handlers: EventHandlers, logger: Logger): LarkDispatcher {
  return {
    handlers,
    async invoke(data) {
      const { type, event } = parseEvent(data);
      const handler = typeof type === "string" ? handlers[type] : undefined;
      if (!handler) {
        logger.debug({ eventType: type }, "no handler for this event type");
        return undefined;
      }
      return handler(event);
    },
  };
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
