import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { Writable } from "node:stream";
import { buildBot, type Bot } from "../../src/bot.js";
import type { Config } from "../../src/env.js";
import { fixedClock } from "../../src/domain/clock.js";
import { createLarkApi, createLarkClient } from "../../src/lark/api.js";
import { createLogger } from "../../src/logger.js";
import { TEST_ENCRYPT_KEY, TEST_TOKEN, testConfig } from "./config.js";
import { openTestDb, type TestDb } from "./db.js";
import { LarkMock } from "./larkMock.js";
import { cardActionEvent, messageEvent, signedBody, type MessageOptions } from "./larkPayloads.js";

export { TEST_ENCRYPT_KEY, TEST_TOKEN } from "./config.js";

/** A card callback's answer as the tests read it. */
export interface ClickAnswer {
  toast: { type: string; content: string };
  card: { type: string; data: Record<string, unknown> };
}

export interface TestBot {
  bot: Bot;
  db: TestDb;
  config: Config;
  clock: ReturnType<typeof fixedClock>;
  lark: LarkMock;
  url: string;
  /** Every log line written, parsed. */
  logs: Record<string, unknown>[];
  rawLogs: string[];
  post(path: string, payload: unknown, options?: { timestamp?: number }): Promise<Response>;
  /** Sends a command message through the webhook and waits until its work is done. */
  say(options: Omit<MessageOptions, "token">): Promise<Response>;
  click(
    options: Omit<Parameters<typeof cardActionEvent>[0], "token">,
  ): Promise<{ status: number; body: ClickAnswer }>;
  close(): Promise<void>;
}

/** A real bot (Koa, SDK dispatcher, SDK client, database) with Lark faked by nock. */
export async function startTestBot(
  label: string,
  options: { now?: string; admins?: string[]; duesKey?: string } = {},
): Promise<TestBot> {
  const db = await openTestDb(label);
  const config = testConfig({
    ZHIBU_ADMINS: (options.admins ?? []).join(","),
    ZHIBU_DUES_KEY: options.duesKey,
  });
  const clock = fixedClock(options.now ?? "2026-11-23T02:00:00Z");
  const rawLogs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      rawLogs.push(...String(chunk).split("\n").filter(Boolean));
      callback();
    },
  });
  const logger = createLogger("info", sink);
  const bot = await buildBot({
    config,
    connection: db.connection,
    lark: createLarkApi(createLarkClient(config, logger)),
    clock,
    logger,
  });
  const server: Server = bot.app.listen(0, "127.0.0.1");
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const lark = new LarkMock();

  const post = (path: string, payload: unknown, postOptions: { timestamp?: number } = {}) => {
    const signed = signedBody(payload, {
      encryptKey: TEST_ENCRYPT_KEY,
      timestamp: postOptions.timestamp ?? Math.floor(clock.now().getTime() / 1000),
    });
    return fetch(`${url}${path}`, { method: "POST", headers: signed.headers, body: signed.body });
  };

  return {
    bot,
    db,
    config,
    clock,
    lark,
    url,
    rawLogs,
    get logs() {
      return rawLogs.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    post,
    async say(message) {
      const response = await post("/webhook/event", messageEvent({ ...message, token: TEST_TOKEN }));
      await bot.inbox.idle();
      return response;
    },
    async click(action) {
      const response = await post("/webhook/card", cardActionEvent({ ...action, token: TEST_TOKEN }));
      const body = (await response.json()) as ClickAnswer;
      return { status: response.status, body };
    },
    async close() {
      await bot.inbox.idle();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      LarkMock.reset();
      await db.close();
    },
  };
}
