import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trusted } from "../../src/db/connection.js";
import type { Member } from "../../src/db/models/member.js";
import { fixedClock } from "../../src/domain/clock.js";
import { parseDay } from "../../src/domain/roster.js";
import { setBranchSetting } from "../../src/domain/settings.js";
import { transferOut } from "../../src/domain/transfers.js";
import { transferLettersJob } from "../../src/jobs/transfers.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { seedBranches, seedMembers } from "../helpers/factories.js";
import { jobDeps, outboxItems, textOf, type TestClock } from "./helpers.js";

const TZ = "Asia/Shanghai";
let db: TestDb;
let clock: TestClock;

async function out(
  branchId: string,
  openId: string,
  sourceKey: string,
  toBranch: { _id: string; name: string } | null = null,
) {
  const member = (await db.models.Member.findOne({ branchId, openId }).lean<Member>())!;
  return transferOut(db.models, clock, {
    branchId,
    member,
    place: toBranch?.name ?? "外省某党委",
    toBranch,
    letterNo: "No.<7>",
    issuedAt: parseDay("2026-11-23", TZ)!,
    duesPaidTo: null,
    letterDays: 30, // valid to 22 December
    timeZone: TZ,
    by: "ou_sec",
    sourceKey,
  });
}

beforeAll(async () => {
  db = await openTestDb("job_transfer_letters");
  clock = fixedClock("2026-11-23T02:00:00Z");
  await seedBranches(db.models, [
    { _id: "B1", name: "第一党支部" },
    { _id: "B2", name: "第二党支部", chatId: "oc_b2" },
  ]);
  await seedMembers(db.models, [
    { branchId: "B1", openId: "ou_sec", name: "王书记", role: "secretary" },
    { branchId: "B1", openId: "ou_zhang", name: "张<b>三</b>" },
    { branchId: "B1", openId: "ou_li", name: "李四" },
    { branchId: "B2", openId: "ou_sec2", name: "陈书记", role: "secretary" },
    { branchId: "B2", openId: "ou_wu", name: "吴六" },
  ]);
  await out("B1", "ou_zhang", "job:zhang");
  await out("B2", "ou_wu", "job:wu");
});
afterAll(async () => db.close());

async function runAt(iso: string) {
  clock.set(iso);
  await transferLettersJob.run({ deps: jobDeps(db, clock), occurrence: clock.now() });
  return outboxItems(db, { _id: trusted({ $regex: "^transfer:" }) });
}

describe("转接: a letter expired without 回执 is flagged to the 书记 once", () => {
  it("nothing on its last day, once the day after, nothing more on later runs; muted branches get none", async () => {
    await setBranchSetting(db.models, "B2", "transferReminders", false);
    expect(await runAt("2026-12-22T01:00:00Z")).toEqual([]);
    const sent = await runAt("2026-12-23T01:00:00Z");
    expect(sent).toHaveLength(1);
    expect(sent[0]!.target).toEqual({ openId: "ou_sec" });
    expect(textOf(sent[0])).toContain("介绍信已过期，未收到回执");
    expect(textOf(sent[0])).toContain("张＜b>三＜/b> 转往 外省某党委");
    expect(textOf(sent[0])).toContain("有效期至 2026-12-22（Z1）");
    expect(textOf(sent[0])).toContain("/转出 回执 Z1");
    expect(await runAt("2026-12-24T01:00:00Z")).toHaveLength(1);
  });

  it("says nothing once the 回执 is in", async () => {
    await db.models.Transfer.updateOne({ _id: "Z1" }, { $set: { state: "received" } });
    await db.models.Outbox.deleteMany({ _id: trusted({ $regex: "^transfer:" }) });
    expect(await runAt("2026-12-25T01:00:00Z")).toEqual([]);
  });

  it("a letter to another branch that never answered says so", async () => {
    clock.set("2026-11-23T02:00:00Z");
    const { transfer } = await out("B1", "ou_li", "job:li", { _id: "B2", name: "第二党支部" });
    expect(transfer.state).toBe("awaiting");
    const sent = await runAt("2026-12-26T01:00:00Z");
    expect(sent).toHaveLength(1);
    expect(textOf(sent[0])).toContain("介绍信已过期，「第二党支部」尚未接收：李四");
    expect(textOf(sent[0])).toContain(`（${transfer._id}），本支部仍对其负责`);
  });
});
