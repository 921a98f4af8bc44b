import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { fixedClock } from "../../src/domain/clock.js";
import { UserError } from "../../src/domain/errors.js";
import {
  cancelMeeting,
  checkIn,
  closeMeeting,
  createMeeting,
  findMeeting,
  listMeetings,
  pendingMembers,
  respond,
  scopeMembers,
  setCardMessageId,
  type CreateMeetingInput,
} from "../../src/domain/meetings.js";
import { meetingLabel } from "../../src/domain/meetingNumbers.js";
import { attendanceSummary, meetingCardData } from "../../src/presenters/meeting.js";
import { trusted } from "../../src/db/connection.js";
import { seedMembers } from "../helpers/factories.js";

const BRANCH = "B1";
const NOW = new Date("2025-11-20T02:00:00Z"); // 11月20日 10:00 in Shanghai
const START = new Date("2025-11-24T06:30:00Z"); // 11月24日 14:30 in Shanghai
const MIN = 60_000;

let db: TestDb;
beforeAll(async () => {
  db = await openTestDb("meetings");
  await seedMembers(db.models, [
    { branchId: BRANCH, openId: "ou_sec", name: "王书记", role: "secretary", partyGroup: "一组" },
    { branchId: BRANCH, openId: "ou_com", name: "李委员", role: "committee", partyGroup: "二组" },
    { branchId: BRANCH, openId: "ou_a", name: "张三", role: "member", partyGroup: "一组" },
    { branchId: BRANCH, openId: "ou_b", name: "李四", role: "member", partyGroup: "一组" },
    { branchId: BRANCH, openId: "ou_c", name: "", role: "member", partyGroup: "二组" },
    { branchId: BRANCH, openId: "ou_gone", name: "赵六", role: "member", partyGroup: "三组", active: false },
    { branchId: "B2", openId: "ou_other", name: "外支部", role: "secretary", partyGroup: "一组" },
  ]);
});
afterAll(async () => db.close());

let keys = 0;
function input(overrides: Partial<CreateMeetingInput> = {}): CreateMeetingInput {
  return {
    branchId: BRANCH,
    chatId: "oc_b1",
    type: "branch-assembly",
    title: "十一月党员大会",
    startAt: START,
    createdBy: "ou_sec",
    sourceKey: `om_${++keys}`,
    ...overrides,
  };
}

async function newMeeting(overrides: Partial<CreateMeetingInput> = {}) {
  const { meeting } = await createMeeting(db.models, fixedClock(NOW), input(overrides));
  return meeting;
}

/** The UserError message a call was refused with (fails if it succeeded or failed otherwise). */
async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return (error as UserError).message;
}

const ids = (people: { openId: string }[]) => people.map((p) => p.openId);

