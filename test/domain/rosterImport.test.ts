import ExcelJS from "exceljs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  applyPlan,
  confirmImport,
  diffRoster,
  loadRoster,
  savePendingImport,
  validateRows,
} from "../../src/domain/rosterImport.js";
import { buildRosterTemplate, readRosterWorkbook } from "../../src/files/rosterWorkbook.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { buildMember } from "../helpers/factories.js";
import { ROSTER_COLUMNS } from "../../src/domain/rosterRows.js";

const HEADERS = ROSTER_COLUMNS.map((column) => column.header);

async function workbook(rows: unknown[][], headers: string[] = HEADERS): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet("名册");
  sheet.addRow(headers);
  for (const row of rows) sheet.addRow(row);
  return Buffer.from((await book.xlsx.writeBuffer()) as ArrayBuffer);
}

async function parse(rows: unknown[][], headers?: string[]) {
  const read = await readRosterWorkbook(await workbook(rows, headers));
  return validateRows(read.headers, read.rows);
}

describe("reading and validating a roster workbook", () => {
  it("reads strings, date cells and numbers under their headers", async () => {
    const { rows, errors } = await parse([
      [
        "张三",
        "正式党员",
        "第一党小组",
        "男",
        "汉族",
        "1980-05",
        "大学本科",
        new Date(Date.UTC(2005, 6, 1)),
        "2006-07-01",
        "组织委员",
        13800000000,
      ],
    ]);
    expect(errors).toEqual([]);
    expect(rows).toEqual([
      {
        row: 2,
        id: null,
        values: {
          name: "张三",
          status: "full",
          partyGroup: "第一党小组",
          gender: "男",
          ethnicity: "汉族",
          birthMonth: "1980-05",
          education: "大学本科",
          joinedAt: new Date("2005-07-01T00:00:00Z"),
          fullAt: new Date("2006-07-01T00:00:00Z"),
          partyPost: "组织委员",
          phone: "13800000000",
        },
      },
    ]);
  });

  it("names every row that is wrong, with its row number and the problem", async () => {
    const { rows, errors } = await parse([
      ["", "正式党员", null, null, null, null, null, "2001-01-01"],
      ["李四", "党员"],
      ["王五", "预备党员", null, "未知", null, "1990-13", null, "2025-02-30"],
      ["赵六", "正式党员", null, null, null, null, null, "2010-01-01", "2009-01-01"],
      ["钱七", "入党积极分子"],
      ["钱七", "入党积极分子"],
      ["孙八", "群众", null, null, null, null, null, null, null, null, "not a phone"],
    ]);
    expect(rows.map((r) => r.values.name)).toEqual(["钱七"]);
    expect(errors.map((e) => e.row)).toEqual([2, 3, 4, 5, 7, 8]);
    const text = (row: number) => errors.find((e) => e.row === row)!.message;
    expect(text(2)).toContain("缺少姓名");
    expect(text(3)).toContain("「党员」不是允许的身份");
    expect(text(4)).toContain("性别");
    expect(text(4)).toContain("出生年月");
    expect(text(4)).toContain("「2025-02-30」不是日期");
    expect(text(5)).toContain("转正日期早于入党日期");
    expect(text(7)).toContain("与第 6 行重复");
    expect(text(8)).toContain("联系方式");
  });

  it("refuses a file without the required columns", async () => {
    const { errors } = await parse([["张三"]], ["姓名", "党小组"]);
    expect(errors).toEqual([{ row: 1, message: "表头缺少「身份」列" }]);
  });

  it("reads back the template it writes, pre-filled with the roster", async () => {
    const buffer = await buildRosterTemplate([
      {
        openId: "ou_a",
        name: "张三",
        status: "预备党员",
        partyGroup: "一组",
        gender: "女",
        ethnicity: "",
        birthMonth: "1990-01",
        education: "",
        joinedAt: "2026-01-05",
        fullAt: "",
        partyPost: "",
        phone: "",
      },
    ]);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(buffer as unknown as ArrayBuffer);
    expect(book.worksheets.map((s) => s.name)).toEqual(["名册", "填写说明"]);
    expect(book.getWorksheet("名册")!.getRow(1).values).toEqual([undefined, ...HEADERS]);
    const read = await readRosterWorkbook(buffer);
    const { rows, errors } = validateRows(read.headers, read.rows);
    expect(errors).toEqual([]);
    expect(rows[0]).toMatchObject({
      id: "ou_a",
      values: { name: "张三", status: "probationary", birthMonth: "1990-01" },
    });
  });
});

