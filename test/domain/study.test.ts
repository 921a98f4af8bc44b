import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { studyConfirmationModel, studyTaskModel } from "../../src/db/models/study.js";
import { fixedClock } from "../../src/domain/clock.js";
import { UserError } from "../../src/domain/errors.js";
import { cancelMeeting, checkIn, closeMeeting, createMeeting, respond } from "../../src/domain/meetings.js";
import {
  closeStudy,
  confirmStudy,
  createStudy,
  findStudy,
  listStudies,
  pendingStudyMembers,
  setStudyCardMessageId,
  studyDetails,
  studyScopeMembers,
  type CreateStudyInput,
  type StudyDeps,
} from "../../src/domain/study.js";
import { studyCardData } from "../../src/presenters/study.js";
import {
  meetingStudyHours,
  openStudiesFor,
  upcomingMeetingsFor,
  yearlyStudyHours,
} from "../../src/domain/studyHours.js";
import { seedMembers } from "../helpers/factories.js";

const BRANCH = "B1";
const TZ = "Asia/Shanghai";
const NOW = new Date("2026-11-20T02:00:00Z"); // 11月20日 10:00 in Shanghai
const END_OF_NOV_30 = "2026-11-30T15:59:59.999Z"; // 11月30日 23:59:59.999 in Shanghai
const MIN = 60_000;

