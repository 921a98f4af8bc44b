import { describe, expect, it } from "vitest";
import { DEFAULT_BRANCH_HEALTH_RULES, loadBranchHealthRules } from "../../config/branchHealth.js";
import {
  healthFindings,
  monthsWithoutLife,
  warningLevel,
  type HealthData,
} from "../../src/domain/branchHealth.js";
import type { DueDoc } from "../../src/domain/duesLedger.js";
import type { Branch } from "../../src/db/models/branch.js";
import type { Member } from "../../src/db/models/member.js";
import { buildMember } from "../helpers/factories.js";

const TZ = "Asia/Shanghai";
const R = DEFAULT_BRANCH_HEALTH_RULES;
const NOW = new Date("2026-11-23T02:00:00Z");
const ON_ROLL = new Date("2025-01-01T00:00:00Z");
const BRANCH: Pick<Branch, "_id" | "committeeTerm"> = { _id: "B1", committeeTerm: null };

type Seed = Partial<Member> & { createdAt?: Date };
const people = (n: number, extra: Seed = {}) =>
  Array.from(
    { length: n },
    () => ({ ...buildMember({ status: "full" }), createdAt: ON_ROLL, ...extra }) as never,
  );
const data = (members: HealthData["members"], more: Partial<HealthData> = {}): HealthData => ({
  members,
  meetings: [],
  openDues: [],
  ...more,
});
const ids = (members: HealthData["members"], d: HealthData, branch = BRANCH) =>
  healthFindings(branch, { ...d, members }, R, { now: NOW, timeZone: TZ }).map((f) => f.ruleId);

/** A closed meeting on `day` (local) with `who` as 应到 and the given answers. */
function meeting(day: string, who: string[], present: string[] = [], leave: string[] = []) {
  const absent = who.filter((w) => !present.includes(w) && !leave.includes(w));
  return {
    _id: `M${day}`,
    branchId: "B1",
    startAt: new Date(`${day}T10:00:00+08:00`),
    record: { expected: who, present, leave, absent, observers: [], voluntary: [], statuses: [] },
  };
}

describe("branch health: members and committee", () => {
  it("exactly 3 full members is a branch; 2 (with a probationary member) is not", () => {
    const three = people(3);
    expect(ids(three, data(three))).toEqual([]);
    const two = [...people(2), ...people(1, { status: "probationary" })];
    const findings = healthFindings(BRANCH, data(two), R, { now: NOW, timeZone: TZ });
    expect(findings.map((f) => f.ruleId)).toEqual(["min-full-members"]);
    expect(findings[0]!.message).toContain("正式党员仅 2 人，不足 3 人");
    expect(findings[0]!.source).toBe("《中国共产党支部工作条例（试行）》第四条");
  });

  it("50 Party members are within the rule, 51 are not (activists do not count)", () => {
    const committee = people(2, { role: "committee" });
    const fifty = [...committee, ...people(48), ...people(5, { status: "activist" })];
    expect(ids(fifty, data(fifty))).toEqual([]);
    const fiftyOne = [...fifty, ...people(1, { status: "probationary" })];
    const findings = healthFindings(BRANCH, data(fiftyOne), R, { now: NOW, timeZone: TZ });
    expect(findings.map((f) => f.message)).toEqual([expect.stringContaining("党员 51 人，超过 50 人")]);
  });

  it("7 full members and no 支委 should elect a committee; 6 need not; a 支委 on the roll is enough", () => {
    const six = people(6);
    expect(ids(six, data(six))).toEqual([]);
    const seven = people(7);
    expect(ids(seven, data(seven))).toEqual(["committee-needed"]);
    const withCommittee = [...people(6), ...people(1, { role: "committee" })];
    expect(ids(withCommittee, data(withCommittee))).toEqual([]);
  });

  it("a committee term ending within 6 months is found, one ending in 7 months is not", () => {
    const members = people(3);
    const term = (electedAt: string, years = 3) => ({
      _id: "B1",
      committeeTerm: { electedAt: new Date(`${electedAt}T00:00:00+08:00`), years, by: "ou_sec" },
    });
    // Ends 2027-05-23: exactly 6 months after today.
    const six = healthFindings(term("2024-05-23"), data(members), R, { now: NOW, timeZone: TZ });
    expect(six.map((f) => [f.ruleId, f.signature])).toEqual([["committee-term", "2027-05-23"]]);
    expect(six[0]!.message).toContain("将于 2027-05-23 届满（还有 181 天）");
    expect(ids(members, data(members), term("2024-06-23"))).toEqual([]);
    // A 5-year term elected 2021-11-01 has already ended.
    const ended = healthFindings(term("2021-11-01", 5), data(members), R, { now: NOW, timeZone: TZ });
    expect(ended[0]!.message).toContain("已于 2026-11-01 届满（已过 22 天）");
  });
});

