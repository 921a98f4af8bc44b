import type { Config } from "../env.js";
import type { Logger } from "../logger.js";
import { sdkLogger, type LarkDispatcher } from "./dispatcher.js";

/**
 * Long-connection transport: no public URL needed. Events and card callbacks arrive over the
 * socket and go to the same handlers as the webhook routes, through the SDK's own dispatcher.
 * The SDK (a 6 MB bundle) is loaded here only: webhook mode never loads it.
 */
export async function startWsTransport(
  config: Config,
  dispatcher: LarkDispatcher,
  logger: Logger,
  events: { onUp(up: boolean): void; onGaveUp(reason: string): void },
): Promise<{ close(): void }> {
  const lark = await import("@larksuiteoapi/node-sdk");
  const sdkDispatcher = new lark.EventDispatcher({
    logger: sdkLogger(logger),
    loggerLevel: lark.LoggerLevel.warn,
  }).register(dispatcher.handlers);
  let connected!: () => void;
  const ready = new Promise<void>((resolve) => (connected = resolve));
  const client = new lark.WSClient({
    appId: config.LARK_APP_ID,
    appSecret: config.LARK_APP_SECRET,
    domain: config.LARK_DOMAIN,
    logger: sdkLogger(logger),
    loggerLevel: lark.LoggerLevel.info,
    onReady: () => {
      events.onUp(true);
      connected();
    },
    onReconnecting: () => events.onUp(false),
    onReconnected: () => events.onUp(true),
    // The SDK gives up (credentials refused, retries exhausted): exit so the restart policy acts.
    onError: (error) => {
      events.onUp(false);
      events.onGaveUp(error.message);
    },
  });
  await client.start({ eventDispatcher: sdkDispatcher });
  // "zhibu ready" only once the long connection is up.
  await ready;
  return { close: () => client.close() };
}