let db: TestDb;
let models: StudyDeps;
beforeAll(async () => {
  db = await openTestDb("study");
  models = {
    ...db.models,
    StudyTask: studyTaskModel(db.connection),
    StudyConfirmation: studyConfirmationModel(db.connection),
  };
  await models.StudyTask.createIndexes();
  await models.StudyConfirmation.createIndexes();
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
function input(overrides: Partial<CreateStudyInput> = {}): CreateStudyInput {
  return {
    branchId: BRANCH,
    chatId: "oc_b1",
    title: "学习二十大报告",
    link: "https://www.gov.cn/xinwen/2022-10/25/content_5721685.htm",
    text: "第一至第三部分",
    deadlineDate: "2026-11-30",
    hours: 2,
    scope: "branch",
    createdBy: "ou_sec",
    sourceKey: `om_${++keys}`,
    timeZone: TZ,
    ...overrides,
  };
}

async function newStudy(overrides: Partial<CreateStudyInput> = {}, at: Date = NOW) {
  const { study } = await createStudy(models, fixedClock(at), input(overrides));
  return study;
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

function confirm(studyId: string, openId: string, at: Date = NOW, reflection?: string) {
  return confirmStudy(models, fixedClock(at), { studyId, openId, reflection, timeZone: TZ });
}

describe("createStudy", () => {
  it("creates an open task with a short id and the deadline at the end of the local day", async () => {
    const { study, created } = await createStudy(
      models,
      fixedClock(NOW),
      input({ title: "  学习党章  ", text: "  第一章  ", link: " https://example.org/a?b=1 " }),
    );
    expect(created).toBe(true);
    expect(study._id).toMatch(/^S\d+$/);
    expect(study).toMatchObject({
      title: "学习党章",
      text: "第一章",
      link: "https://example.org/a?b=1",
      hours: 2,
      scope: "branch",
      partyGroup: null,
      status: "open",
      cardMessageId: null,
      closedAt: null,
    });
    const stored = await models.StudyTask.findById(study._id).lean();
    expect(stored?.deadline.toISOString()).toBe(END_OF_NOV_30);
    expect(stored?.createdAt?.toISOString()).toBe(NOW.toISOString());
    const bare = await newStudy({ link: undefined, text: undefined, hours: 0.5 });
    expect(bare).toMatchObject({ link: null, text: "", hours: 0.5 });
  });

  it("refuses past deadlines, bad links, bad hours and empty titles, writing nothing", async () => {
    const before = await models.StudyTask.countDocuments();
    const clock = fixedClock(NOW);
    const refused = (overrides: Partial<CreateStudyInput>) =>
      refusal(createStudy(models, clock, input(overrides)));
    expect(await refused({ deadlineDate: "2026-11-19" })).toBe(
      "截止日期 11月19日 已经过去，请填写今天或以后的日期",
    );
    expect(await refused({ deadlineDate: "2026-02-30" })).toMatch(/截止日期「2026-02-30」无效/);
    expect(await refused({ deadlineDate: "11/30" })).toMatch(/无效/);
    for (const link of ["ftp://x", "javascript:alert(1)", "www.example.org", "http//x"]) {
      expect(await refused({ link })).toBe("链接须为以 http:// 或 https:// 开头的网址");
    }
    for (const hours of [0.3, 41, 0, -1, 0.25, Number.NaN]) {
      expect(await refused({ hours })).toBe("学时须为 0.5 到 40 之间、以 0.5 为单位的数字");
    }
    expect(await refused({ title: "   " })).toBe("学习任务标题不能为空");
    expect(await refused({ title: "长".repeat(101) })).toMatch(/不能超过 100 字/);
    expect(await refused({ text: "长".repeat(2001) })).toMatch(/不能超过 2000 字/);
    expect(await models.StudyTask.countDocuments()).toBe(before);

    // Today is still a valid deadline (it ends at midnight local), and so are the bounds.
    const today = await newStudy({ deadlineDate: "2026-11-20", hours: 40 });
    expect(today.deadline.toISOString()).toBe("2026-11-20T15:59:59.999Z");
    expect((await newStudy({ link: "http://example.org" })).link).toBe("http://example.org");
  });

  it("needs a party group with active members for a group task", async () => {
    const before = await models.StudyTask.countDocuments();
    const clock = fixedClock(NOW);
    expect(await refusal(createStudy(models, clock, input({ scope: "group" })))).toMatch(/需指定党小组/);
    // 三组 has only an inactive member.
    expect(await refusal(createStudy(models, clock, input({ scope: "group", partyGroup: "三组" })))).toBe(
      "本支部没有属于党小组「三组」的在册党员",
    );
    expect(await models.StudyTask.countDocuments()).toBe(before);
    expect((await newStudy({ scope: "group", partyGroup: " 一组 " })).partyGroup).toBe("一组");
    expect((await newStudy({ scope: "committee", partyGroup: "一组" })).partyGroup).toBeNull();
  });

  it("returns the existing task for a repeated sourceKey, also concurrently", async () => {
    const clock = fixedClock(NOW);
    const first = await createStudy(models, clock, input({ sourceKey: "om_dup" }));
    clock.set("2026-12-05T00:00:00Z"); // a late redelivery: the deadline has passed by now
    const again = await createStudy(models, clock, input({ sourceKey: "om_dup", title: "别的" }));
    expect(again.created).toBe(false);
    expect(again.study._id).toBe(first.study._id);
    expect(again.study.title).toBe("学习二十大报告");
    expect(await models.StudyTask.countDocuments({ sourceKey: "om_dup" })).toBe(1);

    const results = await Promise.all(
      Array.from({ length: 10 }, () => createStudy(models, fixedClock(NOW), input({ sourceKey: "om_race" }))),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.study._id)).size).toBe(1);
    expect(await models.StudyTask.countDocuments({ sourceKey: "om_race" })).toBe(1);
  });
});

describe("finding, listing and scope", () => {
  it("finds by id case-insensitively within the branch only, and stores the card message id", async () => {
    const study = await newStudy();
    expect((await findStudy(models, BRANCH, ` ${study._id.toLowerCase()} `))?._id).toBe(study._id);
    expect(await findStudy(models, "B2", study._id)).toBeNull();
    expect(await findStudy(models, BRANCH, "M1")).toBeNull();
    await setStudyCardMessageId(models, study._id, "om_card_s");
    expect((await models.StudyTask.findById(study._id).lean())?.cardMessageId).toBe("om_card_s");
  });

  it("lists open tasks by deadline, then closed ones newest first", async () => {
    const branchId = "B-list";
    const late = await newStudy({ branchId, deadlineDate: "2026-12-20" });
    const soon = await newStudy({ branchId, deadlineDate: "2026-11-25" });
    const oldClosed = await newStudy({ branchId, deadlineDate: "2026-11-21" });
    const newClosed = await newStudy({ branchId, deadlineDate: "2026-12-01" });
    await closeStudy(models, fixedClock(NOW), newClosed._id);
    await closeStudy(models, fixedClock(NOW), oldClosed._id);
    const list = await listStudies(models, branchId);
    expect(list.map((s) => s._id)).toEqual([soon._id, late._id, newClosed._id, oldClosed._id]);
    expect((await listStudies(models, branchId, { limit: 3 })).map((s) => s._id)).toEqual([
      soon._id,
      late._id,
      newClosed._id,
    ]);
  });

  it("depends on the scope and leaves out inactive members and other branches", async () => {
    const all = await studyScopeMembers(models, await newStudy({ scope: "branch" }));
    expect(ids(all)).toEqual(["ou_sec", "ou_com", "ou_a", "ou_b", "ou_c"]);
    const committee = await studyScopeMembers(models, await newStudy({ scope: "committee" }));
    expect(ids(committee).sort()).toEqual(["ou_com", "ou_sec"]);
    const group = await studyScopeMembers(models, await newStudy({ scope: "group", partyGroup: "二组" }));
    expect(ids(group).sort()).toEqual(["ou_c", "ou_com"]);
  });
});

describe("confirmStudy", () => {
  it("keeps one record with the first time, and the latest non-empty reflection", async () => {
    const study = await newStudy({ hours: 1.5 });
    const first = await confirm(study._id, "ou_a", NOW, "  很有收获  ");
    expect(first).toMatchObject({ changed: true, late: false });
    const key = { taskId: study._id, openId: "ou_a" };
    let doc = await models.StudyConfirmation.findOne(key).lean();
    expect(doc).toMatchObject({
      branchId: BRANCH,
      reflection: "很有收获",
      hours: 1.5,
      year: 2026,
      late: false,
    });
    expect(doc?.confirmedAt.toISOString()).toBe(NOW.toISOString());

    const later = new Date(NOW.getTime() + 60 * MIN);
    expect(await confirm(study._id, "ou_a", later)).toMatchObject({ changed: false, late: false });
    expect(await confirm(study._id, "ou_a", later, "很有收获")).toMatchObject({ changed: false });
    expect(await confirm(study._id, "ou_a", later, " 体会更深了 ")).toMatchObject({ changed: true });
    doc = await models.StudyConfirmation.findOne(key).lean();
    expect(doc?.reflection).toBe("体会更深了");
    expect(doc?.confirmedAt.toISOString()).toBe(NOW.toISOString());
    // An empty reflection does not erase the stored one.
    await confirm(study._id, "ou_a", later, "   ");
    expect((await models.StudyConfirmation.findOne(key).lean())?.reflection).toBe("体会更深了");
    expect(await models.StudyConfirmation.countDocuments(key)).toBe(1);
  });

  it("accepts a confirmation after the deadline and marks it late; the repeat keeps it late", async () => {
    const study = await newStudy(); // deadline 11月30日
    expect(await confirm(study._id, "ou_a", new Date(END_OF_NOV_30))).toMatchObject({ late: false });
    const afterDeadline = new Date(Date.parse(END_OF_NOV_30) + 1);
    expect(await confirm(study._id, "ou_b", afterDeadline, "补学")).toMatchObject({
      changed: true,
      late: true,
    });
    expect(await confirm(study._id, "ou_b", afterDeadline, "再补")).toMatchObject({ late: true });
    const late = await models.StudyConfirmation.find({ taskId: study._id }).lean();
    expect(Object.fromEntries(late.map((c) => [c.openId, c.late]))).toEqual({ ou_a: false, ou_b: true });
  });

  it("refuses people out of scope, a too long reflection and a closed task, writing nothing", async () => {
    const committee = await newStudy({ scope: "committee" });
    expect(await refusal(confirm(committee._id, "ou_a"))).toBe(
      `你不在学习任务 ${committee._id} 的范围内（仅限书记和支委），无需确认`,
    );
    const group = await newStudy({ scope: "group", partyGroup: "一组" });
    expect(await refusal(confirm(group._id, "ou_c"))).toMatch(/仅限党小组「一组」/);
    const branch = await newStudy();
    expect(await refusal(confirm(branch._id, "ou_gone"))).toMatch(/不在学习任务/);
    expect(await refusal(confirm(branch._id, "ou_other"))).toMatch(/不在学习任务/);
    expect(await refusal(confirm(branch._id, "ou_a", NOW, "长".repeat(501)))).toBe("学习心得不能超过 500 字");
    expect(await refusal(confirm("S99999", "ou_a"))).toBe("未找到学习任务 S99999");
    for (const study of [committee, group, branch]) {
      expect(await models.StudyConfirmation.countDocuments({ taskId: study._id })).toBe(0);
    }
    expect((await confirm(committee._id, "ou_com")).changed).toBe(true);

    await confirm(branch._id, "ou_a", NOW, "先写的");
    await closeStudy(models, fixedClock(NOW), branch._id);
    expect(await refusal(confirm(branch._id, "ou_b"))).toBe(`学习任务 ${branch._id} 已结束，不能再确认`);
    expect(await refusal(confirm(branch._id, "ou_a", NOW, "后写的"))).toMatch(/已结束/);
    const stored = await models.StudyConfirmation.find({ taskId: branch._id }).lean();
    expect(stored.map((c) => [c.openId, c.reflection])).toEqual([["ou_a", "先写的"]]);
  });

  it("turns 100 concurrent identical confirmations into one record", async () => {
    const study = await newStudy();
    const results = await Promise.all(
      Array.from({ length: 100 }, () => confirm(study._id, "ou_b", NOW, "同一心得")),
    );
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    expect(await models.StudyConfirmation.countDocuments({ taskId: study._id })).toBe(1);
  });
});

describe("closeStudy", () => {
  it("closes once: a second close, also a concurrent one, is refused", async () => {
    const study = await newStudy();
    const at = new Date(NOW.getTime() + 5 * MIN);
    const closed = await closeStudy(models, fixedClock(at), study._id);
    expect(closed).toMatchObject({ status: "closed" });
    expect(closed.closedAt?.toISOString()).toBe(at.toISOString());
    expect(await refusal(closeStudy(models, fixedClock(at), study._id))).toBe(`学习任务 ${study._id} 已结束`);

    const racing = await newStudy();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => closeStudy(models, fixedClock(at), racing._id)),
    );
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    for (const o of outcomes) if (o.status === "rejected") expect(o.reason).toBeInstanceOf(UserError);
  });
});

