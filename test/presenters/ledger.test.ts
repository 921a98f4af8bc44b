import { randomBytes } from "node:crypto";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTO_SETTLED } from "../../src/db/models/dues.js";
import { buildLedger, buildLedgerWorkbook } from "../../src/presenters/ledger.js";
import { parsePeriod } from "../../src/domain/period.js";
import { createSecretBox } from "../../src/domain/secretBox.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { seedBranch, seedMeetings, seedMembers, seedStudies } from "../helpers/factories.js";

const TZ = "Asia/Shanghai";
const B = "B1";
const year = parsePeriod("2026", TZ)!;
const box = createSecretBox(randomBytes(32));
// 税后月工资 8500 元 → 1.5% → 127.50 元 a month. The base must never reach the workbook.
const BASE_FEN = 850_000;
const SEALED = box.seal(String(BASE_FEN));

let db: TestDb;
let workbook: ExcelJS.Workbook;
let rowCounts: Record<string, number>;

async function load(buffer: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buffer as unknown as ExcelJS.Buffer);
  return wb;
}

/** Every row of a sheet as arrays of plain values (1-based columns dropped to 0-based). */
function rowsOf(name: string): unknown[][] {
  const sheet = workbook.getWorksheet(name);
  if (!sheet) throw new Error(`no sheet ${name}`);
  const rows: unknown[][] = [];
  sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
}

const TOTALS = new Set(["合计", "应缴合计", "实缴合计"]);
const isTotals = (row: unknown[]) => TOTALS.has(String(row[0] ?? ""));

/** The data rows as {header: value}: row 1 is the title, row 2 the header, totals rows left out. */
function records(name: string, wb: ExcelJS.Workbook = workbook): Record<string, unknown>[] {
  const [, header = [], ...rows] = rowsOfIn(wb, name);
  return rows
    .filter((row) => !isTotals(row))
    .map((row) => Object.fromEntries(header.map((h, i) => [String(h), row[i] ?? null])));
}

/** The totals rows as {header: value}, keyed by their label (合计, 应缴合计, 实缴合计). */
function totals(name: string, wb: ExcelJS.Workbook = workbook): Record<string, Record<string, unknown>> {
  const [, header = [], ...rows] = rowsOfIn(wb, name);
  return Object.fromEntries(
    rows
      .filter(isTotals)
      .map((row) => [String(row[0]), Object.fromEntries(header.map((h, i) => [String(h), row[i] ?? null]))]),
  );
}

function rowsOfIn(wb: ExcelJS.Workbook, name: string): unknown[][] {
  const sheet = wb.getWorksheet(name);
  if (!sheet) throw new Error(`no sheet ${name}`);
  const rows: unknown[][] = [];
  sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
}

const local = (iso: string) => new Date(`${iso}+08:00`);
const MADE = local("2026-12-02T10:00:00");

