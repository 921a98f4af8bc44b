import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_TRANSFER_LETTER_DAYS } from "../../config/transfers.js";
import { fixedClock } from "../../src/domain/clock.js";
import { createMonthlyDues, duesPaidThrough } from "../../src/domain/dues.js";
import { monthOf } from "../../src/domain/duesRules.js";
import { parseDay } from "../../src/domain/roster.js";
import { decideTransfer } from "../../src/domain/transferMove.js";
import {
  cancelTransfer,
  letterExpired,
  letterValidUntil,
  recordReceipt,
  transferOut,
} from "../../src/domain/transfers.js";
import { transferIn } from "../../src/domain/transferIn.js";
import { meetingStanding, owesDuesFor, studyStanding } from "../../src/domain/whoCounts.js";
import type { Member } from "../../src/db/models/member.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { seedBranches, seedMembers } from "../helpers/factories.js";

const TZ = "Asia/Shanghai";
const day = (text: string) => parseDay(text, TZ)!;

let db: TestDb;
const clock = fixedClock("2026-11-23T02:00:00Z");
const member = (openId: string) => db.models.Member.findOne({ branchId: "B1", openId }).lean<Member>();

beforeAll(async () => {
  db = await openTestDb("domain_transfers");
  await seedBranches(db.models, [
    { _id: "B1", name: "第一党支部" },
    { _id: "B2", name: "第二党支部", chatId: "oc_b2" },
  ]);
  await seedMembers(db.models, [
    { openId: "ou_sec", name: "王书记", role: "secretary" },
    { openId: "ou_zhang", name: "张三" },
    { openId: "ou_li", name: "李四" },
    { openId: "ou_wang", name: "王五" },
  ]);
});
afterAll(async () => db.close());

describe("the letter's validity", () => {
  it("counts the day of issue: 90 days from 23 November end on 20 February, expired from the 21st", () => {
    expect(DEFAULT_TRANSFER_LETTER_DAYS).toBe(90);
    const until = letterValidUntil(day("2026-11-23"), 90, TZ);
    expect(until).toEqual(day("2027-02-20"));
    expect(letterExpired({ validUntil: until }, new Date("2027-02-20T15:59:59Z"), TZ)).toBe(false);
    expect(letterExpired({ validUntil: until }, new Date("2027-02-20T16:00:00Z"), TZ)).toBe(true);
    expect(letterValidUntil(day("2026-11-23"), 1, TZ)).toEqual(day("2026-11-23"));
  });
});

describe("党费交至 from the dues ledger", () => {
  const due = (openId: string, month: string, status: "paid" | "unpaid") =>
    db.models.Due.create({ branchId: "B1", openId, month, amountFen: 100, status });

  it("is the last month of the unbroken run of settled months from the first", async () => {
    expect(await duesPaidThrough(db.models, "B1", "ou_wang")).toBeNull();
    await due("ou_li", "2026-08", "paid");
    await due("ou_li", "2026-09", "paid");
    await due("ou_li", "2026-10", "unpaid");
    await due("ou_li", "2026-11", "paid"); // paid after a gap: not "交至"
    expect(await duesPaidThrough(db.models, "B1", "ou_li")).toBe("2026-09");
    await due("ou_wang", "2026-06", "paid");
    await due("ou_wang", "2026-08", "paid"); // July has no due: the run ends at June
    expect(await duesPaidThrough(db.models, "B1", "ou_wang")).toBe("2026-06");
  });
});

