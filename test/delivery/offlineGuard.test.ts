import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/domain/clock.js";
import { enqueueMessage } from "../../src/delivery/outbox.js";
import type { OutboxItem } from "../../src/db/models/outbox.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { buildWorker, FAST_LIMITS } from "./helpers.js";

let db: TestDb;
const clock = fixedClock("2026-11-02T01:00:00Z");

beforeAll(async () => {
  db = await openTestDb("offline_guard");
});
afterAll(async () => db.close());

describe("nothing is ever sent to a person on no chat (offline_ key)", () => {
  it("enqueue refuses an offline_ target: the item is recorded as cancelled, never pending", async () => {
    const queued = await enqueueMessage(db.models, clock, {
      key: "guard:offline:1",
      branchId: "B1",
      target: { openId: "offline_abc123" },
      content: { text: "党费提醒" },
      description: "党费提醒 老李",
    });
    expect(queued).toBe(false);
    const item = await db.models.Outbox.findById("guard:offline:1").lean<OutboxItem>();
    expect(item?.status).toBe("cancelled");
    expect(item?.lastError).toContain("未使用飞书");
    // A second call is still a no-op.
    expect(
      await enqueueMessage(db.models, clock, {
        key: "guard:offline:1",
        branchId: "B1",
        target: { openId: "offline_abc123" },
        content: { text: "党费提醒" },
        description: "党费提醒 老李",
      }),
    ).toBe(false);
  });

  it("the worker cancels an offline_ item written some other way, without calling Lark", async () => {
    nock.disableNetConnect();
    await db.models.Outbox.create({
      _id: "guard:offline:legacy",
      kind: "message",
      branchId: "B1",
      description: "旧数据",
      target: { openId: "offline_legacy" },
      content: { text: "hello" },
      uuid: "u-legacy",
      notBefore: new Date(0),
      createdAt: new Date(0),
    });
    // No nock interceptor: any Lark call would fail the send and leave the item pending or dead.
    const worker = buildWorker(db.models, { limits: FAST_LIMITS });
    await worker.idle();
    const item = await db.models.Outbox.findById("guard:offline:legacy").lean<OutboxItem>();
    expect(item?.status).toBe("cancelled");
    expect(item?.lastError).toContain("未使用飞书");
  });
});
