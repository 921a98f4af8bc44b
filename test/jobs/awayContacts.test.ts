import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/domain/clock.js";
import { recordAwayContact } from "../../src/domain/anniversaries.js";
import { awayContactsJob } from "../../src/jobs/awayContacts.js";
import { trusted } from "../../src/db/connection.js";
import type { Member } from "../../src/db/models/member.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { seedBranch, seedMembers } from "../helpers/factories.js";
import { jobDeps, outboxItems, textOf, type TestClock } from "./helpers.js";

let db: TestDb;
let clock: TestClock;

/** One exemption period, typed as the model's array (the factories take plain objects). */
const period = (id: string, from: string, kind: "away" | "exempt" = "away") =>
  [
    {
      id,
      kind,
      from: new Date(from),
      until: null,
      where: kind === "away" ? "深圳" : "",
      reason: "",
      by: "ou_sec",
      at: new Date(from),
      lastContactAt: null,
    },
  ] as unknown as Member["exemptions"];

beforeAll(async () => {
  db = await openTestDb("job_away_contacts");
  clock = fixedClock("2026-07-01T01:00:00Z");
  await seedBranch(db.models, { _id: "B1", name: "第一党支部" });
  await seedMembers(
    db.models,
    [
      { openId: "ou_sec", name: "王书记", role: "secretary" },
      // Away since 1 Jan 2026, 08:00 Shanghai.
      { openId: "ou_away", name: "外出<b>甲</b>", exemptions: period("E1", "2026-01-01T00:00:00Z") },
      { openId: "ou_exempt", name: "免于要求", exemptions: period("E2", "2025-01-01T00:00:00Z", "exempt") },
      { openId: "ou_home", name: "在家" },
    ],
    { branchId: "B1" },
  );
});
afterAll(async () => db.close());

async function runAt(iso: string) {
  clock.set(iso);
  await awayContactsJob.run({ deps: jobDeps(db, clock), occurrence: clock.now() });
  return outboxItems(db, { _id: trusted({ $regex: "^away:" }) });
}

describe("外出党员: a reminder to make contact every six months", () => {
  it("nothing before six months, one reminder to the secretary at six, once across runs", async () => {
    expect(await runAt("2026-06-30T01:00:00Z")).toEqual([]);
    const sent = await runAt("2026-07-01T01:00:00Z");
    expect(sent).toHaveLength(1);
    expect(sent[0]!.target).toEqual({ openId: "ou_sec" });
    expect(textOf(sent[0])).toContain("外出＜b>甲＜/b>（深圳）");
    expect(textOf(sent[0])).toContain("自 2026年1月1日 外出以来尚未记录联系，已满 6 个月");
    expect(textOf(sent[0])).toContain("/党员 联系");
    expect(await runAt("2026-07-02T01:00:00Z")).toHaveLength(1);
  });

  it("recording a contact restarts the clock: the next reminder six months after it", async () => {
    clock.set("2026-07-03T02:00:00Z");
    await recordAwayContact(db.models, "B1", "ou_away", clock.now());
    expect(await runAt("2026-12-31T01:00:00Z")).toHaveLength(1);
    expect(await runAt("2027-01-02T01:00:00Z")).toHaveLength(1); // 3 Jan 10:00 not yet reached
    const sent = await runAt("2027-01-04T01:00:00Z");
    expect(sent).toHaveLength(2);
    expect(textOf(sent[1])).toContain("上次联系为 2026年7月3日");
  });

  it("recording a contact for someone not away is refused", async () => {
    await expect(recordAwayContact(db.models, "B1", "ou_exempt", clock.now())).rejects.toThrow("免于要求");
    await expect(recordAwayContact(db.models, "B1", "ou_home", clock.now())).rejects.toThrow("没有正在进行");
  });
});