describe("card data and details", () => {
  it("counts confirmations in scope and lists who is pending", async () => {
    const study = await newStudy({ title: "学习新党章", hours: 3 });
    await confirm(study._id, "ou_a", NOW, "张三的心得");
    await confirm(study._id, "ou_sec", new Date(NOW.getTime() + MIN));
    const clock = fixedClock(NOW);
    let data = await studyCardData(models, clock, study, TZ);
    expect(data).toMatchObject({
      id: study._id,
      title: "学习新党章",
      hours: 3,
      scope: "branch",
      status: "open",
      confirmedCount: 2,
      expectedCount: 5,
      overdue: false,
      timeZone: TZ,
    });
    expect(data.deadline.toISOString()).toBe(END_OF_NOV_30);
    expect(data.pending).toEqual([
      { openId: "ou_com", name: "李委员" },
      { openId: "ou_b", name: "李四" },
      { openId: "ou_c", name: "ou_c" },
    ]);
    expect(ids(await pendingStudyMembers(models, study))).toEqual(["ou_com", "ou_b", "ou_c"]);

    clock.set(new Date(Date.parse(END_OF_NOV_30) + 1));
    data = await studyCardData(models, clock, study, TZ);
    expect(data.overdue).toBe(true);

    const forSecretary = await studyDetails(models, study, { withReflections: true });
    expect(forSecretary.confirmed).toMatchObject([
      { openId: "ou_a", name: "张三", late: false, hours: 3, reflection: "张三的心得" },
      { openId: "ou_sec", name: "王书记", late: false, reflection: "" },
    ]);
    expect(ids(forSecretary.pending)).toEqual(["ou_com", "ou_b", "ou_c"]);
    const forMember = await studyDetails(models, study, { withReflections: false });
    expect(forMember.confirmed.map((row) => "reflection" in row)).toEqual([false, false]);
    expect(ids(forMember.confirmed)).toEqual(["ou_a", "ou_sec"]);
  });
});

