import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { fixedClock } from "../../src/domain/clock.js";
import { UserError } from "../../src/domain/errors.js";
import {
  addOfflineMember,
  changeStatus,
  endExemption,
  maskPhone,
  memberByName,
  parseStatus,
  setExemption,
  updateProfile,
} from "../../src/domain/roster.js";
import { holdingExemption, statusOf } from "../../src/domain/whoCounts.js";
import type { Member } from "../../src/db/models/member.js";
import { seedMembers } from "../helpers/factories.js";
import { addUnconfirmed, linkOffline, syncMembers, unconfirmedMembers } from "../../src/domain/branches.js";

const BRANCH = "B1";
const NOW = new Date("2026-11-20T02:00:00Z");
const DAY = 86_400_000;

let db: TestDb;
beforeAll(async () => {
  db = await openTestDb("roster");
  await seedMembers(db.models, [
    { branchId: BRANCH, openId: "ou_sec", name: "王书记", role: "secretary" },
    { branchId: BRANCH, openId: "ou_a", name: "张三" },
    { branchId: BRANCH, openId: "ou_b", name: "李四" },
    { branchId: BRANCH, openId: "ou_c", name: "赵五" },
  ]);
});
afterAll(async () => db.close());

const load = async (openId: string) =>
  (await db.models.Member.findOne({ branchId: BRANCH, openId }).lean<Member>())!;

describe("parseStatus", () => {
  it("accepts the Chinese and English names", () => {
    expect(parseStatus("正式")).toBe("full");
    expect(parseStatus("预备党员")).toBe("probationary");
    expect(parseStatus("积极分子")).toBe("activist");
    expect(parseStatus("申请人")).toBe("applicant");
    expect(parseStatus("发展对象")).toBe("target");
    expect(parseStatus("其他")).toBe("non-party");
    expect(parseStatus("Full")).toBe("full");
    expect(parseStatus("待确认")).toBeNull();
    expect(parseStatus("党员")).toBeNull();
  });
});

describe("changeStatus", () => {
  it("sets the status, appends history, fills 入党日期 for 预备 and is idempotent", async () => {
    const clock = fixedClock(NOW);
    const since = new Date("2026-07-01T00:00:00Z");
    const first = await changeStatus(db.models, clock, {
      branchId: BRANCH,
      openId: "ou_a",
      status: "probationary",
      since,
      by: "ou_sec",
      reason: "支部大会通过",
    });
    expect(first.changed).toBe(true);
    const again = await changeStatus(db.models, clock, {
      branchId: BRANCH,
      openId: "ou_a",
      status: "probationary",
      since,
      by: "ou_sec",
    });
    expect(again.changed).toBe(false);
    const same = await changeStatus(db.models, clock, {
      branchId: BRANCH,
      openId: "ou_a",
      status: "probationary",
      by: "ou_sec",
    });
    expect(same.changed).toBe(false);
    const member = await load("ou_a");
    expect(statusOf(member)).toBe("probationary");
    expect(member.statusSince).toEqual(since);
    expect(member.statusHistory).toHaveLength(1);
    expect(member.statusHistory[0]).toMatchObject({
      status: "probationary",
      by: "ou_sec",
      reason: "支部大会通过",
    });
    expect(member.profile.joinedAt).toEqual(since);
  });

  it("keeps the history and an existing 入党日期 across changes; 正式 records 转正日期", async () => {
    const clock = fixedClock(NOW);
    const fullAt = new Date("2027-07-01T00:00:00Z");
    clock.set("2027-07-02T00:00:00Z");
    await changeStatus(db.models, clock, {
      branchId: BRANCH,
      openId: "ou_a",
      status: "full",
      since: fullAt,
      by: "ou_sec",
    });
    const member = await load("ou_a");
    expect(member.status).toBe("full");
    expect(member.profile.fullAt).toEqual(fullAt);
    expect(member.profile.joinedAt).toEqual(new Date("2026-07-01T00:00:00Z"));
    expect(member.statusHistory.map((h) => h.status)).toEqual(["probationary", "full"]);
  });

  it("treats a document without a status as 正式 (no entry for 正式 again)", async () => {
    await db.models.Member.updateOne({ branchId: BRANCH, openId: "ou_b" }, { $unset: { status: 1 } });
    const result = await changeStatus(db.models, fixedClock(NOW), {
      branchId: BRANCH,
      openId: "ou_b",
      status: "full",
      by: "ou_sec",
    });
    expect(result.changed).toBe(false);
    const change = await changeStatus(db.models, fixedClock(NOW), {
      branchId: BRANCH,
      openId: "ou_b",
      status: "activist",
      by: "ou_sec",
    });
    expect(change.changed).toBe(true);
    expect((await load("ou_b")).status).toBe("activist");
  });

  it("two concurrent identical changes add one history entry", async () => {
    const input = { branchId: BRANCH, openId: "ou_c", status: "target" as const, by: "ou_sec" };
    await Promise.all([
      changeStatus(db.models, fixedClock(NOW), input),
      changeStatus(db.models, fixedClock(NOW), input),
    ]);
    expect((await load("ou_c")).statusHistory).toHaveLength(1);
  });

  it("refuses someone not on the roster", async () => {
    await expect(
      changeStatus(db.models, fixedClock(NOW), {
        branchId: BRANCH,
        openId: "ou_x",
        status: "full",
        by: "ou_sec",
      }),
    ).rejects.toBeInstanceOf(UserError);
  });
});

