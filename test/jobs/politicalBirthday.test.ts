import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/domain/clock.js";
import { partyAnniversaryYears } from "../../src/domain/anniversaries.js";
import { createPoliticalBirthdayJob } from "../../src/jobs/politicalBirthday.js";
import { createJobs } from "../../src/jobs/index.js";
import type { MemberProfile } from "../../src/db/models/member.js";
import { trusted } from "../../src/db/connection.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { seedBranch, seedMembers } from "../helpers/factories.js";
import { jobDeps, outboxItems, type TestClock } from "./helpers.js";

const TZ = "Asia/Shanghai";
/** Midnight of a local (Shanghai) date, as a 入党日期 is stored. */
const local = (date: string) => new Date(`${date}T00:00:00+08:00`);
const profile = (joinedAt: string) => ({ joinedAt: local(joinedAt) }) as unknown as MemberProfile;

let db: TestDb;
let clock: TestClock;
const job = createPoliticalBirthdayJob(9);

beforeAll(async () => {
  db = await openTestDb("job_political_birthday");
  clock = fixedClock("2026-07-01T01:00:00Z");
  await seedBranch(db.models, { _id: "B1", name: "第一党支部" });
  await seedBranch(db.models, { _id: "B2", name: "第二党支部", settings: { politicalBirthday: false } });
  await seedMembers(
    db.models,
    [
      { openId: "ou_full", name: "老党员<at id=all></at>", profile: profile("2001-07-01") },
      { openId: "ou_prob", name: "预备", status: "probationary", profile: profile("2025-07-01") },
      { openId: "ou_activist", name: "积极分子", status: "activist", profile: profile("2020-07-01") },
      { openId: "ou_left", name: "离开", active: false, profile: profile("2001-07-01") },
      {
        openId: "offline_old",
        name: "退休",
        onFeishu: false,
        profile: profile("1980-07-01"),
      },
      { openId: "ou_leap", name: "闰日", profile: profile("2004-02-29") },
      { openId: "ou_none", name: "无日期" },
    ],
    { branchId: "B1" },
  );
  await seedMembers(db.models, [{ openId: "ou_b2", name: "二支部", profile: profile("2001-07-01") }], {
    branchId: "B2",
  });
});
afterAll(async () => db.close());
beforeEach(async () => {
  await db.models.Outbox.deleteMany({});
});

async function runAt(iso: string) {
  clock.set(iso);
  await job.run({ deps: jobDeps(db, clock), occurrence: clock.now() });
  return outboxItems(db, { _id: trusted({ $regex: "^birthday:" }) });
}
const targets = (items: { target?: unknown }[]) =>
  items.map((i) => (i.target as { openId: string }).openId).sort();

describe("政治生日: the anniversary of 入党日期", () => {
  it("years on the day, none the day before or after, 29 Feb on 28 Feb in other years", () => {
    const joined = local("2001-07-01");
    expect(partyAnniversaryYears(joined, local("2026-07-01"), TZ)).toBe(25);
    expect(partyAnniversaryYears(joined, new Date("2026-06-30T23:59:00+08:00"), TZ)).toBeNull();
    expect(partyAnniversaryYears(joined, local("2026-07-02"), TZ)).toBeNull();
    expect(partyAnniversaryYears(joined, local("2001-07-01"), TZ)).toBeNull(); // the day itself
    const leap = local("2004-02-29");
    expect(partyAnniversaryYears(leap, local("2027-02-28"), TZ)).toBe(23);
    expect(partyAnniversaryYears(leap, local("2027-03-01"), TZ)).toBeNull();
    expect(partyAnniversaryYears(leap, local("2028-02-28"), TZ)).toBeNull();
    expect(partyAnniversaryYears(leap, local("2028-02-29"), TZ)).toBe(24);
  });

  it("greets active 正式 and 预备 党员 on Feishu on the day, once across two runs", async () => {
    const sent = await runAt("2026-07-01T01:00:00Z"); // 09:00 Shanghai
    expect(targets(sent)).toEqual(["ou_full", "ou_prob"]);
    const card = JSON.stringify(
      sent.find((i) => (i.target as { openId: string }).openId === "ou_full")?.content,
    );
    expect(card).toContain("入党 **25** 周年");
    expect(card).toContain("2001年7月1日");
    expect(card).toContain("en_us");
    expect(card).toContain("老党员\\\\<at id=all\\\\>"); // the name is escaped
    expect(card).not.toContain("老党员<at");
    expect(card).not.toContain('"button"');
    expect(JSON.stringify(sent.find((i) => (i.target as { openId: string }).openId === "ou_prob"))).toContain(
      "入党 **1** 周年",
    );
    // A second run the same day (a restart, a catch-up): nothing more.
    expect(await runAt("2026-07-01T05:00:00Z")).toHaveLength(2);
  });

  it("sends nothing the day before", async () => {
    expect(await runAt("2026-06-30T01:00:00Z")).toEqual([]);
  });

  it("a 29 February joiner is greeted on 28 February in a common year", async () => {
    expect(targets(await runAt("2027-02-28T01:00:00Z"))).toEqual(["ou_leap"]);
    await db.models.Outbox.deleteMany({});
    expect(await runAt("2027-03-01T01:00:00Z")).toEqual([]);
  });

  it("a branch that switched it off gets nothing", async () => {
    const sent = await runAt("2026-07-01T01:00:00Z");
    expect(targets(sent)).not.toContain("ou_b2");
  });

  it("runs at ZHIBU_BIRTHDAY_HOUR", () => {
    expect(createJobs({ birthdayHour: 8 }).find((j) => j.name === "political-birthday")?.schedule).toBe(
      "0 8 * * *",
    );
    expect(createJobs().find((j) => j.name === "political-birthday")?.schedule).toBe("0 9 * * *");
  });
});