describe("counts after the date of the letter", () => {
  it("leaves 应到, study and next month's dues from that day on; history kept", async () => {
    const before = (await member("ou_zhang"))!;
    const { transfer, created } = await transferOut(db.models, clock, {
      branchId: "B1",
      member: before,
      place: "某市委组织部",
      toBranch: null,
      letterNo: "No.1",
      issuedAt: day("2026-11-20"),
      duesPaidTo: null,
      letterDays: 30,
      timeZone: TZ,
      by: "ou_sec",
      sourceKey: "test:out:1",
    });
    expect(created).toBe(true);
    expect(transfer).toMatchObject({
      _id: "Z1",
      state: "open",
      validUntil: day("2026-12-19"),
      duesPaidTo: null,
    });
    // The same command again records nothing more.
    const again = await transferOut(db.models, clock, {
      branchId: "B1",
      member: (await member("ou_zhang"))!,
      place: "某市委组织部",
      toBranch: null,
      letterNo: "No.1",
      issuedAt: day("2026-11-20"),
      duesPaidTo: null,
      letterDays: 30,
      timeZone: TZ,
      by: "ou_sec",
      sourceKey: "test:out:1",
    });
    expect(again).toMatchObject({ created: false, transfer: { _id: "Z1" } });
    expect(await db.models.Transfer.countDocuments()).toBe(1);

    const out = (await member("ou_zhang"))!;
    const meeting = { type: "branch-assembly" };
    expect(meetingStanding(out, meeting, new Date("2026-11-19T15:59:59Z"))).toBe("expected");
    expect(meetingStanding(out, meeting, new Date("2026-11-19T16:00:00Z"))).toBe("none");
    expect(studyStanding(out, { scope: "all" }, new Date("2026-11-25T00:00:00Z"))).toBe("none");
    const month = (date: Date) => monthOf(date, TZ);
    expect(owesDuesFor(out, "2026-11", month)).toBe(true);
    expect(owesDuesFor(out, "2026-12", month)).toBe(false);
    // The monthly job creates no December due for them.
    await db.models.DuesProfile.create({
      branchId: "B1",
      openId: "ou_zhang",
      effectiveFrom: "2026-01",
      category: "student",
      monthlyFen: 20,
      setBy: "ou_sec",
    });
    await createMonthlyDues(db.models, clock, { month: "2026-12", branchId: "B1", timeZone: TZ });
    expect(await db.models.Due.countDocuments({ openId: "ou_zhang", month: "2026-12" })).toBe(0);

    // Still on the roster (the branch is responsible) until the 回执; then inactive, record kept.
    expect(out.active).toBe(true);
    await expect(
      recordReceipt(db.models, clock, { transfer, receiptAt: day("2026-11-19"), timeZone: TZ }),
    ).rejects.toThrow("回执日期不能早于介绍信开具日期 2026-11-20");
    const receipt = await recordReceipt(db.models, clock, {
      transfer,
      receiptAt: day("2026-11-22"),
      timeZone: TZ,
    });
    expect(receipt.changed).toBe(true);
    const gone = (await member("ou_zhang"))!;
    expect(gone).toMatchObject({ active: false, leftAt: day("2026-11-20"), name: "张三" });
    expect(gone.transferOut).toMatchObject({ id: "Z1" });
    expect(
      (await recordReceipt(db.models, clock, { transfer, receiptAt: day("2026-11-22"), timeZone: TZ }))
        .changed,
    ).toBe(false);
  });

  it("refuses a future letter, a second transfer and the last secretary", async () => {
    const base = {
      branchId: "B1",
      place: "外地",
      toBranch: null,
      letterNo: "",
      duesPaidTo: null,
      letterDays: 90,
      timeZone: TZ,
      by: "ou_sec",
    };
    await expect(
      transferOut(db.models, clock, {
        ...base,
        member: (await member("ou_li"))!,
        issuedAt: day("2026-11-24"),
        sourceKey: "test:future",
      }),
    ).rejects.toThrow("介绍信开具日期不能晚于今天");
    await expect(
      transferOut(db.models, clock, {
        ...base,
        member: (await member("ou_sec"))!,
        issuedAt: day("2026-11-23"),
        sourceKey: "test:sec",
      }),
    ).rejects.toThrow("唯一的书记");
    await transferOut(db.models, clock, {
      ...base,
      member: (await member("ou_li"))!,
      issuedAt: day("2026-11-23"),
      sourceKey: "test:li:1",
    });
    await expect(
      transferOut(db.models, clock, {
        ...base,
        member: (await member("ou_li"))!,
        issuedAt: day("2026-11-23"),
        sourceKey: "test:li:2",
      }),
    ).rejects.toThrow("已在转出中");
  });
});