describe("addOfflineMember", () => {
  it("adds a person on no chat under an offline key, addressed by name, names unique", async () => {
    const member = await addOfflineMember(db.models, fixedClock(NOW), {
      branchId: BRANCH,
      name: "老刘",
      status: "full",
      partyGroup: "退休组",
      by: "ou_sec",
    });
    expect(member.openId).toMatch(/^offline_[0-9a-f]+$/);
    expect(member.onFeishu).toBe(false);
    expect(member.partyGroup).toBe("退休组");
    expect(member.statusHistory).toHaveLength(1);
    expect((await memberByName(db.models, BRANCH, "老刘")).openId).toBe(member.openId);
    await expect(
      addOfflineMember(db.models, fixedClock(NOW), { branchId: BRANCH, name: "老刘", by: "ou_sec" }),
    ).rejects.toBeInstanceOf(UserError);
    await expect(memberByName(db.models, BRANCH, "没这人")).rejects.toBeInstanceOf(UserError);
  });
});

describe("exemptions", () => {
  it("sets, updates and ends a 免于要求 period; 外出 is separate", async () => {
    const clock = fixedClock(NOW);
    const until = new Date(NOW.getTime() + 90 * DAY);
    const first = await setExemption(db.models, clock, {
      branchId: BRANCH,
      openId: "ou_c",
      kind: "exempt",
      reason: "长期患病",
      by: "ou_sec",
    });
    expect(first.created).toBe(true);
    const second = await setExemption(db.models, clock, {
      branchId: BRANCH,
      openId: "ou_c",
      kind: "exempt",
      until,
      by: "ou_sec",
    });
    expect(second.created).toBe(false);
    await setExemption(db.models, clock, {
      branchId: BRANCH,
      openId: "ou_c",
      kind: "away",
      where: "深圳",
      by: "ou_sec",
    });
    let member = await load("ou_c");
    expect(member.exemptions).toHaveLength(2);
    expect(member.exemptions[0]).toMatchObject({ kind: "exempt", reason: "长期患病", until });
    expect(member.exemptions[1]).toMatchObject({ kind: "away", where: "深圳" });
    expect(holdingExemption(member, new Date(NOW.getTime() + DAY))).not.toBeNull();

    clock.advance(10 * DAY);
    expect(
      (await endExemption(db.models, clock, { branchId: BRANCH, openId: "ou_c", kind: "exempt" })).ended,
    ).toBe(true);
    expect(
      (await endExemption(db.models, clock, { branchId: BRANCH, openId: "ou_c", kind: "exempt" })).ended,
    ).toBe(false);
    await endExemption(db.models, clock, { branchId: BRANCH, openId: "ou_c", kind: "away" });
    member = await load("ou_c");
    expect(holdingExemption(member, new Date(clock.now().getTime() + DAY))).toBeNull();
    expect(holdingExemption(member, new Date(NOW.getTime() + DAY))).not.toBeNull(); // the past is kept
  });

  it("refuses an end before the start", async () => {
    await expect(
      setExemption(db.models, fixedClock(NOW), {
        branchId: BRANCH,
        openId: "ou_c",
        kind: "away",
        until: new Date(NOW.getTime() - DAY),
        by: "ou_sec",
      }),
    ).rejects.toBeInstanceOf(UserError);
  });
});