beforeAll(async () => {
  db = await openTestDb("ledger_export");
  const m = db.models;
  await seedBranch(m, { _id: B, seq: 1, name: "第一党支部", chatId: "oc_b1" });
  await seedMembers(m, [
    { branchId: B, openId: "ou_sec", name: "张书记", role: "secretary" },
    { branchId: B, openId: "ou_com", name: "李委员", role: "committee", partyGroup: "第一小组" },
    { branchId: B, openId: "ou_a", name: "王一", partyGroup: "第一小组" },
    { branchId: B, openId: "ou_b", name: "赵二", partyGroup: "第二小组" },
    { branchId: B, openId: "ou_c", name: "钱三", partyGroup: "第二小组" },
    { branchId: B, openId: "ou_gone", name: "孙四", active: false, leftAt: local("2026-02-01T09:00:00") },
    // Another branch: nothing of it may appear.
    { branchId: "B2", openId: "ou_other", name: "外支部" },
  ]);
  const meeting = {
    branchId: B,
    chatId: "oc_b1",
    durationMin: 90,
    createdBy: "ou_sec",
  };
  await seedMeetings(m, [
    {
      ...meeting,
      _id: "M1",
      seq: 1,
      type: "branch-assembly",
      title: "一季度党员大会",
      startAt: local("2026-03-05T14:30:00"),
      place: "三楼会议室",
      sourceKey: "om_m1",
      status: "closed",
      minutes: "学习了条例，讨论了发展党员工作。",
      record: {
        expected: ["ou_sec", "ou_com", "ou_a", "ou_b", "ou_c"],
        present: ["ou_sec", "ou_com", "ou_a", "ou_b"],
        leave: ["ou_c"],
        absent: [],
      },
      closedAt: local("2026-03-05T16:00:00"),
    },
    {
      ...meeting,
      _id: "M2",
      seq: 2,
      type: "committee",
      title: "四月支委会",
      startAt: local("2026-04-02T10:00:00"),
      sourceKey: "om_m2",
      status: "cancelled",
    },
    {
      ...meeting,
      _id: "M3",
      seq: 3,
      type: "committee",
      title: "去年的支委会",
      startAt: local("2025-12-31T10:00:00"),
      sourceKey: "om_m3",
      status: "closed",
      record: { expected: ["ou_sec"], present: ["ou_sec"], leave: [], absent: [] },
    },
  ]);
  await seedStudies(m, [
    {
      _id: "S1",
      seq: 1,
      branchId: B,
      chatId: "oc_b1",
      title: "学习党章",
      deadline: local("2026-03-31T23:59:59.999"),
      hours: 2,
      scope: "branch",
      status: "closed",
      createdBy: "ou_sec",
      sourceKey: "om_s1",
    },
    {
      _id: "S2",
      seq: 2,
      branchId: B,
      chatId: "oc_b1",
      title: "无人学习的任务",
      deadline: local("2026-05-31T23:59:59.999"),
      hours: 1,
      scope: "branch",
      createdBy: "ou_sec",
      sourceKey: "om_s2",
    },
  ]);
  await m.StudyConfirmation.insertMany([
    {
      taskId: "S1",
      branchId: B,
      openId: "ou_a",
      confirmedAt: local("2026-03-10T20:15:00"),
      late: false,
      reflection: "深受教育",
      hours: 2,
      year: 2026,
    },
    {
      taskId: "S1",
      branchId: B,
      openId: "ou_b",
      confirmedAt: local("2026-04-02T08:00:00"),
      late: true,
      hours: 2,
      year: 2026,
    },
  ]);
  await m.DuesProfile.create({
    branchId: B,
    openId: "ou_a",
    effectiveFrom: "2026-01",
    category: "employed",
    baseSealed: SEALED,
    monthlyFen: 12_750,
    setBy: "ou_sec",
  });
  await m.Due.insertMany([
    {
      branchId: B,
      openId: "ou_a",
      month: "2026-01",
      amountFen: 12_750,
      status: "paid",
      paidFen: 12_750,
      paidAt: local("2026-01-20T10:00:00"),
      recordedBy: "ou_sec",
    },
    { branchId: B, openId: "ou_a", month: "2026-02", amountFen: 12_750, status: "unpaid" },
    { branchId: B, openId: "ou_b", month: "2026-01", amountFen: 5_000, status: "pending" },
    {
      branchId: B,
      openId: "ou_c",
      month: "2026-01",
      amountFen: 0,
      status: "paid",
      paidFen: 0,
      paidAt: local("2026-01-01T00:00:00"),
      recordedBy: AUTO_SETTLED,
    },
    { branchId: B, openId: "ou_a", month: "2025-12", amountFen: 12_750, status: "unpaid" },
    { branchId: "B2", openId: "ou_other", month: "2026-01", amountFen: 999, status: "unpaid" },
  ]);

  const result = await buildLedger(db.models, { branchId: B, period: year, timeZone: TZ, now: MADE });
  rowCounts = result.rows;
  workbook = await load(result.buffer);
});
afterAll(async () => db?.close());