describe("comparing with the roster and applying", () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await openTestDb("roster_import");
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(async () => {
    await db.models.Member.deleteMany({});
    await db.models.RosterImport.deleteMany({});
    await db.models.Member.insertMany([
      buildMember({ openId: "ou_a", name: "张三" }),
      buildMember({ openId: "ou_b", name: "李四" }),
      buildMember({ openId: "ou_c1", name: "王五" }),
      buildMember({ openId: "ou_c2", name: "王五" }),
      buildMember({ openId: "ou_d", name: "赵六" }),
    ]);
  });

  const plan = async (rows: unknown[][], importId = "imp1") => {
    const { rows: valid, errors } = await parse(rows);
    return diffRoster(valid, errors, await loadRoster(db.models, "B1"), importId);
  };

  it("lists new people, changes field by field, ambiguous names and who is missing", async () => {
    const result = await plan([
      ["张三", "预备党员", null, null, null, null, null, "2026-03-01"],
      ["李四", "正式党员"], // no 入党日期: an error
      ["王五", "群众"],
      ["王五", "群众", null, null, null, null, null, null, null, null, null, "ou_c2"],
      ["新人", "入党积极分子", "二组"],
    ]);
    expect(result.errors.map((e) => [e.row, e.message])).toEqual([
      [3, "入党日期：党员须填写入党日期"],
      [4, "名册中有 2 人名为「王五」，请填写其「编号」列（见 /党员 模板）"],
    ]);
    const change = result.ops.find((op) => op.kind === "change" && op.openId === "ou_a")!;
    expect(change).toMatchObject({
      status: "probationary",
      changes: [
        { field: "status", from: "正式党员", to: "预备党员" },
        { field: "joinedAt", from: "", to: "2026-03-01" },
      ],
    });
    expect(result.ops.find((op) => op.openId === "ou_c2")).toMatchObject({
      kind: "change",
      changes: [{ field: "status", from: "正式党员", to: "群众" }],
    });
    expect(result.ops.find((op) => op.kind === "new")).toMatchObject({
      openId: "offline_imp1_6",
      name: "新人",
      status: "activist",
    });
    expect(result.missing.map((m) => m.openId).sort()).toEqual(["ou_b", "ou_c1", "ou_d"]);
  });

  it("applies once: a second apply and the same file again change nothing; nobody is deleted", async () => {
    const rows = [
      ["张三", "预备党员", "一组", null, null, null, null, "2026-03-01"],
      ["新人", "入党积极分子", "二组", "女"],
    ];
    const first = await plan(rows);
    expect(first.errors).toEqual([]);
    await savePendingImport(db.models, {
      importId: "imp1",
      branchId: "B1",
      by: "ou_sec",
      fileName: "x.xlsx",
      plan: first,
      now: new Date("2026-11-01T00:00:00Z"),
    });
    const outcome = await confirmImport(db.models, "imp1", {
      by: "ou_sec",
      now: new Date("2026-11-01T00:01:00Z"),
    });
    expect(outcome.kind).toBe("applied");
    // A click again after a crash mid-apply: the same writes, nothing pushed twice.
    await applyPlan(db.models, "B1", first.ops, { by: "ou_sec", now: new Date("2026-11-01T00:02:00Z") });
    const a = await db.models.Member.findOne({ openId: "ou_a" }).lean();
    expect(a).toMatchObject({
      status: "probationary",
      partyGroup: "一组",
      statusSince: new Date("2026-03-01T00:00:00Z"),
    });
    expect(a!.statusHistory).toHaveLength(1);
    expect(a!.statusHistory[0]).toMatchObject({ status: "probationary", by: "ou_sec", reason: "名册导入" });
    const offline = await db.models.Member.find({ onFeishu: false }).lean();
    expect(offline).toHaveLength(1);
    expect(offline[0]).toMatchObject({
      openId: "offline_imp1_3",
      name: "新人",
      status: "activist",
      profile: { gender: "女" },
    });
    expect(await db.models.Member.countDocuments({})).toBe(6);
    const again = await plan(rows, "imp2");
    expect(again.ops).toEqual([]);
    expect(again.unchanged).toBe(2);
    expect((await confirmImport(db.models, "imp1", { by: "ou_sec", now: new Date() })).kind).toBe("already");
  });

  it("refuses to confirm an import with errors", async () => {
    const result = await plan([["李四", "正式党员"]]);
    await savePendingImport(db.models, {
      importId: "imp3",
      branchId: "B1",
      by: "ou_sec",
      fileName: "x.xlsx",
      plan: result,
      now: new Date(),
    });
    expect((await confirmImport(db.models, "imp3", { by: "ou_sec", now: new Date() })).kind).toBe(
      "has-errors",
    );
  });
});