describe("createMeeting", () => {
  it("creates a scheduled meeting with a short id and defaults", async () => {
    const { meeting, created } = await createMeeting(
      db.models,
      fixedClock(NOW),
      input({ title: "  支部大会  ", place: " 三楼会议室 " }),
    );
    expect(created).toBe(true);
    expect(meeting._id).toMatch(/^M\d+$/);
    expect(meeting).toMatchObject({
      title: "支部大会",
      place: "三楼会议室",
      durationMin: 90,
      status: "scheduled",
    });
    const stored = await db.models.Meeting.findById(meeting._id).lean();
    expect(stored?.startAt.toISOString()).toBe(START.toISOString());
  });

  it("refuses a start in the past, an empty title and a bad duration, writing nothing", async () => {
    const before = await db.models.Meeting.countDocuments();
    const clock = fixedClock(NOW);
    expect(
      await refusal(createMeeting(db.models, clock, input({ startAt: new Date(NOW.getTime() - MIN) }))),
    ).toBe("开始时间 11月20日 09:59 已经过去，请填写将来的时间");
    expect(await refusal(createMeeting(db.models, clock, input({ title: "   " })))).toMatch(/标题不能为空/);
    expect(await refusal(createMeeting(db.models, clock, input({ durationMin: 9 })))).toMatch(/10 到 1440/);
    expect(await refusal(createMeeting(db.models, clock, input({ durationMin: 1441 })))).toMatch(
      /10 到 1440/,
    );
    expect(await db.models.Meeting.countDocuments()).toBe(before);
    const edge = await createMeeting(db.models, clock, input({ durationMin: 10, startAt: NOW }));
    expect(edge.created).toBe(true);
  });

  it("needs a party group with active members for a 党小组会", async () => {
    const before = await db.models.Meeting.countDocuments();
    const clock = fixedClock(NOW);
    expect(await refusal(createMeeting(db.models, clock, input({ type: "group" })))).toMatch(/需指定党小组/);
    // 三组 has only an inactive member.
    expect(
      await refusal(createMeeting(db.models, clock, input({ type: "group", partyGroup: "三组" }))),
    ).toMatch(/没有属于党小组「三组」的在册党员/);
    expect(await db.models.Meeting.countDocuments()).toBe(before);
    const group = await newMeeting({ type: "group", partyGroup: " 一组 " });
    expect(group.partyGroup).toBe("一组");
    const other = await newMeeting({ type: "lecture", partyGroup: "一组" });
    expect(other.partyGroup).toBeNull();
  });

  it("returns the existing meeting for a repeated sourceKey, also concurrently", async () => {
    const clock = fixedClock(NOW);
    const first = await createMeeting(db.models, clock, input({ sourceKey: "om_dup" }));
    clock.set(new Date(START.getTime() + MIN)); // a late redelivery: the start has passed by now
    const again = await createMeeting(db.models, clock, input({ sourceKey: "om_dup", title: "别的" }));
    expect(again.created).toBe(false);
    expect(again.meeting._id).toBe(first.meeting._id);
    expect(again.meeting.title).toBe("十一月党员大会");
    expect(await db.models.Meeting.countDocuments({ sourceKey: "om_dup" })).toBe(1);

    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        createMeeting(db.models, fixedClock(NOW), input({ sourceKey: "om_race" })),
      ),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.meeting._id)).size).toBe(1);
    expect(await db.models.Meeting.countDocuments({ sourceKey: "om_race" })).toBe(1);
  });
});

describe("finding and listing", () => {
  it("finds by the branch's number case-insensitively within the branch only", async () => {
    const meeting = await newMeeting();
    const lower = meetingLabel(meeting).toLowerCase();
    expect((await findMeeting(db.models, BRANCH, ` ${lower} `))?._id).toBe(meeting._id);
    expect(await findMeeting(db.models, "B2", meetingLabel(meeting))).toBeNull();
    expect(await findMeeting(db.models, BRANCH, "12")).toBeNull();
  });

  it("lists scheduled meetings soonest first, then closed and cancelled newest first", async () => {
    const branchId = "B-list";
    await seedMembers(db.models, [{ branchId, openId: "ou_l", name: "列表" }]);
    const at = (days: number) => new Date(START.getTime() + days * 24 * 60 * MIN);
    const late = await newMeeting({ branchId, startAt: at(5) });
    const soon = await newMeeting({ branchId, startAt: at(1) });
    const oldClosed = await newMeeting({ branchId, startAt: at(0) });
    const newCancelled = await newMeeting({ branchId, startAt: at(2) });
    await cancelMeeting(db.models, fixedClock(NOW), newCancelled._id);
    await closeMeeting(db.models, fixedClock(at(0.5)), oldClosed._id, "");
    const list = await listMeetings(db.models, branchId);
    expect(list.map((m) => m._id)).toEqual([soon._id, late._id, newCancelled._id, oldClosed._id]);
    expect((await listMeetings(db.models, branchId, { limit: 3 })).map((m) => m._id)).toEqual([
      soon._id,
      late._id,
      newCancelled._id,
    ]);
  });

  it("stores the card message id", async () => {
    const meeting = await newMeeting();
    await setCardMessageId(db.models, meeting._id, "om_card_1");
    expect((await db.models.Meeting.findById(meeting._id).lean())?.cardMessageId).toBe("om_card_1");
  });
});