describe("branch health: six months (党章 art. 9), warned at 3 and 5", () => {
  it("levels: none below 3, 3 at 3 and 4, 5 at 5, 6 at 6", () => {
    const figure = R["organisational-life"].figure;
    expect([2, 3, 4, 5, 6, 7].map((n) => warningLevel(n, figure))).toEqual([null, 3, 3, 5, 6, 6]);
  });

  it("counts whole months since the last organisational life, and only after a missed meeting", () => {
    const m = { openId: "a", createdAt: ON_ROLL };
    const at = (meetings: ReturnType<typeof meeting>[]) => monthsWithoutLife(m, meetings, "2026-11", 6, TZ);
    // Attended in July, missed August: August, September, October.
    expect(at([meeting("2026-07-10", ["a"], ["a"]), meeting("2026-08-10", ["a"])])).toBe(3);
    // Excused (请假) in August: a good reason, so the run starts after it.
    expect(at([meeting("2026-07-10", ["a"], ["a"]), meeting("2026-08-10", ["a"], [], ["a"])])).toBeNull();
    // Attended in May, missed in June: five months.
    expect(at([meeting("2026-05-10", ["a"], ["a"]), meeting("2026-06-10", ["a"])])).toBe(5);
    // Attended this month: the run is over.
    expect(at([meeting("2026-06-10", ["a"]), meeting("2026-11-05", ["a"], ["a"])])).toBeNull();
    // Missed nothing (no meeting held for them): not the member's failing.
    expect(at([])).toBeNull();
    // Put on the roll in October: at most one month.
    expect(
      monthsWithoutLife(
        { openId: "a", createdAt: new Date("2026-10-01T00:00:00Z") },
        [meeting("2026-10-10", ["a"])],
        "2026-11",
        6,
        TZ,
      ),
    ).toBe(1);
  });

  it("finds a member at 3 and one at 5 months without organisational life; exempt ones are left out", () => {
    const members = people(3);
    const [a, b, c] = members.map((m) => (m as Member).openId) as [string, string, string];
    const all = [a, b, c];
    const meetings = [
      meeting("2026-05-10", all, all),
      meeting("2026-07-10", all, [a, c]), // b's last organisational life was in May
      meeting("2026-08-10", all, [c]), // a's was in July
      meeting("2026-10-10", all, [c]),
    ];
    const when = { now: NOW, timeZone: TZ };
    const found = healthFindings(BRANCH, data(members, { meetings }), R, when);
    expect(found.map((f) => [f.key, f.signature])).toEqual([
      [`life:${a}`, "3"],
      [`life:${b}`, "5"],
    ]);
    expect(found[0]!.message).toContain("已连续 3 个月未参加组织生活");
    expect(found[1]!.message).toContain("已连续 5 个月未参加组织生活");
    expect(found[0]!.source).toBe("《中国共产党章程》第九条");
    const exempt = members.map((m) =>
      (m as Member).openId === a
        ? ({
            ...(m as object),
            exemptions: [{ id: "E", kind: "exempt", from: ON_ROLL, until: null, by: "s", at: ON_ROLL }],
          } as never)
        : m,
    );
    expect(healthFindings(BRANCH, data(exempt, { meetings }), R, when).map((f) => f.key)).toEqual([
      `life:${b}`,
    ]);
    // Both come to a meeting this month: nothing left to find.
    const attended = [...meetings, meeting("2026-11-02", all, all)];
    expect(healthFindings(BRANCH, data(members, { meetings: attended }), R, when)).toEqual([]);
  });

  it("finds dues unpaid 3 months in a row (this month included), not 2; 5 at 5", () => {
    const members = people(3);
    const a = (members[0] as unknown as Member).openId;
    const due = (month: string) =>
      ({ branchId: "B1", openId: a, month, amountFen: 100, status: "unpaid" }) as unknown as DueDoc;
    const two = data(members, { openDues: [due("2026-10"), due("2026-11")] });
    expect(ids(members, two)).toEqual([]);
    const three = data(members, { openDues: [due("2026-09"), due("2026-10"), due("2026-11")] });
    const found = healthFindings(BRANCH, three, R, { now: NOW, timeZone: TZ });
    expect(found.map((f) => [f.key, f.signature])).toEqual([[`dues:${a}`, "3"]]);
    expect(found[0]!.message).toContain("已连续 3 个月未缴纳党费（2026-09、2026-10、2026-11）");
    const five = data(members, { openDues: ["07", "08", "09", "10", "11"].map((m) => due(`2026-${m}`)) });
    expect(healthFindings(BRANCH, five, R, { now: NOW, timeZone: TZ })[0]!.signature).toBe("5");
  });

  it("a rule switched off by the deployment's file finds nothing", async () => {
    const { writeFileSync, mkdtempSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const file = join(mkdtempSync(join(tmpdir(), "health-")), "rules.json");
    writeFileSync(
      file,
      JSON.stringify([
        { id: "min-full-members", enabled: false },
        { id: "max-members", figure: { max: 2 } },
      ]),
    );
    const rules = loadBranchHealthRules(file);
    const two = people(2);
    expect(healthFindings(BRANCH, data(two), rules, { now: NOW, timeZone: TZ }).map((f) => f.ruleId)).toEqual(
      [],
    );
    const three = people(3);
    expect(
      healthFindings(BRANCH, data(three), rules, { now: NOW, timeZone: TZ }).map((f) => f.ruleId),
    ).toEqual(["max-members"]);
    writeFileSync(file, JSON.stringify([{ id: "max-members", figure: { max: 0 } }]));
    expect(() => loadBranchHealthRules(file)).toThrow(/max-members\.figure\.max/);
  });
});