describe("updateProfile", () => {
  it("stores validated fields and refuses bad ones", async () => {
    const member = await updateProfile(db.models, {
      branchId: BRANCH,
      openId: "ou_b",
      fields: { gender: "女", birthMonth: "1960-03", phone: "13812345678", joinedAt: "1985-07-01" },
    });
    expect(member.profile).toMatchObject({ gender: "女", birthMonth: "1960-03", phone: "13812345678" });
    expect(member.profile.joinedAt).toEqual(new Date("1985-06-30T16:00:00Z")); // local midnight, Shanghai
    await expect(
      updateProfile(db.models, { branchId: BRANCH, openId: "ou_b", fields: { birthMonth: "1960-13" } }),
    ).rejects.toThrow(/出生年月/);
    await expect(
      updateProfile(db.models, { branchId: BRANCH, openId: "ou_b", fields: { joinedAt: "1985-02-30" } }),
    ).rejects.toThrow(/日期/);
    await expect(
      updateProfile(db.models, { branchId: BRANCH, openId: "ou_b", fields: { phone: "call me" } }),
    ).rejects.toThrow(/联系方式/);
    expect((await load("ou_b")).profile.birthMonth).toBe("1960-03");
  });
});

describe("maskPhone", () => {
  it("masks the middle of a number", () => {
    expect(maskPhone("13812345678")).toBe("138****5678");
    expect(maskPhone("")).toBe("");
    expect(maskPhone("1234")).toBe("**34");
  });
});

describe("syncMembers with statuses", () => {
  const B = "B_sync";
  it("new people arrive 待确认, existing keep theirs, people on no chat stay, name matches wait", async () => {
    await seedMembers(db.models, [
      { branchId: B, openId: "ou_s_sec", name: "书记", role: "secretary" },
      { branchId: B, openId: "ou_s_old", name: "老党员", status: "probationary" },
    ]);
    const offline = await addOfflineMember(db.models, fixedClock(NOW), {
      branchId: B,
      name: "老刘",
      by: "ou_s_sec",
    });
    await changeStatus(db.models, fixedClock(NOW), {
      branchId: B,
      openId: offline.openId,
      status: "probationary",
      by: "ou_s_sec",
    });
    const chat = [
      { openId: "ou_s_sec", name: "书记" },
      { openId: "ou_s_old", name: "老党员" },
      { openId: "ou_s_new", name: "新人" },
      { openId: "ou_s_liu", name: "老刘" },
    ];
    const result = await syncMembers(db.models, B, chat, NOW);
    expect(result.added).toBe(1);
    expect(result.deactivated).toBe(0);
    expect(result.matches).toEqual([{ openId: "ou_s_liu", name: "老刘", offlineKey: offline.openId }]);
    const byId = async (openId: string) => db.models.Member.findOne({ branchId: B, openId }).lean<Member>();
    expect((await byId("ou_s_new"))!.status).toBe("unconfirmed");
    expect((await byId("ou_s_old"))!.status).toBe("probationary");
    expect((await byId("ou_s_sec"))!.status).toBe("full");
    expect(await byId("ou_s_liu")).toBeNull(); // never linked silently
    expect((await byId(offline.openId))!.active).toBe(true);
    expect((await unconfirmedMembers(db.models, B)).map((m) => m.openId)).toEqual(["ou_s_new"]);

    // Again: same answer, nothing new.
    const again = await syncMembers(db.models, B, chat, NOW);
    expect(again.added).toBe(0);
    expect(again.matches).toHaveLength(1);

    expect(await linkOffline(db.models, B, result.matches[0]!)).toBe(true);
    expect(await linkOffline(db.models, B, result.matches[0]!)).toBe(false);
    const linked = (await byId("ou_s_liu"))!;
    expect(linked).toMatchObject({ onFeishu: true, status: "probationary", active: true });
    expect(linked.statusHistory.map((h) => h.status)).toEqual(["full", "probationary"]);
    expect(await byId(offline.openId)).toBeNull();
    expect((await syncMembers(db.models, B, chat, NOW)).matches).toEqual([]);
  });

  it("a match the secretary declines joins as 待确认", async () => {
    const B2 = "B_sync2";
    await addOfflineMember(db.models, fixedClock(NOW), { branchId: B2, name: "王芳", by: "ou_x" });
    const { matches } = await syncMembers(db.models, B2, [{ openId: "ou_wf", name: "王芳" }], NOW);
    expect(matches).toHaveLength(1);
    await addUnconfirmed(db.models, B2, matches[0]!);
    expect((await unconfirmedMembers(db.models, B2)).map((m) => m.openId)).toEqual(["ou_wf"]);
    expect((await syncMembers(db.models, B2, [{ openId: "ou_wf", name: "王芳" }], NOW)).matches).toEqual([]);
  });
});