describe("scope", () => {
  it("depends on the meeting type and leaves out inactive members and other branches", async () => {
    const all = await scopeMembers(db.models, await newMeeting({ type: "branch-assembly" }));
    expect(ids(all).sort()).toEqual(["ou_a", "ou_b", "ou_c", "ou_com", "ou_sec"]);
    const committee = await scopeMembers(db.models, await newMeeting({ type: "committee" }));
    expect(ids(committee).sort()).toEqual(["ou_com", "ou_sec"]);
    const group = await scopeMembers(db.models, await newMeeting({ type: "group", partyGroup: "一组" }));
    expect(ids(group).sort()).toEqual(["ou_a", "ou_b", "ou_sec"]);
  });
});

describe("respond", () => {
  it("keeps one record per person and the latest answer", async () => {
    const meeting = await newMeeting();
    const clock = fixedClock(NOW);
    const r = (response: "attend" | "leave", reason?: string) =>
      respond(db.models, clock, { meetingId: meeting._id, openId: "ou_a", response, reason });
    expect(await r("attend")).toMatchObject({ changed: true });
    expect(await r("attend")).toMatchObject({ changed: false });
    clock.advance(MIN);
    expect(await r("leave", " 出差 ")).toMatchObject({ changed: true });
    let doc = await db.models.Attendance.findOne({ meetingId: meeting._id, openId: "ou_a" }).lean();
    expect(doc).toMatchObject({ response: "leave", reason: "出差", branchId: BRANCH });
    expect(doc?.respondedAt?.getTime()).toBe(NOW.getTime() + MIN);
    expect(await r("leave", "出差")).toMatchObject({ changed: false });
    expect(await r("leave", "生病")).toMatchObject({ changed: true });
    expect(await r("attend", "ignored")).toMatchObject({ changed: true });
    doc = await db.models.Attendance.findOne({ meetingId: meeting._id, openId: "ou_a" }).lean();
    expect(doc).toMatchObject({ response: "attend", reason: "" });
    expect(await db.models.Attendance.countDocuments({ meetingId: meeting._id })).toBe(1);
  });

  it("leaves exactly one record after 100 concurrent identical answers", async () => {
    const meeting = await newMeeting();
    const clock = fixedClock(NOW);
    const results = await Promise.all(
      Array.from({ length: 100 }, () =>
        respond(db.models, clock, {
          meetingId: meeting._id,
          openId: "ou_b",
          response: "leave",
          reason: "出差",
        }),
      ),
    );
    expect(await db.models.Attendance.countDocuments({ meetingId: meeting._id })).toBe(1);
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    const doc = await db.models.Attendance.findOne({ meetingId: meeting._id }).lean();
    expect(doc).toMatchObject({ openId: "ou_b", response: "leave", reason: "出差" });
  });

  it("refuses people outside the scope and writes nothing", async () => {
    const assembly = await newMeeting();
    const committee = await newMeeting({ type: "committee" });
    const clock = fixedClock(NOW);
    for (const [meeting, openId] of [
      [assembly, "ou_other"], // another branch
      [assembly, "ou_gone"], // inactive
      [assembly, "ou_nobody"], // not a member
      [committee, "ou_a"], // not on the committee
    ] as const) {
      expect(
        await refusal(respond(db.models, clock, { meetingId: meeting._id, openId, response: "attend" })),
      ).toMatch(/^你不在本次会议的范围内/);
    }
    expect(
      await db.models.Attendance.countDocuments({
        meetingId: trusted({ $in: [assembly._id, committee._id] }),
      }),
    ).toBe(0);
  });

  it("needs a reason of at most 200 characters for 请假", async () => {
    const meeting = await newMeeting();
    const clock = fixedClock(NOW);
    const leave = (reason?: string) =>
      respond(db.models, clock, { meetingId: meeting._id, openId: "ou_a", response: "leave", reason });
    expect(await refusal(leave())).toBe("请假需填写事由");
    expect(await refusal(leave("   "))).toBe("请假需填写事由");
    expect(await refusal(leave("事".repeat(201)))).toMatch(/不能超过 200 字/);
    expect(await db.models.Attendance.countDocuments({ meetingId: meeting._id })).toBe(0);
    expect(await leave("事".repeat(200))).toMatchObject({ changed: true });
  });

  it("refuses answers to cancelled and closed meetings, saying which", async () => {
    const cancelled = await newMeeting();
    const closed = await newMeeting();
    await cancelMeeting(db.models, fixedClock(NOW), cancelled._id);
    await closeMeeting(db.models, fixedClock(START), closed._id, "");
    const clock = fixedClock(START);
    const r = (meetingId: string) =>
      respond(db.models, clock, { meetingId, openId: "ou_a", response: "attend" });
    expect(await refusal(r(cancelled._id))).toMatch(/已取消/);
    expect(await refusal(r(closed._id))).toMatch(/已结束/);
    expect(
      await db.models.Attendance.countDocuments({ meetingId: trusted({ $in: [cancelled._id, closed._id] }) }),
    ).toBe(0);
  });
});

