import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OutboxItem } from "../../src/db/models/outbox.js";
import { CARD_RECOVERY_WINDOW_MS, refreshRecentlyAnsweredCards } from "../../src/delivery/cardKinds.js";
import { fixedClock } from "../../src/domain/clock.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { buildMeeting, buildStudy } from "../helpers/factories.js";

let db: TestDb;
beforeAll(async () => {
  db = await openTestDb("delivery_card_recovery");
});
afterAll(async () => db.close());

const NOW = new Date("2026-11-23T02:00:00Z");
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const refreshOf = (messageId: string) => db.models.Outbox.findById(`card:${messageId}`).lean<OutboxItem>();

describe("after a start, the cards answered in the last hour are refreshed once", () => {
  it("meetings answered or checked in and study tasks confirmed within the window; not older ones", async () => {
    const recent = buildMeeting({ cardMessageId: "om_recent" });
    const checkedIn = buildMeeting({ cardMessageId: "om_checked_in" });
    const old = buildMeeting({ cardMessageId: "om_old" });
    const study = buildStudy({ cardMessageId: "om_study" });
    await db.models.Meeting.insertMany([recent, checkedIn, old]);
    await db.models.StudyTask.insertMany([study]);
    const answer = { branchId: recent.branchId, response: "attend" };
    await db.models.Attendance.insertMany([
      { ...answer, meetingId: recent._id, openId: "ou_a", respondedAt: ago(60_000) },
      { ...answer, meetingId: checkedIn._id, openId: "ou_b", checkedInAt: ago(5 * 60_000) },
      { ...answer, meetingId: old._id, openId: "ou_c", respondedAt: ago(CARD_RECOVERY_WINDOW_MS + 60_000) },
    ]);
    await db.models.StudyConfirmation.insertMany([
      {
        taskId: study._id,
        branchId: study.branchId,
        openId: "ou_a",
        confirmedAt: ago(60_000),
        late: false,
        hours: 1,
        year: 2026,
      },
    ]);
    let wakes = 0;
    const deps = { models: db.models, clock: fixedClock(NOW), delivery: { wake: () => wakes++ } };
    expect(
      await refreshRecentlyAnsweredCards({
        ...deps,
        delivery: { ...deps.delivery, idle: async () => undefined, refreshCard: () => undefined },
      }),
    ).toBe(3);
    expect(await refreshOf("om_recent")).toMatchObject({ kind: "card-refresh", status: "pending" });
    expect(await refreshOf("om_checked_in")).toMatchObject({ kind: "card-refresh", status: "pending" });
    expect(await refreshOf("om_study")).toMatchObject({ kind: "card-refresh", status: "pending" });
    expect(await refreshOf("om_old")).toBeNull();
    expect(wakes).toBe(3);
  });
});
