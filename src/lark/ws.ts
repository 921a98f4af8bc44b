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
): Promise<{ close(): void }> {
  const client = new lark.WSClient({
    appId: config.LARK_APP_ID,
    appSecret: config.LARK_APP_SECRET,
    domain: config.LARK_DOMAIN,
    logger: sdkLogger(logger),
    loggerLevel: lark.LoggerLevel.info,
  });
  await client.start({ eventDispatcher: dispatcher });
  return { close: () => client.close() };
}