describe("checkIn", () => {
  it("opens exactly 30 minutes before the start and closes at the end", async () => {
    const meeting = await newMeeting({ durationMin: 60 });
    const opens = START.getTime() - 30 * MIN;
    const end = START.getTime() + 60 * MIN;
    const clock = fixedClock(new Date(opens - 1));
    const ci = (openId: string) => checkIn(db.models, clock, { meetingId: meeting._id, openId, by: openId });
    expect(await refusal(ci("ou_a"))).toBe("签到尚未开始，将于 11月24日 14:00 开放");
    clock.set(new Date(opens));
    expect(await ci("ou_a")).toMatchObject({ already: false });
    clock.set(new Date(end - 1));
    expect(await ci("ou_b")).toMatchObject({ already: false });
    clock.set(new Date(end));
    expect(await refusal(ci("ou_c"))).toBe("会议已于 11月24日 15:30 结束，签到已关闭");
    const docs = await db.models.Attendance.find({ meetingId: meeting._id }).lean();
    expect(docs.map((d) => d.openId).sort()).toEqual(["ou_a", "ou_b"]);
    expect(docs.find((d) => d.openId === "ou_a")?.checkedInAt?.getTime()).toBe(opens);
  });

  it("keeps the first check-in time and counts as 参加 when there was no answer", async () => {
    const meeting = await newMeeting();
    const clock = fixedClock(START);
    expect(
      await checkIn(db.models, clock, { meetingId: meeting._id, openId: "ou_a", by: "ou_a" }),
    ).toMatchObject({
      already: false,
    });
    clock.advance(5 * MIN);
    expect(
      await checkIn(db.models, clock, { meetingId: meeting._id, openId: "ou_a", by: "ou_sec" }),
    ).toMatchObject({
      already: true,
    });
    const doc = await db.models.Attendance.findOne({ meetingId: meeting._id, openId: "ou_a" }).lean();
    expect(doc).toMatchObject({ response: "attend", checkedInBy: "ou_a" });
    expect(doc?.checkedInAt?.getTime()).toBe(START.getTime());
    expect(
      await refusal(
        respond(db.models, clock, { meetingId: meeting._id, openId: "ou_a", response: "leave", reason: "x" }),
      ),
    ).toBe("你已签到，不能再请假");
  });

  it("lets a member who asked for leave check in and count as present", async () => {
    const meeting = await newMeeting();
    const clock = fixedClock(NOW);
    await respond(db.models, clock, {
      meetingId: meeting._id,
      openId: "ou_b",
      response: "leave",
      reason: "出差",
    });
    clock.set(START);
    expect(
      await checkIn(db.models, clock, { meetingId: meeting._id, openId: "ou_b", by: "ou_b" }),
    ).toMatchObject({
      already: false,
    });
    const card = await meetingCardData(db.models, clock, meeting);
    expect(ids(card.attending)).toContain("ou_b");
    expect(ids(card.checkedIn)).toEqual(["ou_b"]);
    expect(card.leave).toEqual([]);
  });

  it("makes one record of 100 concurrent check-ins, and only one is the first", async () => {
    const meeting = await newMeeting();
    const clock = fixedClock(START);
    const results = await Promise.all(
      Array.from({ length: 100 }, () =>
        checkIn(db.models, clock, { meetingId: meeting._id, openId: "ou_c", by: "ou_c" }),
      ),
    );
    expect(results.filter((r) => !r.already)).toHaveLength(1);
    expect(await db.models.Attendance.countDocuments({ meetingId: meeting._id })).toBe(1);
  });

  it("refuses people outside the scope and meetings that are not scheduled", async () => {
    const committee = await newMeeting({ type: "committee" });
    const cancelled = await newMeeting();
    await cancelMeeting(db.models, fixedClock(NOW), cancelled._id);
    const clock = fixedClock(START);
    expect(
      await refusal(checkIn(db.models, clock, { meetingId: committee._id, openId: "ou_a", by: "ou_a" })),
    ).toMatch(/^你不在本次会议的范围内（仅限书记和支委）/);
    expect(
      await refusal(checkIn(db.models, clock, { meetingId: cancelled._id, openId: "ou_a", by: "ou_a" })),
    ).toMatch(/已取消，不能再签到/);
    expect(
      await db.models.Attendance.countDocuments({
        meetingId: trusted({ $in: [committee._id, cancelled._id] }),
      }),
    ).toBe(0);
  });
});

