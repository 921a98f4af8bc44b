import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/domain/clock.js";
import { closeMeeting, setCardMessageId } from "../../src/domain/meetings.js";
import type { OutboxItem } from "../../src/db/models/outbox.js";
import { checkinOpenJob } from "../../src/jobs/checkinOpen.js";
import { closePromptJob } from "../../src/jobs/closePrompt.js";
import type { Job } from "../../src/jobs/types.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { jobDeps, meetingCreatedAt, outboxItems, textOf, type TestClock } from "./helpers.js";
import { trusted } from "../../src/db/connection.js";
import { seedMembers } from "../helpers/factories.js";

let db: TestDb;
let clock: TestClock;

beforeAll(async () => {
  db = await openTestDb("job_meetings");
  clock = fixedClock("2026-11-20T00:00:00Z");
  await seedMembers(db.models, [
    { branchId: "B1", openId: "ou_sec", name: "王书记", role: "secretary" },
    { branchId: "B1", openId: "ou_sec2", name: "前书记", role: "secretary", active: false },
    { branchId: "B1", openId: "ou_com", name: "李委员", role: "committee" },
    { branchId: "B1", openId: "ou_com2", name: "周委员", role: "committee" },
    { branchId: "B1", openId: "ou_a", name: "张三", role: "member" },
    { branchId: "B2", openId: "ou_other", name: "外支部", role: "secretary" },
  ]);
});
afterAll(async () => db.close());

async function runAt(job: Job, at: string): Promise<void> {
  clock.set(at);
  await job.run({ deps: jobDeps(db, clock), occurrence: clock.now() });
}

const itemsOf = (meetingId: string) =>
  outboxItems(db, { _id: trusted({ $regex: `^meeting:${meetingId}:` }) });
const card = (messageId: string) => db.models.Outbox.findById(`card:${messageId}`).lean<OutboxItem>();

describe("check-in open", () => {
  it("at T-30min sends one group message and one card refresh", async () => {
    // 11月25日 14:30 in Shanghai.
    const meeting = await meetingCreatedAt(db, "2026-11-20T00:00:00Z", {
      startAt: new Date("2026-11-25T06:30:00Z"),
    });
    await setCardMessageId(db.models, meeting._id, "om_card_open");

    await runAt(checkinOpenJob, "2026-11-25T05:59:00Z");
    expect(await itemsOf(meeting._id)).toHaveLength(0);
    expect(await card("om_card_open")).toBeNull();

    await runAt(checkinOpenJob, "2026-11-25T06:00:00Z"); // 14:00: the window opens
    const items = await itemsOf(meeting._id);
    expect(items.map((i) => i._id)).toEqual([`meeting:${meeting._id}:checkin-open`]);
    expect(items[0]?.target).toEqual({ chatId: "oc_b1" });
    expect(textOf(items[0])).toBe(
      `会议 ${meeting._id}「十一月党员大会」即将开始（11月25日 14:30），签到已开放：请在会议卡片上点「签到」。`,
    );
    const refresh = await card("om_card_open");
    expect(refresh).toMatchObject({
      kind: "card-refresh",
      messageId: "om_card_open",
      render: { type: "meeting", id: meeting._id },
      requested: 1,
    });

    await runAt(checkinOpenJob, "2026-11-25T06:01:00Z");
    await runAt(checkinOpenJob, "2026-11-25T07:00:00Z");
    expect(await itemsOf(meeting._id)).toHaveLength(1);
    expect((await card("om_card_open"))?.requested).toBe(1);
  });

  it("after downtime says the meeting has started; nothing after the end or when created inside the window", async () => {
    const late = await meetingCreatedAt(db, "2026-11-20T00:00:00Z", {
      startAt: new Date("2026-11-26T06:30:00Z"),
    });
    const ended = await meetingCreatedAt(db, "2026-11-20T00:00:00Z", {
      startAt: new Date("2026-11-26T04:00:00Z"),
      durationMin: 60,
    });
    const fresh = await meetingCreatedAt(db, "2026-11-26T06:10:00Z", {
      startAt: new Date("2026-11-26T06:30:00Z"),
    });
    await setCardMessageId(db.models, fresh._id, "om_card_fresh");

    await runAt(checkinOpenJob, "2026-11-26T06:40:00Z");
    expect(textOf((await itemsOf(late._id))[0])).toMatch(
      /^会议 M\d+「十一月党员大会」已于 11月26日 14:30 开始，签到已开放/,
    );
    expect(await itemsOf(ended._id)).toHaveLength(0);
    expect(await itemsOf(fresh._id)).toHaveLength(0);
    expect(await card("om_card_fresh")).toBeNull();
  });
});

describe("close prompt", () => {
  it("DMs each active secretary and the committee creator once after the end, and refreshes the card", async () => {
    // 11月27日 14:30–16:00 in Shanghai.
    const meeting = await meetingCreatedAt(db, "2026-11-20T00:00:00Z", {
      startAt: new Date("2026-11-27T06:30:00Z"),
      createdBy: "ou_com",
    });
    await setCardMessageId(db.models, meeting._id, "om_card_close");

    await runAt(closePromptJob, "2026-11-27T07:50:00Z");
    expect(await itemsOf(meeting._id)).toHaveLength(0);

    await runAt(closePromptJob, "2026-11-27T08:00:00Z"); // 16:00: ended
    const items = await itemsOf(meeting._id);
    expect(items.map((i) => [i._id, i.target])).toEqual([
      [`meeting:${meeting._id}:close-prompt:ou_com`, { openId: "ou_com" }],
      [`meeting:${meeting._id}:close-prompt:ou_sec`, { openId: "ou_sec" }],
    ]);
    expect(textOf(items[0])).toBe(
      `会议 ${meeting._id}「十一月党员大会」已于 11月27日 16:00 结束，请发送 /会议 结束 ${meeting._id} [纪要] 记录出席和纪要。`,
    );
    expect(await card("om_card_close")).toMatchObject({
      render: { type: "meeting", id: meeting._id },
      requested: 1,
    });

    await runAt(closePromptJob, "2026-11-27T08:10:00Z");
    await runAt(closePromptJob, "2026-11-28T08:00:00Z");
    expect(await itemsOf(meeting._id)).toHaveLength(2);
    expect((await card("om_card_close"))?.requested).toBe(1);
  });

  it("skips a plain-member creator, closed meetings and meetings ended more than 14 days ago", async () => {
    const byMember = await meetingCreatedAt(db, "2026-11-20T00:00:00Z", {
      startAt: new Date("2026-11-29T06:30:00Z"),
      createdBy: "ou_a",
    });
    const closed = await meetingCreatedAt(db, "2026-11-20T00:00:00Z", {
      startAt: new Date("2026-11-29T06:30:00Z"),
    });
    clock.set("2026-11-29T07:00:00Z");
    await closeMeeting(db.models, clock, closed._id, "");
    const old = await meetingCreatedAt(db, "2026-11-20T00:00:00Z", {
      startAt: new Date("2026-11-21T06:30:00Z"),
    });

    await runAt(closePromptJob, "2026-12-05T08:10:00Z");
    expect((await itemsOf(byMember._id)).map((i) => i._id)).toEqual([
      `meeting:${byMember._id}:close-prompt:ou_sec`,
    ]);
    expect(await itemsOf(closed._id)).toHaveLength(0);
    expect(await itemsOf(old._id)).toHaveLength(0);
  });
});