describe("between branches of the deployment", () => {
  it("a declined transfer puts the member back in the old branch's counts", async () => {
    const wang = (await member("ou_wang"))!;
    const { transfer } = await transferOut(db.models, clock, {
      branchId: "B1",
      member: wang,
      place: "第二党支部",
      toBranch: { _id: "B2", name: "第二党支部" },
      letterNo: "",
      issuedAt: day("2026-11-23"),
      duesPaidTo: "2026-11",
      letterDays: 90,
      timeZone: TZ,
      by: "ou_sec",
      sourceKey: "test:wang",
    });
    expect(transfer).toMatchObject({ state: "awaiting", toBranchId: "B2", duesPaidTo: "2026-11" });
    const declined = await decideTransfer(db.models, clock, {
      transferId: transfer._id,
      decision: "declined",
      by: "ou_b2_sec",
      timeZone: TZ,
    });
    expect(declined).toMatchObject({ outcome: "declined", changed: true });
    // A later 接收 changes nothing: the first decision stands.
    const late = await decideTransfer(db.models, clock, {
      transferId: transfer._id,
      decision: "accepted",
      by: "ou_b2_sec",
      timeZone: TZ,
    });
    expect(late).toMatchObject({ outcome: "declined", changed: false });
    const back = (await member("ou_wang"))!;
    expect(back).toMatchObject({ active: true, transferOut: null });
    expect(meetingStanding(back, { type: "branch-assembly" }, clock.now())).toBe("expected");
    expect(await db.models.Member.exists({ branchId: "B2", openId: "ou_wang" })).toBeNull();
  });

  it("撤销 and 接收 at once: exactly one wins; a /转出 delivered again after a 撤销 marks no one", async () => {
    await seedMembers(db.models, [{ openId: "ou_zhao", name: "赵六" }]);
    const input = {
      branchId: "B1",
      place: "第二党支部",
      toBranch: { _id: "B2", name: "第二党支部" },
      letterNo: "",
      issuedAt: day("2026-11-23"),
      duesPaidTo: null,
      letterDays: 90,
      timeZone: TZ,
      by: "ou_sec",
      sourceKey: "test:zhao",
    };
    const { transfer } = await transferOut(db.models, clock, {
      ...input,
      member: (await member("ou_zhao"))!,
    });
    const [cancelled, accepted] = await Promise.allSettled([
      cancelTransfer(db.models, clock, { transfer, by: "ou_sec", reason: "", timeZone: TZ }),
      decideTransfer(db.models, clock, {
        transferId: transfer._id,
        decision: "accepted",
        by: "ou_b2_sec",
        timeZone: TZ,
      }),
    ]);
    expect([cancelled.status, accepted.status].sort()).toEqual(["fulfilled", "rejected"]);
    const after = (await db.models.Transfer.findById(transfer._id).lean())!;
    const inB2 = await db.models.Member.exists({ branchId: "B2", openId: "ou_zhao", active: true });
    if (cancelled.status === "fulfilled") {
      expect(after.state).toBe("cancelled");
      expect(inB2).toBeNull();
      expect((await member("ou_zhao"))!).toMatchObject({ active: true, transferOut: null });
    } else {
      expect(after.state).toBe("received");
      expect(inB2).not.toBeNull();
      expect(String((cancelled as PromiseRejectedResult).reason)).toContain("已接收此转接，不能撤销");
    }

    // Out of the deployment, withdrawn; the same /转出 delivered again finds it and marks no one.
    await seedMembers(db.models, [{ openId: "ou_qian", name: "钱七" }]);
    const outside = { ...input, toBranch: null, place: "外省某支部", sourceKey: "test:qian" };
    const open = await transferOut(db.models, clock, { ...outside, member: (await member("ou_qian"))! });
    expect(open.transfer.state).toBe("open");
    await cancelTransfer(db.models, clock, {
      transfer: open.transfer,
      by: "ou_sec",
      reason: "",
      timeZone: TZ,
    });
    const again = await transferOut(db.models, clock, { ...outside, member: (await member("ou_qian"))! });
    expect(again).toMatchObject({ created: false, transfer: { state: "cancelled" } });
    expect((await member("ou_qian"))!.transferOut).toBeNull();
  });
});

describe("/转入 from outside", () => {
  it("adds the person with their dates; 预备 with only 入党日期; bad dates refused", async () => {
    const base = {
      branchId: "B1",
      place: "某高校党委",
      letterNo: "X-1",
      status: null,
      duesPaidTo: "2026-10",
      timeZone: TZ,
      by: "ou_sec",
    };
    const { member: arrived } = await transferIn(db.models, clock, {
      ...base,
      person: { byName: "小陈" },
      joinedAt: day("2026-05-01"),
      fullAt: null,
      sourceKey: "test:in:1",
    });
    expect(arrived).toMatchObject({ status: "probationary", onFeishu: false, active: true });
    expect(arrived.transferIn).toMatchObject({ from: "某高校党委", duesPaidTo: "2026-10" });
    expect(owesDuesFor(arrived, "2026-05", (d) => monthOf(d, TZ))).toBe(true);
    await expect(
      transferIn(db.models, clock, {
        ...base,
        person: { byName: "小赵" },
        joinedAt: day("2020-05-01"),
        fullAt: day("2020-04-01"),
        sourceKey: "test:in:2",
      }),
    ).rejects.toThrow("转正日期不能早于入党日期");
    await expect(
      transferIn(db.models, clock, {
        ...base,
        person: { byName: "小陈" },
        joinedAt: null,
        fullAt: null,
        sourceKey: "test:in:3",
      }),
    ).rejects.toThrow("名册中已有「小陈」");
  });
});

describe("members written before transfers existed", () => {
  it("are marked too: a missing transferOut field reads as none", async () => {
    await db.connection.db!.collection("members").insertOne({
      branchId: "B1",
      openId: "ou_legacy",
      name: "老党员",
      role: "member",
      active: true,
    });
    const legacy = (await member("ou_legacy"))!;
    const { transfer } = await transferOut(db.models, clock, {
      branchId: "B1",
      member: legacy,
      place: "外地",
      toBranch: null,
      letterNo: "",
      issuedAt: day("2026-11-23"),
      duesPaidTo: null,
      letterDays: 90,
      timeZone: TZ,
      by: "ou_sec",
      sourceKey: "test:legacy",
    });
    expect((await member("ou_legacy"))!.transferOut).toMatchObject({ id: transfer._id });
  });
});