describe("cancel and close", () => {
  it("cancels once, also when racing", async () => {
    const meeting = await newMeeting();
    const clock = fixedClock(NOW);
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => cancelMeeting(db.models, clock, meeting._id)),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(UserError);
    const stored = await db.models.Meeting.findById(meeting._id).lean();
    expect(stored).toMatchObject({ status: "cancelled" });
    expect(stored?.cancelledAt?.getTime()).toBe(NOW.getTime());
    expect(await refusal(cancelMeeting(db.models, clock, meeting._id))).toMatch(/已取消/);
    expect(await refusal(closeMeeting(db.models, fixedClock(START), meeting._id, ""))).toMatch(/已取消/);
  });

  it("refuses closing before the start, and closing twice", async () => {
    const meeting = await newMeeting();
    expect(
      await refusal(closeMeeting(db.models, fixedClock(new Date(START.getTime() - 1)), meeting._id, "")),
    ).toMatch(/11月24日 14:30 开始，开始后才能结束/);
    expect((await db.models.Meeting.findById(meeting._id).lean())?.status).toBe("scheduled");
    const clock = fixedClock(START);
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => closeMeeting(db.models, clock, meeting._id, "第一次")),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await refusal(closeMeeting(db.models, clock, meeting._id, "第二次"))).toMatch(/已结束/);
    expect((await db.models.Meeting.findById(meeting._id).lean())?.minutes).toBe("第一次");
  });

  it("freezes 应到 / 实到 / 请假 / 缺席 from the scope and the answers", async () => {
    const meeting = await newMeeting({ durationMin: 120 });
    const clock = fixedClock(NOW);
    const answer = (openId: string, response: "attend" | "leave", reason?: string) =>
      respond(db.models, clock, { meetingId: meeting._id, openId, response, reason });
    await answer("ou_sec", "leave", "开会"); // then checks in: present
    await answer("ou_com", "attend"); // never checks in: absent
    await answer("ou_a", "leave", "出差"); // leave
    // ou_b never answers: absent; ou_c checks in without answering: present
    clock.set(START);
    await checkIn(db.models, clock, { meetingId: meeting._id, openId: "ou_sec", by: "ou_sec" });
    await checkIn(db.models, clock, { meetingId: meeting._id, openId: "ou_c", by: "ou_sec" });
    clock.advance(120 * MIN);
    const closed = await closeMeeting(db.models, clock, meeting._id, "  审议了发展对象  ");
    expect(closed.status).toBe("closed");
    expect(closed.minutes).toBe("审议了发展对象");
    expect(closed.closedAt?.getTime()).toBe(START.getTime() + 120 * MIN);
    const record = closed.record;
    expect(record?.expected.slice().sort()).toEqual(["ou_a", "ou_b", "ou_c", "ou_com", "ou_sec"]);
    expect(record?.present.slice().sort()).toEqual(["ou_c", "ou_sec"]);
    expect(record?.leave).toEqual(["ou_a"]);
    expect(record?.absent.slice().sort()).toEqual(["ou_b", "ou_com"]);

    // The record stays as frozen when the roster changes later.
    await db.models.Member.updateOne({ branchId: BRANCH, openId: "ou_b" }, { $set: { active: false } });
    try {
      const card = await meetingCardData(db.models, clock, closed);
      expect(card.status).toBe("closed");
      expect(card.checkinOpen).toBe(false);
      expect(card.minutes).toBe("审议了发展对象");
      expect(card.record?.absent.map((p) => p.name).sort()).toEqual(["李四", "李委员"]);
      expect(card.record?.present).toContainEqual({ openId: "ou_c", name: "ou_c" }); // no name: openId
      expect(card.record?.expected).toHaveLength(5);
      const { text } = await attendanceSummary(db.models, clock, closed);
      expect(text).toContain("应到（5）");
      expect(text).toContain("请假（1）：张三");
    } finally {
      await db.models.Member.updateOne({ branchId: BRANCH, openId: "ou_b" }, { $set: { active: true } });
    }
  });
});