describe("yearlyStudyHours", () => {
  const branchId = "B-year";
  const who = "ou_y";
  const at = (iso: string) => new Date(iso);

  /** A meeting the member checked in to at its start. */
  async function attended(
    type: "lecture" | "theme-day" | "committee",
    startIso: string,
    durationMin: number,
  ) {
    const startAt = at(startIso);
    const { meeting } = await createMeeting(db.models, fixedClock(new Date(startAt.getTime() - 60 * MIN)), {
      branchId,
      chatId: "oc_year",
      type,
      title: `${type} ${startIso}`,
      startAt,
      durationMin,
      createdBy: "ou_ysec",
      sourceKey: `om_meeting_${startIso}_${type}`,
    });
    await checkIn(db.models, fixedClock(startAt), { meetingId: meeting._id, openId: who, by: who });
    return meeting;
  }

  beforeAll(async () => {
    await seedMembers(db.models, [
      { branchId, openId: who, name: "杨委员", role: "committee" },
      { branchId, openId: "ou_ysec", name: "杨书记", role: "secretary" },
    ]);
    const task = (deadlineDate: string, hours: number, createdAt: string) =>
      newStudy({ branchId, deadlineDate, hours }, at(createdAt));
    const t1 = await task("2026-03-31", 2, "2026-03-01T00:00:00Z");
    const t2 = await task("2026-09-30", 1.5, "2026-09-01T00:00:00Z");
    const tBefore = await task("2026-12-31", 1, "2026-12-01T00:00:00Z");
    const tAfter = await task("2026-12-31", 3, "2026-12-01T00:00:00Z");
    const tOld = await task("2025-12-31", 4, "2025-12-01T00:00:00Z");
    await confirm(t1._id, who, at("2026-03-10T02:00:00Z"));
    await confirm(t2._id, who, at("2026-10-10T02:00:00Z")); // late, still counted
    await confirm(tBefore._id, who, at("2026-12-31T15:30:00Z")); // 12月31日 23:30 local
    await confirm(tAfter._id, who, at("2026-12-31T16:30:00Z")); // 2027年1月1日 00:30 local
    await confirm(tOld._id, who, at("2025-12-20T02:00:00Z"));
    // A later edit of a task does not rewrite what was credited.
    await models.StudyTask.updateOne({ _id: t1._id }, { $set: { hours: 10 } });

    const lecture = await attended("lecture", "2026-05-10T06:00:00Z", 90);
    await closeMeeting(db.models, fixedClock(at("2026-05-10T08:00:00Z")), lecture._id, "");
    await attended("theme-day", "2026-06-10T06:00:00Z", 100);
    await attended("committee", "2026-07-10T06:00:00Z", 120);
    const cancelled = await attended("lecture", "2026-08-10T06:00:00Z", 60);
    await cancelMeeting(db.models, fixedClock(at("2026-08-10T06:10:00Z")), cancelled._id);
    await attended("lecture", "2025-11-10T06:00:00Z", 90);
    // Answered 参加 but never checked in: not counted.
    const missed = await createMeeting(db.models, fixedClock(at("2026-04-01T00:00:00Z")), {
      branchId,
      chatId: "oc_year",
      type: "lecture",
      title: "未签到的党课",
      startAt: at("2026-04-10T06:00:00Z"),
      durationMin: 120,
      createdBy: "ou_ysec",
      sourceKey: "om_meeting_missed",
    });
    await respond(db.models, fixedClock(at("2026-04-01T00:00:00Z")), {
      meetingId: missed.meeting._id,
      openId: who,
      response: "attend",
    });
  });

  const hours = (year: number, openId = who) =>
    yearlyStudyHours(models, { branchId, openId, year, timeZone: TZ });

  it("rounds a meeting's duration down to half hours", () => {
    expect([
      meetingStudyHours(90),
      meetingStudyHours(100),
      meetingStudyHours(29),
      meetingStudyHours(120),
    ]).toEqual([1.5, 1.5, 0, 2]);
  });

  it("sums the year's confirmations and the check-ins of 党课 and 主题党日", async () => {
    expect(await hours(2026)).toEqual({ fromStudies: 4.5, fromMeetings: 3, total: 7.5, target: 32 });
  });

  it("puts a confirmation after local midnight on New Year's Eve into the next year", async () => {
    expect(await hours(2027)).toEqual({ fromStudies: 3, fromMeetings: 0, total: 3, target: 32 });
    expect(await hours(2025)).toEqual({ fromStudies: 4, fromMeetings: 1.5, total: 5.5, target: 32 });
  });

  it("counts nothing for someone else", async () => {
    expect(await hours(2026, "ou_ysec")).toEqual({ fromStudies: 0, fromMeetings: 0, total: 0, target: 32 });
  });
});

