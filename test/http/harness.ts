import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, expect } from "vitest";
import { LarkMock } from "../helpers/larkMock.js";
import { startTestBot, type TestBot } from "../helpers/testBot.js";
import { trusted } from "../../src/db/connection.js";

/** A request to a Lark host that no interceptor answered (the bot called Lark unexpectedly). */
function describeUnmatched(args: unknown[]): string | null {
  for (const arg of args) {
    if (!arg || typeof arg !== "object") continue;
    const request = arg as { host?: string; hostname?: string; path?: string; method?: string; url?: string };
    const host = request.hostname ?? request.host ?? (request.url ? new URL(request.url).host : "");
    if (!host) continue;
    if (/^(127\.0\.0\.1|localhost)(:\d+)?$/.test(host)) return null;
    return `${request.method ?? "?"} ${host}${request.path ?? ""}`;
  }
  return null;
}

export interface BotHarness {
  /** The bot of this test file (one database per file). */
  readonly t: TestBot;
  /** The Lark mock of the current test (fresh for every test). */
  readonly lark: LarkMock;
  /** Lark calls made that no interceptor expected. Checked empty after every test. */
  readonly unmatched: string[];
  /** What the bot sent to Lark in this file so far, across the tests' mocks. */
  readonly history: Pick<LarkMock, "replies" | "sent" | "patches">;
}

/**
 * One bot per test file; every test gets a fresh LarkMock, and after every test all its
 * interceptors must have been used and no unexpected Lark call may have been made. The same holds
 * for the file's own set-up (a `beforeAll` after `useBot`): it is checked before the first test.
 */
export function useBot(label: string, options: Parameters<typeof startTestBot>[1] = {}): BotHarness {
  let bot: TestBot | undefined;
  const unmatched: string[] = [];
  const mocks: LarkMock[] = [];
  const onNoMatch = (...args: unknown[]) => {
    const call = describeUnmatched(args);
    if (call) unmatched.push(call);
  };

  beforeAll(async () => {
    bot = await startTestBot(label, options);
    mocks.push(bot.lark);
    nock.emitter.on("no match", onNoMatch);
  });
  afterAll(async () => {
    nock.emitter.removeListener("no match", onNoMatch);
    await bot?.close();
  });
  beforeEach(async () => {
    await bot!.bot.inbox.idle();
    const calls = unmatched.splice(0);
    const pending = bot!.lark.pending();
    nock.cleanAll();
    bot!.lark = new LarkMock();
    mocks.push(bot!.lark);
    expect(calls, "unexpected Lark calls before this test").toEqual([]);
    expect(pending, "Lark calls expected before this test but not made").toEqual([]);
  });
  afterEach(async () => {
    await bot!.bot.inbox.idle();
    // Taken and cleared first, so that one failing test does not fail the next one's set-up check.
    const calls = unmatched.splice(0);
    const pending = bot!.lark.pending();
    nock.cleanAll();
    expect(calls, "unexpected Lark calls").toEqual([]);
    expect(pending, "Lark calls expected but not made").toEqual([]);
  });

  return {
    get t() {
      return bot!;
    },
    get lark() {
      return bot!.lark;
    },
    unmatched,
    get history() {
      return {
        replies: mocks.flatMap((m) => m.replies),
        sent: mocks.flatMap((m) => m.sent),
        patches: mocks.flatMap((m) => m.patches),
      };
    },
  };
}

/**
 * Every business document (all collections but the inbox, and the outbox without the commands'
 * own replies, which go through it), to prove a command wrote nothing.
 */
export async function businessSnapshot(t: TestBot): Promise<Record<string, unknown[]>> {
  const { InboundEvent: _inbox, ...models } = t.db.models;
  const snapshot: Record<string, unknown[]> = {};
  for (const [name, model] of Object.entries(models)) {
    const filter = name === "Outbox" ? { _id: trusted({ $not: /^reply:/ }) } : {};
    snapshot[name] = await (model as typeof t.db.models.Member).find(filter).sort({ _id: 1 }).lean();
  }
  return snapshot;
}

/** The "event handled" log lines of one Lark event. */
export function handledLines(t: TestBot, eventId: string): Record<string, unknown>[] {
  return t.logs.filter((line) => line.msg === "event handled" && line.eventId === eventId);
}

/** Fails after `ms` unless `promise` settles first: a deadline, not a sleep. */
export async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
