import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OutboxItem } from "../../src/db/models/outbox.js";
import {
  createCardRefresher,
  REFRESH_MAX_WAIT_MS,
  REFRESH_QUIET_MS,
} from "../../src/delivery/cardRefresh.js";
import { systemClock } from "../../src/domain/clock.js";
import { createLogger } from "../../src/logger.js";
import { openTestDb, type TestDb } from "../helpers/db.js";

let db: TestDb;
beforeAll(async () => {
  db = await openTestDb("delivery_card_refresh");
});
afterAll(async () => db.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function refresher() {
  let wakes = 0;
  const it = createCardRefresher({
    models: db.models,
    clock: systemClock,
    logger: createLogger("silent"),
    wake: () => wakes++,
  });
  return { it, wakes: () => wakes };
}

const request = (messageId: string) => ({
  messageId,
  branchId: "B1",
  render: { type: "meeting", id: "M1" },
  description: "会议 M1 卡片刷新",
});
const item = (messageId: string) => db.models.Outbox.findById(`card:${messageId}`).lean<OutboxItem>();

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  for (let waited = 0; !(await check()); waited += 20) {
    if (waited > timeoutMs) throw new Error("timed out");
    await sleep(20);
  }
}

describe("card refreshes off the answer's path", () => {
  it("a round of requests for one card is one outbox write, after the quiet time, then a wake", async () => {
    const { it: cards, wakes } = refresher();
    for (let i = 0; i < 50; i++) cards.request(request("om_round"));
    expect(cards.waiting).toBe(1);
    await until(async () => (await item("om_round")) !== null);
    await cards.flush();
    expect(await item("om_round")).toMatchObject({ kind: "card-refresh", requested: 1, status: "pending" });
    expect(wakes()).toBe(1);
    expect(REFRESH_QUIET_MS).toBeLessThan(REFRESH_MAX_WAIT_MS);
  });

  it("a card answered without a pause is still written within the longest wait", async () => {
    const { it: cards } = refresher();
    const started = performance.now();
    let writtenWhileAnswering = false;
    // Answers every 20 ms (well inside the quiet time) for twice the longest wait.
    while (performance.now() - started < 2 * REFRESH_MAX_WAIT_MS) {
      cards.request(request("om_busy"));
      if ((await item("om_busy")) !== null) writtenWhileAnswering = true;
      await sleep(20);
    }
    expect(writtenWhileAnswering).toBe(true);
    await cards.flush();
  });

  it("flush() writes what waits at once (graceful stop, tests) and resolves after the writes", async () => {
    const { it: cards, wakes } = refresher();
    cards.request(request("om_flush_a"));
    cards.request(request("om_flush_b"));
    expect(cards.waiting).toBe(2);
    await cards.flush();
    expect(cards.waiting).toBe(0);
    expect(await item("om_flush_a")).toMatchObject({ requested: 1 });
    expect(await item("om_flush_b")).toMatchObject({ requested: 1 });
    expect(wakes()).toBe(2);
  });
});