describe("buildLedgerWorkbook", () => {
  it("has the ten sheets in order, each with a title row, a bold frozen header and set widths", () => {
    expect(workbook.worksheets.map((s) => s.name)).toEqual([
      "名册",
      "身份变更",
      "会议",
      "学习",
      "学习汇总",
      "学时",
      "党费",
      "党费台账",
      "合规",
      "发展",
    ]);
    for (const sheet of workbook.worksheets) {
      expect(sheet.getRow(1).getCell(1).value).toBe(
        `第一党支部 · ${sheet.name} · 2026 · 制表日期 2026-12-02`,
      );
      expect(sheet.getRow(1).getCell(1).font?.bold).toBe(true);
      expect(sheet.getRow(2).getCell(1).font?.bold).toBe(true);
      expect(sheet.views[0]).toMatchObject({ state: "frozen", ySplit: 2 });
      expect(sheet.getColumn(1).width).toBeGreaterThan(5);
    }
  });

  it("reports the data rows of each sheet", () => {
    expect(rowCounts).toEqual({
      名册: 6,
      身份变更: 0,
      会议: 2,
      学习: 3,
      学习汇总: 2,
      学时: 6,
      党费: 4,
      党费台账: 3,
      合规: 7,
      发展: 0,
    });
  });

  it("lists the roster with roles, groups and 在册 status", () => {
    const roster = records("名册");
    // Secretary, committee, then members (by group and name, in Chinese collation), those who left last.
    expect(roster.map((r) => r.姓名).slice(0, 2)).toEqual(["张书记", "李委员"]);
    expect(
      roster
        .map((r) => r.姓名)
        .slice(2, 5)
        .sort(),
    ).toEqual(["王一", "赵二", "钱三"].sort());
    expect(roster[0]).toMatchObject({ "Open ID": "ou_sec", 职务: "书记", 状态: "在册" });
    expect(roster[1]).toMatchObject({ 职务: "支委", 党小组: "第一小组" });
    expect(roster.find((r) => r.姓名 === "赵二")).toMatchObject({ 职务: "党员", 党小组: "第二小组" });
    expect(roster[5]).toMatchObject({ 姓名: "孙四", 状态: "不在册", 离开时间: "2026-02-01 09:00" });
  });

  it("lists the period's meetings with their record in counts and names", () => {
    const meetings = records("会议");
    expect(meetings.map((m) => m.编号)).toEqual(["M1", "M2"]);
    expect(meetings[0]).toMatchObject({
      类型: "支部党员大会",
      主题: "一季度党员大会",
      开始时间: "2026-03-05 14:30",
      地点: "三楼会议室",
      状态: "已结束",
      应到: 5,
      实到: 4,
      请假: 1,
      缺席: 0,
      实到人员: "张书记、李委员、王一、赵二",
      请假人员: "钱三",
      纪要: "学习了条例，讨论了发展党员工作。",
    });
    expect(meetings[0]!.应到人员).toBe("张书记、李委员、王一、赵二、钱三");
    expect(meetings[1]).toMatchObject({ 类型: "支委会", 状态: "已取消", 应到: null, 实到: null });
  });

  it("lists study confirmations per task, and a task nobody confirmed", () => {
    const study = records("学习");
    expect(study).toHaveLength(3);
    expect(study[0]).toMatchObject({
      编号: "S1",
      截止日期: "2026-03-31",
      学时: 2,
      状态: "已结束",
      姓名: "王一",
      确认时间: "2026-03-10 20:15",
      逾期: "否",
      学习心得: "深受教育",
    });
    expect(study[1]).toMatchObject({ 姓名: "赵二", 确认时间: "2026-04-02 08:00", 逾期: "是" });
    expect(study[2]).toMatchObject({ 编号: "S2", 状态: "进行中", 姓名: "（无人确认）" });
  });

  it("lists dues in yuan as number cells with two decimals and the status", () => {
    const dues = records("党费");
    expect(dues.map((d) => `${d.姓名} ${d.月份}`)).toEqual([
      "王一 2026-01",
      "赵二 2026-01",
      "钱三 2026-01",
      "王一 2026-02",
    ]);
    expect(dues[0]).toMatchObject({
      "应缴金额(元)": 127.5,
      状态: "已缴",
      "实缴金额(元)": 127.5,
      缴纳日期: "2026-01-20",
    });
    expect(dues[1]).toMatchObject({ "应缴金额(元)": 50, 状态: "待确认", "实缴金额(元)": null });
    expect(dues[2]).toMatchObject({ "应缴金额(元)": 0, 状态: "已缴", 备注: "免交" });
    expect(dues[3]).toMatchObject({ 状态: "未缴", 缴纳日期: null });
    const cell = workbook.getWorksheet("党费")!.getRow(3).getCell(3);
    expect(cell.type).toBe(ExcelJS.ValueType.Number);
    expect(cell.numFmt).toBe("0.00");
  });

  it("never writes the income base, sealed or plain", () => {
    const everything = workbook.worksheets
      .flatMap((sheet) => rowsOf(sheet.name).flat())
      .map((value) => String(value ?? ""));
    for (const secret of [SEALED, String(BASE_FEN), "8500", "收入", "工资", "基数"]) {
      expect(everything.filter((value) => value.includes(secret))).toEqual([]);
    }
    expect(everything.some((value) => value.includes("外支部"))).toBe(false);
  });

  it("checks meeting compliance per required type over the period", () => {
    const compliance = records("合规");
    const assembly = compliance.find((r) => r.会议类型 === "支部党员大会");
    // Made on 2 December: Q1 met, Q2 and Q3 missed, Q4 not over yet (neither met nor missed).
    expect(assembly).toMatchObject({
      要求: "每季度1次",
      应开次数: 4,
      已开次数: 1,
      达标: "1/4 个季度",
      未达标: "第2季度、第3季度",
      未到期: "第4季度",
      是否达标: "否",
    });
    // The cancelled committee meeting and last year's do not count; a monthly rule is read month by month.
    expect(compliance.find((r) => r.会议类型 === "支委会")).toMatchObject({
      应开次数: 12,
      已开次数: 0,
      达标: "0/12 个月",
      未达标: "1月、2月、3月、4月、5月、6月、7月、8月、9月、10月、11月",
      未到期: "12月",
    });
    // A yearly rule whose year is not over is 进行中, not 否.
    expect(compliance.find((r) => r.会议类型 === "组织生活会")).toMatchObject({
      应开次数: 1,
      已开次数: 0,
      未达标: null, // an empty cell
      未到期: "2026年",
      是否达标: "进行中",
    });
    expect(compliance.find((r) => r.会议类型 === "其他")).toMatchObject({
      要求: "无要求",
      应开次数: null,
      是否达标: "—",
    });
  });

  it("ends the sheets with totals rows", () => {
    expect(totals("名册").合计).toMatchObject({
      "Open ID": "共 6 人",
      状态: "在册 5 人",
      离开时间: "不在册 1 人",
    });
    expect(totals("会议").合计).toMatchObject({
      主题: "共 2 次（已结束 1，已取消 1）",
      "时长(分钟)": 90,
      应到: 5,
      实到: 4,
      请假: 1,
      缺席: 0,
    });
    expect(totals("学习").合计).toMatchObject({ 主题: "2 项", 姓名: "确认 2 人次" });
    // 127.50 + 127.50 + 50 + 0 due; only 王一's January paid.
    expect(totals("党费").合计).toMatchObject({ "应缴金额(元)": 305, "实缴金额(元)": 127.5 });
    expect(totals("合规").合计).toMatchObject({ 应开次数: 4 + 12 + 4 + 12 + 12 + 1, 已开次数: 1 });
    expect(String(totals("合规").合计!.是否达标)).toMatch(/^达标 0\/\d+$/);
  });

  it("names who did NOT confirm each task, from the scope at its deadline", () => {
    const summary = records("学习汇总");
    expect(summary).toEqual([
      {
        编号: "S1",
        主题: "学习党章",
        截止日期: "2026-03-31",
        学时: 2,
        应学人数: 5,
        已确认: 2,
        未确认: 3,
        完成率: 0.4,
        // 孙四 left on 1 February, before the deadline: not counted.
        未确认人员: "张书记、李委员、钱三",
      },
      {
        编号: "S2",
        主题: "无人学习的任务",
        截止日期: "2026-05-31",
        学时: 1,
        应学人数: 5,
        已确认: 0,
        未确认: 5,
        完成率: 0,
        未确认人员: expect.stringContaining("王一"),
      },
    ]);
    expect(totals("学习汇总").合计).toMatchObject({
      主题: "2 项",
      应学人数: 10,
      已确认: 2,
      未确认: 8,
      完成率: 0.2,
    });
  });

  it("tabulates dues member × month with paid date and status, totals per month and per member", () => {
    const table = records("党费台账");
    expect(table.map((r) => r.姓名)).toEqual(
      ["王一", "赵二", "钱三"].sort((a, b) => a.localeCompare(b, "zh")),
    );
    expect(table.find((r) => r.姓名 === "王一")).toMatchObject({
      "2026-01 应缴(元)": 127.5,
      "2026-01 缴纳日期": "2026-01-20",
      "2026-01 状态": "已缴",
      "2026-02 应缴(元)": 127.5,
      "2026-02 状态": "未缴",
      "2026-03 应缴(元)": null,
      "应缴合计(元)": 255,
      "实缴合计(元)": 127.5,
      未缴月数: 1,
    });
    expect(table.find((r) => r.姓名 === "赵二")).toMatchObject({ "2026-01 状态": "待确认", 未缴月数: 1 });
    // 免交 reads as 免交 with no payment date, not as 已缴.
    expect(table.find((r) => r.姓名 === "钱三")).toMatchObject({
      "2026-01 应缴(元)": 0,
      "2026-01 缴纳日期": null,
      "2026-01 状态": "免交",
      未缴月数: 0,
    });
    const sums = totals("党费台账");
    expect(sums.应缴合计).toMatchObject({
      "2026-01 应缴(元)": 177.5,
      "2026-02 应缴(元)": 127.5,
      "应缴合计(元)": 305,
    });
    expect(sums.实缴合计).toMatchObject({
      "2026-01 应缴(元)": 127.5,
      "2026-02 应缴(元)": 0,
      "实缴合计(元)": 127.5,
    });
    // Nothing of last December or of another branch.
    expect(Object.keys(table[0]!).some((k) => k.startsWith("2025-12"))).toBe(false);
  });

  it("gives each member's 学时 of the year, 集中 and 自学, against 32, lowest first", () => {
    const hours = records("学时");
    expect(hours).toHaveLength(6);
    expect(hours.find((r) => r.姓名 === "王一")).toMatchObject({
      "集中学习(学时)": 0,
      "自学(学时)": 2,
      "合计(学时)": 2,
      "年度目标(学时)": 32,
      是否达标: "否",
    });
    expect(hours.find((r) => r.姓名 === "孙四")).toMatchObject({ 备注: "已离开" });
    expect(totals("学时").合计).toMatchObject({ "自学(学时)": 4, 是否达标: "未达标 6 人" });
  });

  it("returns a loadable buffer from buildLedgerWorkbook for an empty branch", async () => {
    const buffer = await buildLedgerWorkbook(db.models, { branchId: "B9", period: year, timeZone: TZ });
    const empty = await load(buffer);
    // Title, header and totals rows; 合规 lists every meeting type; 党费台账 has two totals rows.
    expect(empty.worksheets.map((s) => s.rowCount)).toEqual([3, 3, 3, 3, 3, 3, 3, 4, 10, 3]);
  });
});

