import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_DUES_RULES } from "../../config/dues.js";
import { dueModel, duesProfileModel } from "../../src/db/models/dues.js";
import { fixedClock } from "../../src/domain/clock.js";
import { createMonthlyDues, recordPayment, setDuesProfile, type DuesDeps } from "../../src/domain/dues.js";
import { UserError } from "../../src/domain/errors.js";
import { createSecretBox } from "../../src/domain/secretBox.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { buildMember, seedMembers } from "../helpers/factories.js";

const box = createSecretBox(randomBytes(32));
const clock = fixedClock(new Date("2026-07-15T02:00:00Z"));
const BRANCH = "BW1";
// Accepted at 00:30 on 1 July in Shanghai: still 30 June in UTC, so July is the first month.
const ACCEPTED = new Date("2026-06-30T16:30:00Z");

let db: TestDb;
let models: DuesDeps;
beforeAll(async () => {
  db = await openTestDb("dues_who_owes");
  models = { ...db.models, DuesProfile: duesProfileModel(db.connection), Due: dueModel(db.connection) };
  await models.DuesProfile.createIndexes();
  await models.Due.createIndexes();
  await seedMembers(db.models, [
    buildMember({ branchId: BRANCH, openId: "ou_full", status: "full" }),
    buildMember({ branchId: BRANCH, openId: "ou_prob", status: "probationary", statusSince: ACCEPTED }),
    buildMember({ branchId: BRANCH, openId: "ou_act", status: "activist" }),
    buildMember({ branchId: BRANCH, openId: "ou_mass", status: "non-party" }),
  ]);
  const profile = (openId: string) =>
    setDuesProfile(models, clock, box, DEFAULT_DUES_RULES, {
      branchId: BRANCH,
      openId,
      category: "employed",
      baseFen: 500_000,
      effectiveFrom: "2026-01",
      setBy: "ou_sec",
    });
  await profile("ou_full");
  await profile("ou_prob"); // a standard entered from January does not make June owed
});
afterAll(async () => db.close());

const owing = async (month: string) =>
  (await models.Due.find({ branchId: BRANCH, month }).lean()).map((d) => d.openId).sort();

describe("monthly dues follow who owes", () => {
  it("creates none for a probationary member the month before acceptance, and one from that month", async () => {
    await createMonthlyDues(models, clock, { month: "2026-06", branchId: BRANCH, timeZone: "Asia/Shanghai" });
    expect(await owing("2026-06")).toEqual(["ou_full"]);
    await createMonthlyDues(models, clock, { month: "2026-07", branchId: BRANCH, timeZone: "Asia/Shanghai" });
    expect(await owing("2026-07")).toEqual(["ou_full", "ou_prob"]);
  });

  it("refuses a standard or a payment for someone who is not a Party member", async () => {
    const attempt = (openId: string) =>
      setDuesProfile(models, clock, box, DEFAULT_DUES_RULES, {
        branchId: BRANCH,
        openId,
        category: "employed",
        baseFen: 500_000,
        effectiveFrom: "2026-07",
        setBy: "ou_sec",
      });
    await expect(attempt("ou_act")).rejects.toThrow(/入党积极分子不缴纳党费/);
    await expect(attempt("ou_mass")).rejects.toBeInstanceOf(UserError);
    await expect(
      recordPayment(models, clock, DEFAULT_DUES_RULES, {
        branchId: BRANCH,
        openId: "ou_mass",
        from: "2026-07",
        to: "2026-07",
        by: "ou_sec",
      }),
    ).rejects.toThrow(/群众不缴纳党费/);
    expect(await models.DuesProfile.countDocuments({ branchId: BRANCH })).toBe(2);
  });
});
