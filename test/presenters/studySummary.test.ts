import { PassThrough } from "node:stream";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import type { MemberDoc } from "../../src/domain/attendance.js";
import { studySummary } from "../../src/presenters/ledger/studySummary.js";
import { buildMember } from "../helpers/factories.js";

const members = [
  buildMember({ branchId: "B1", openId: "ou_a", name: "甲" }),
  buildMember({ branchId: "B1", openId: "ou_b", name: "乙" }),
  buildMember({ branchId: "B1", openId: "ou_new", name: "新来的" }),
] as unknown as MemberDoc[];
const names = new Map([
  ["ou_a", "甲"],
  ["ou_b", "乙"],
  ["ou_left", "已离开的丙"],
  ["ou_new", "新来的"],
]);
const task = {
  _id: "S1",
  title: "学习党章",
  deadline: new Date("2026-03-31T15:59:59Z"),
  hours: 2,
  scope: "branch" as const,
  partyGroup: null,
};

async function summaryRows(expected: string[] | null): Promise<unknown[][]> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (chunk: Buffer) => chunks.push(chunk));
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out });
  const summary = studySummary(
    members,
    (id) => names.get(id) ?? id,
    (d) => d.toISOString().slice(0, 10),
    new Date("2026-06-01T00:00:00Z"),
  );
  summary.add({ ...task, expected }, new Set(["ou_a"]));
  summary.write(workbook, "标题");
  await workbook.commit();
  const read = new ExcelJS.Workbook();
  await read.xlsx.load(Buffer.concat(chunks) as unknown as ExcelJS.Buffer);
  const rows: unknown[][] = [];
  read.getWorksheet("学习汇总")!.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
}

describe("学习汇总", () => {
  it("reads a task's frozen scope when it has one, so a leaver and a newcomer change nothing", async () => {
    // Frozen at the deadline: 甲, 乙 and 丙 (who has left since); 新来的 joined after it.
    const [, , row] = await summaryRows(["ou_a", "ou_b", "ou_left"]);
    expect(row).toEqual(["S1", "学习党章", "2026-03-31", 2, 3, 1, 2, 1 / 3, "乙、已离开的丙"]);
  });

  it("falls back to the scope at the deadline for a task not frozen yet", async () => {
    const [, , row] = await summaryRows(null);
    expect(row?.slice(4, 7)).toEqual([3, 1, 2]);
  });
});