describe("the ledger of a branch whose roster changed after a closed quarter", () => {
  const B3 = "B3";
  let wb: ExcelJS.Workbook;

  beforeAll(async () => {
    const m = db.models;
    await seedMembers(m, [
      { branchId: B3, openId: "ou_3sec", name: "周书记", role: "secretary" },
      // Left on 1 May, after the Q1 task's deadline: still counted for it.
      { branchId: B3, openId: "ou_3left", name: "吴离", active: false, leftAt: local("2026-05-01T09:00:00") },
      // 免于要求 from 1 January: not counted, neither for the task nor the 学时 target.
      {
        branchId: B3,
        openId: "ou_3ex",
        name: "郑免",
        exemptions: [
          {
            id: "E1",
            kind: "exempt",
            from: local("2026-01-01T00:00:00"),
            by: "ou_3sec",
            at: local("2026-01-01T00:00:00"),
          },
        ] as never,
      },
      // An activist: never in a study's scope.
      { branchId: B3, openId: "ou_3act", name: "冯积极", status: "activist" },
    ]);
    await seedStudies(m, [
      {
        _id: "S31",
        seq: 31,
        branchId: B3,
        chatId: "oc_b3",
        title: "一季度学习",
        deadline: local("2026-03-31T23:59:59.999"),
        hours: 2,
        scope: "branch",
        status: "closed",
        createdBy: "ou_3sec",
        sourceKey: "om_s31",
      },
    ]);
    await m.StudyConfirmation.create({
      taskId: "S31",
      branchId: B3,
      openId: "ou_3sec",
      confirmedAt: local("2026-03-10T20:00:00"),
      late: false,
      hours: 2,
      year: 2026,
    });
    await seedMeetings(m, [
      {
        _id: "M31",
        seq: 31,
        branchId: B3,
        chatId: "oc_b3",
        createdBy: "ou_3sec",
        type: "lecture",
        title: "党课",
        startAt: local("2026-04-10T14:00:00"),
        durationMin: 100,
        sourceKey: "om_m31",
        status: "closed",
        record: { expected: ["ou_3sec", "ou_3left"], present: ["ou_3sec"], leave: ["ou_3left"], absent: [] },
      },
      {
        // Held (it started) but never closed: counted by its start, and named for closing.
        _id: "M32",
        seq: 32,
        number: 2,
        branchId: B3,
        chatId: "oc_b3",
        createdBy: "ou_3sec",
        type: "theme-day",
        title: "主题党日",
        startAt: local("2026-11-20T14:00:00"),
        sourceKey: "om_m32",
        status: "scheduled",
      },
    ]);
    await m.Attendance.insertMany([
      { meetingId: "M31", branchId: B3, openId: "ou_3sec", checkedInAt: local("2026-04-10T14:05:00") },
      {
        meetingId: "M31",
        branchId: B3,
        openId: "ou_3left",
        response: "leave",
        reason: "出差",
        respondedAt: local("2026-04-09T09:00:00"),
      },
    ]);
    const buffer = await buildLedgerWorkbook(db.models, {
      branchId: B3,
      period: year,
      timeZone: TZ,
      now: MADE,
    });
    wb = await load(buffer);
  });

  it("counts the leaver for the task closed before they left, not the exempt or the activist", () => {
    expect(records("学习汇总", wb)).toEqual([
      expect.objectContaining({ 编号: "S31", 应学人数: 2, 已确认: 1, 未确认: 1, 未确认人员: "吴离" }),
    ]);
  });

  it("names in 合规 the meeting held but not closed, counted in its month", () => {
    const themeDay = records("合规", wb).find((r) => r.会议类型 === "主题党日");
    expect(themeDay).toMatchObject({ 已开次数: 1, 已召开待结束: "M2" });
    expect(String(themeDay!.未达标)).not.toContain("11月");
  });

  it("gives the reasons for leave in 会议", () => {
    expect(records("会议", wb)[0]).toMatchObject({ 编号: "M31", 请假人员: "吴离", 请假事由: "吴离：出差" });
  });

  it("counts a checked-in 党课 as 集中学习 toward 32 and marks the exempt member", () => {
    const hours = records("学时", wb);
    // 100 minutes → 1.5 学时; self-study does not count toward the target.
    expect(hours[0]).toMatchObject({ 姓名: "吴离", "计入目标(学时)": 0, 备注: "已离开" });
    expect(hours.find((r) => r.姓名 === "周书记")).toMatchObject({
      "集中学习(学时)": 1.5,
      "自学(学时)": 2,
      "合计(学时)": 3.5,
      "计入目标(学时)": 1.5,
      "差额(学时)": 30.5,
      是否达标: "否",
    });
    expect(hours.at(-1)).toMatchObject({ 姓名: "郑免", 是否达标: "—", 备注: "免于要求" });
    expect(hours.map((r) => r.姓名)).not.toContain("冯积极");
    expect(totals("学时", wb).合计).toMatchObject({ "集中学习(学时)": 1.5, 是否达标: "未达标 2 人" });
  });
});
