import * as lark from "@larksuiteoapi/node-sdk";
import type { Config } from "../env.js";
import type { Logger } from "../logger.js";
import { sdkLogger } from "./dispatcher.js";

/**
 * Long-connection transport: no public URL needed. Events and card callbacks arrive over the
 * socket and go through the same dispatcher as the webhook routes.
 */
export async function startWsTransport(
  config: Config,
  dispatcher: lark.EventDispatcher,
  logger: Logger,
  events: { onUp(up: boolean): void; onGaveUp(reason: string): void },
): Promise<{ close(): void }> {
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
  await client.start({ eventDispatcher: dispatcher });
  // "zhibu ready" only once the long connection is up.
  await ready;
  return { close: () => client.close() };
}