describe("card data and reminders", () => {
  it("counts answers within the scope and opens check-in in the window", async () => {
    const meeting = await newMeeting({ type: "group", partyGroup: "一组", durationMin: 60 });
    const clock = fixedClock(NOW);
    await respond(db.models, clock, { meetingId: meeting._id, openId: "ou_a", response: "attend" });
    await respond(db.models, clock, {
      meetingId: meeting._id,
      openId: "ou_b",
      response: "leave",
      reason: "生病",
    });

    let card = await meetingCardData(db.models, clock, meeting, "Asia/Shanghai");
    expect(card).toMatchObject({ id: meeting._id, type: "group", partyGroup: "一组", status: "scheduled" });
    expect(card.checkinOpen).toBe(false);
    expect(card.attending).toEqual([{ openId: "ou_a", name: "张三" }]);
    expect(card.leave).toEqual([{ openId: "ou_b", name: "李四", reason: "生病" }]);
    expect(card.pending).toEqual([{ openId: "ou_sec", name: "王书记" }]);
    expect(card.checkedIn).toEqual([]);
    expect(card.record).toBeNull();
    expect(ids(await pendingMembers(db.models, meeting))).toEqual(["ou_sec"]);

    clock.set(new Date(START.getTime() - 30 * MIN));
    await checkIn(db.models, clock, { meetingId: meeting._id, openId: "ou_sec", by: "ou_sec" });
    clock.advance(MIN);
    await checkIn(db.models, clock, { meetingId: meeting._id, openId: "ou_a", by: "ou_a" });
    card = await meetingCardData(db.models, clock, meeting);
    expect(card.checkinOpen).toBe(true);
    expect(ids(card.checkedIn)).toEqual(["ou_sec", "ou_a"]); // in check-in order
    expect(ids(card.attending).sort()).toEqual(["ou_a", "ou_sec"]);
    expect(card.pending).toEqual([]);
    expect(await pendingMembers(db.models, meeting)).toEqual([]);

    const { text } = await attendanceSummary(db.models, clock, meeting);
    expect(text).toContain("时间：11月24日 14:30，60 分钟");
    expect(text).toContain("请假（1）：李四（生病）");
    expect(text).toContain("未回复（0）：无");
    expect(text).toContain("已签到（2）：王书记、张三");

    clock.set(new Date(START.getTime() + 60 * MIN));
    expect((await meetingCardData(db.models, clock, meeting)).checkinOpen).toBe(false);
  });

  it("closes check-in on the card once the meeting is cancelled", async () => {
    const meeting = await newMeeting();
    const clock = fixedClock(START);
    expect((await meetingCardData(db.models, clock, meeting)).checkinOpen).toBe(true);
    const cancelled = await cancelMeeting(db.models, clock, meeting._id);
    const card = await meetingCardData(db.models, clock, cancelled);
    expect(card.status).toBe("cancelled");
    expect(card.checkinOpen).toBe(false);
  });
});
