import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as lark from "@larksuiteoapi/node-sdk";
import type { Connection } from "mongoose";

export const BASELINE_COLLECTION = "bench_baseline_clicks";

export interface Baseline {
  url: string;
  close(): Promise<void>;
}

/**
 * The floor to compare with: the bare SDK EventDispatcher on node:http (the SDK's own adaptor,
 * which checks the signature itself), answering each card click after one insertOne.
 */
export async function startBaseline(options: {
  encryptKey: string;
  verificationToken: string;
  connection: Connection;
}): Promise<Baseline> {
  const collection = options.connection.collection(BASELINE_COLLECTION);
  const dispatcher = new lark.EventDispatcher({
    encryptKey: options.encryptKey,
    verificationToken: options.verificationToken,
    loggerLevel: lark.LoggerLevel.warn,
  }).register({
    "card.action.trigger": async (data: {
      event_id?: string;
      operator?: { open_id?: string };
      action?: { value?: { meetingId?: string; response?: string } };
    }) => {
      await collection.insertOne({
        eventId: data.event_id,
        openId: data.operator?.open_id,
        meetingId: data.action?.value?.meetingId,
        response: data.action?.value?.response,
        at: new Date(),
      });
      return { toast: { type: "success", content: "已收到" } };
    },
  });
  const handler = lark.adaptDefault("/webhook/card", dispatcher, { autoChallenge: true });
  const server: Server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhook/card`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