describe("a member's open tasks and meetings", () => {
  const branchId = "B-my";
  const me = "ou_me";

  beforeAll(async () => {
    await seedMembers(db.models, [
      { branchId, openId: me, name: "我", role: "member", partyGroup: "一组" },
      { branchId, openId: "ou_msec", name: "书记", role: "secretary", partyGroup: "二组" },
      { branchId, openId: "ou_left", name: "离开", role: "member", active: false },
    ]);
  });

  it("lists open tasks in scope not yet confirmed, nearest deadline first, flagging overdue ones", async () => {
    const later = await newStudy({ branchId, deadlineDate: "2026-12-20" });
    const overdue = await newStudy({ branchId, deadlineDate: "2026-11-20" });
    const mine = await newStudy({ branchId, scope: "group", partyGroup: "一组", deadlineDate: "2026-12-01" });
    const confirmed = await newStudy({ branchId });
    await confirm(confirmed._id, me);
    await newStudy({ branchId, scope: "committee" });
    await newStudy({ branchId, scope: "group", partyGroup: "二组" });
    const closed = await newStudy({ branchId });
    await closeStudy(models, fixedClock(NOW), closed._id);

    const clock = fixedClock("2026-11-21T00:00:00Z");
    const open = await openStudiesFor(models, clock, { branchId, openId: me });
    expect(open.map((s) => [s._id, s.overdue])).toEqual([
      [overdue._id, true],
      [mine._id, false],
      [later._id, false],
    ]);
    expect(await openStudiesFor(models, clock, { branchId, openId: "ou_left" })).toEqual([]);
    expect(await openStudiesFor(models, clock, { branchId: BRANCH, openId: me })).toEqual([]);
  });

  it("lists scheduled meetings in scope that have not ended, soonest first", async () => {
    const created = fixedClock(NOW);
    const make = async (type: "lecture" | "committee" | "group", startIso: string, partyGroup?: string) => {
      const { meeting } = await createMeeting(db.models, created, {
        branchId,
        chatId: "oc_my",
        type,
        title: `${type} ${startIso}`,
        startAt: new Date(startIso),
        durationMin: 60,
        partyGroup,
        createdBy: "ou_msec",
        sourceKey: `om_my_${type}_${startIso}_${partyGroup ?? ""}`,
      });
      return meeting;
    };
    const nextWeek = await make("lecture", "2026-11-28T06:00:00Z");
    const running = await make("lecture", "2026-11-21T01:30:00Z"); // ends 02:30, now is 02:00
    const ended = await make("lecture", "2026-11-21T00:30:00Z"); // ended 01:30
    const group = await make("group", "2026-11-25T06:00:00Z", "一组");
    await make("group", "2026-11-25T06:00:00Z", "二组");
    await make("committee", "2026-11-26T06:00:00Z");
    const cancelled = await make("lecture", "2026-11-27T06:00:00Z");
    await cancelMeeting(db.models, created, cancelled._id);

    const clock = fixedClock("2026-11-21T02:00:00Z");
    const upcoming = await upcomingMeetingsFor(models, clock, { branchId, openId: me });
    expect(upcoming.map((m) => m._id)).toEqual([running._id, group._id, nextWeek._id]);
    expect(upcoming.map((m) => m._id)).not.toContain(ended._id);
    const secretary = await upcomingMeetingsFor(models, clock, { branchId, openId: "ou_msec" });
    expect(secretary.map((m) => m.title)).toEqual([
      running.title,
      "group 2026-11-25T06:00:00Z",
      "committee 2026-11-26T06:00:00Z",
      nextWeek.title,
    ]);
    expect(secretary.map((m) => m.partyGroup)).toEqual([null, "二组", null, null]);
    expect(await upcomingMeetingsFor(models, clock, { branchId, openId: "ou_left" })).toEqual([]);
  });
});
