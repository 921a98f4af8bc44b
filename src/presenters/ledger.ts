import { PassThrough } from "node:stream";

import { DateTime } from "luxon";
import { MEETING_TYPES } from "../../config/meetings.js";
import { AUTO_SETTLED, type DueStatus } from "../db/models/dues.js";
import type { MemberDoc } from "../domain/attendance.js";
import { DUES_TABLE_SHEET, writeDuesTable } from "./ledger/duesTable.js";
import { DEVELOPMENT_SHEET, writeDevelopment } from "./ledger/development.js";
import { writeMeetings } from "./ledger/meetings.js";
import { writeRoster, writeStatusHistory } from "./ledger/roster.js";
import { addRow, addSheet, addTotalsRow, fenToYuan, MONEY_FORMAT } from "./ledger/sheet.js";
import { STUDY_HOURS_SHEET, writeStudyHours } from "./ledger/studyHours.js";
import { STUDY_SUMMARY_SHEET, studySummary } from "./ledger/studySummary.js";
import type { MemberRole } from "../db/models/member.js";
import type { Models } from "../db/models/index.js";
import { branchCompliance, unitNameZh, unitsWordZh } from "../domain/compliance.js";
import type { Period } from "../domain/period.js";
import { trusted } from "../db/connection.js";

/** exceljs is loaded on first use: it costs ~25 MB of memory the idle bot does not need. */
const loadExcelJS = async () => (await import("exceljs")).default;

/**
 * The 台账 (ledger) of one branch for one period as an .xlsx workbook: 名册, 身份变更 (each
 * member's status history), 会议, 学习, 学习汇总 (who did and did not confirm each task), 学时
 * (per member against the yearly target), 党费, 党费台账 (member × month), 合规. Every sheet
 * opens with a title row (branch, sheet, period, date made) above its header and ends with
 * totals rows (ledger/sheet.ts). The 名册 carries the roster fields (政治面貌,
 * 入党日期, 转正日期 …) and the phone MASKED; there is no ID-card number to export.
 * Each sheet is streamed row by row (meetings, study tasks and dues through cursors) into a
 * streaming workbook writer, so only the roster (for names) is held in memory.
 * 合规 uses compliance.ts (branchCompliance), so it matches the bot's own figures.
 * The dues sheet shows what is due and what was paid, never a member's income or base: dues
 * profiles are not read at all.
 */
export interface LedgerExportOptions {
  branchId: string;
  period: Period;
  timeZone: string;
  /** When the workbook is made (the title's 制表日期; 学时 exemptions; meetings started before it and not closed count as held): now by default. */
  now?: Date;
}

export type LedgerModels = Pick<
  Models,
  "Branch" | "Member" | "Meeting" | "Attendance" | "StudyTask" | "StudyConfirmation" | "Due" | "Development"
>;

/** Sheet names, in workbook order. */
export const LEDGER_SHEETS = [
  "名册",
  "身份变更",
  "会议",
  "学习",
  STUDY_SUMMARY_SHEET,
  STUDY_HOURS_SHEET,
  "党费",
  DUES_TABLE_SHEET,
  "合规",
  DEVELOPMENT_SHEET,
] as const;
export type LedgerSheet = (typeof LEDGER_SHEETS)[number];

export interface LedgerResult {
  buffer: Buffer;
  /** Data rows per sheet (title, header and totals rows not counted). */
  rows: Record<LedgerSheet, number>;
}

const ROLE_ORDER: Record<MemberRole, number> = { secretary: 0, committee: 1, member: 2 };
const DUE_STATUS_ZH: Record<DueStatus, string> = { paid: "已缴", pending: "待确认", unpaid: "未缴" };
const PER_ZH = { month: "每月", quarter: "每季度", year: "每年" } as const;
export async function buildLedger(models: LedgerModels, options: LedgerExportOptions): Promise<LedgerResult> {
  const { branchId, period, timeZone } = options;
  const now = options.now ?? new Date();
  const local = (date: Date | null | undefined, format: string): string =>
    date ? DateTime.fromJSDate(date, { zone: timeZone }).toFormat(format) : "";

  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on("data", (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<void>((resolve, reject) => {
    output.on("end", resolve);
    output.on("error", reject);
  });
  const workbook = new (await loadExcelJS()).stream.xlsx.WorkbookWriter({
    stream: output,
    useStyles: true,
    useSharedStrings: false,
  });
  workbook.creator = "zhibu";
  workbook.created = now;
  const branch = await models.Branch.findById(branchId, { name: 1 }).lean();
  const made = local(now, "yyyy-MM-dd");
  const titleOf = (sheet: string) =>
    `${branch?.name ?? branchId} · ${sheet} · ${period.label} · 制表日期 ${made}`;
  const rows = Object.fromEntries(LEDGER_SHEETS.map((s) => [s, 0])) as Record<LedgerSheet, number>;

  // 名册: every member the branch has had (the roster is small and its names are needed below).
  const members = await models.Member.find({ branchId }).lean();
  const names = new Map(members.map((m) => [m.openId, m.name || m.openId]));
  const nameOf = (openId: string) => names.get(openId) ?? openId;
  const namesOf = (ids: readonly string[] | null | undefined) => (ids ?? []).map(nameOf).join("、");
  members.sort(
    (a, b) =>
      Number(b.active) - Number(a.active) ||
      ROLE_ORDER[a.role as MemberRole] - ROLE_ORDER[b.role as MemberRole] ||
      (a.partyGroup ?? "").localeCompare(b.partyGroup ?? "", "zh") ||
      (a.name ?? "").localeCompare(b.name ?? "", "zh"),
  );
  rows.名册 = writeRoster(workbook, members, titleOf("名册"), local);
  rows.身份变更 = writeStatusHistory(workbook, members, titleOf("身份变更"), local, names);

  // 会议: every meeting starting in the period, with its frozen record once closed.
  rows.会议 = await writeMeetings(workbook, models, {
    title: titleOf("会议"),
    branchId,
    period,
    local,
    namesOf,
    nameOf,
  });

  // 学习: one row per confirmation of each task whose deadline falls in the period; a task
  // nobody confirmed still gets a row.
  const studySheet = addSheet(
    workbook,
    "学习",
    [
      { header: "编号", key: "id", width: 8 },
      { header: "主题", key: "title", width: 30 },
      { header: "截止日期", key: "deadline", width: 12 },
      { header: "学时", key: "hours", width: 6 },
      { header: "状态", key: "status", width: 8 },
      { header: "姓名", key: "name", width: 14 },
      { header: "确认时间", key: "confirmedAt", width: 18 },
      { header: "逾期", key: "late", width: 6 },
      { header: "学习心得", key: "reflection", width: 50 },
    ],
    titleOf("学习"),
  );
  const summary = studySummary(members as MemberDoc[], nameOf, (d) => local(d, "yyyy-MM-dd"), now);
  let studyConfirmed = 0;
  const tasks = models.StudyTask.find({
    branchId,
    deadline: trusted({ $gte: period.start, $lt: period.end }),
  })
    .sort({ deadline: 1, seq: 1 })
    .lean()
    .cursor();
  for await (const task of tasks) {
    const base = {
      id: task._id,
      title: task.title,
      deadline: local(task.deadline, "yyyy-MM-dd"),
      hours: task.hours,
      status: task.status === "closed" ? "已结束" : "进行中",
    };
    let confirmed = 0;
    const confirmedIds = new Set<string>();
    const confirmations = models.StudyConfirmation.find({ taskId: task._id })
      .sort({ confirmedAt: 1 })
      .lean()
      .cursor();
    for await (const c of confirmations) {
      addRow(studySheet, {
        ...base,
        name: nameOf(c.openId),
        confirmedAt: local(c.confirmedAt, "yyyy-MM-dd HH:mm"),
        late: c.late ? "是" : "否",
        reflection: c.reflection,
      });
      confirmed++;
      confirmedIds.add(c.openId);
      rows.学习++;
    }
    if (confirmed === 0) {
      addRow(studySheet, { ...base, name: "（无人确认）" });
      rows.学习++;
    }
    summary.add(task, confirmedIds);
    studyConfirmed += confirmed;
  }
  addTotalsRow(studySheet, "id", { title: `${summary.count()} 项`, name: `确认 ${studyConfirmed} 人次` });
  studySheet.commit();
  rows.学习汇总 = summary.write(workbook, titleOf(STUDY_SUMMARY_SHEET));

  // 学时: each member's hours of the period's year against the yearly target.
  const year = DateTime.fromJSDate(period.start, { zone: timeZone }).year;
  rows.学时 = await writeStudyHours(
    workbook,
    models,
    {
      title: titleOf(STUDY_HOURS_SHEET),
      branchId,
      year,
      yearStart: DateTime.fromObject({ year }, { zone: timeZone }).toJSDate(),
      at: now,
      timeZone,
    },
    members as MemberDoc[],
  );

  // 党费: what is due and what was paid; amounts in 元 as numbers. Never the income or base.
  const duesSheet = addSheet(
    workbook,
    "党费",
    [
      { header: "姓名", key: "name", width: 14 },
      { header: "月份", key: "month", width: 10 },
      { header: "应缴金额(元)", key: "amount", width: 13, numFmt: MONEY_FORMAT },
      { header: "状态", key: "status", width: 8 },
      { header: "实缴金额(元)", key: "paid", width: 13, numFmt: MONEY_FORMAT },
      { header: "缴纳日期", key: "paidAt", width: 12 },
      { header: "备注", key: "note", width: 10 },
    ],
    titleOf("党费"),
  );
  const firstMonth = period.months[0] ?? "";
  const lastMonth = period.months[period.months.length - 1] ?? "";
  const dues = models.Due.find({ branchId, month: trusted({ $gte: firstMonth, $lte: lastMonth }) })
    .sort({ month: 1, openId: 1 })
    .lean()
    .cursor();
  const periodDues: Parameters<typeof writeDuesTable>[3][number][] = [];
  let dueFen = 0;
  let paidFen = 0;
  for await (const due of dues) {
    periodDues.push(due);
    dueFen += due.amountFen;
    if (due.status === "paid") paidFen += due.paidFen ?? due.amountFen;
    addRow(duesSheet, {
      name: nameOf(due.openId),
      month: due.month,
      amount: fenToYuan(due.amountFen),
      status: DUE_STATUS_ZH[due.status as DueStatus] ?? due.status,
      paid: due.status === "paid" ? fenToYuan(due.paidFen ?? due.amountFen) : null,
      paidAt: due.status === "paid" ? local(due.paidAt, "yyyy-MM-dd") : "",
      note: due.recordedBy === AUTO_SETTLED ? "免交" : "",
    });
    rows.党费++;
  }
  addTotalsRow(duesSheet, "name", { amount: fenToYuan(dueFen), paid: fenToYuan(paidFen) });
  duesSheet.commit();
  rows.党费台账 = writeDuesTable(
    workbook,
    titleOf(DUES_TABLE_SHEET),
    period.months,
    periodDues,
    nameOf,
    (d) => local(d, "yyyy-MM-dd"),
  );

  // 合规: per meeting type, closed meetings held against the rules (branchCompliance, as elsewhere).
  const complianceSheet = addSheet(
    workbook,
    "合规",
    [
      { header: "会议类型", key: "type", width: 14 },
      { header: "要求", key: "rule", width: 12 },
      { header: "应开次数", key: "required", width: 10 },
      { header: "已开次数", key: "held", width: 10 },
      { header: "达标", key: "units", width: 14 },
      { header: "未达标", key: "missed", width: 30 },
      { header: "未到期", key: "open", width: 30 },
      { header: "已召开待结束", key: "pending", width: 16 },
      { header: "是否达标", key: "met", width: 10 },
    ],
    titleOf("合规"),
  );
  const compliance = await branchCompliance(models, branchId, period, { now, timeZone });
  for (const row of compliance.rows) {
    const rule = MEETING_TYPES.find((t) => t.id === row.type)?.required ?? null;
    // Month by month (quarter by quarter): a unit still to come is neither met nor missed.
    const units = row.units ?? [];
    const names = (state: string) =>
      units
        .filter((u) => u.state === state)
        .map((u) => unitNameZh(u.label))
        .join("、");
    const missed = names("missed");
    const met = units.filter((u) => u.state === "met").length;
    addRow(complianceSheet, {
      type: row.zh,
      rule: rule ? `${PER_ZH[rule.per]}${rule.count}次` : "无要求",
      required: row.required,
      held: row.held,
      units: units.length > 0 ? `${met}/${units.length} ${unitsWordZh(units)}` : "",
      missed,
      open: names("open"),
      pending: (row.pending ?? []).join("、"),
      met: row.met === null ? "—" : row.met ? "是" : missed ? "否" : "进行中",
    });
    rows.合规++;
  }
  const required = compliance.rows.filter((r) => r.met !== null);
  addTotalsRow(complianceSheet, "type", {
    required: required.reduce((n, r) => n + (r.required ?? 0), 0),
    held: compliance.rows.reduce((n, r) => n + r.held, 0),
    met: `达标 ${required.filter((r) => r.met).length}/${required.length}`,
  });
  complianceSheet.commit();

  // 发展: each person's development steps, overrides with their reasons.
  const records = await models.Development.find({ branchId }).lean();
  rows.发展 = writeDevelopment(workbook, records, titleOf(DEVELOPMENT_SHEET), local, nameOf);

  await workbook.commit();
  await finished;
  return { buffer: Buffer.concat(chunks), rows };
}

/** The ledger workbook (.xlsx) of one branch for one period. */
export async function buildLedgerWorkbook(
  models: LedgerModels,
  options: LedgerExportOptions,
): Promise<Buffer> {
  return (await buildLedger(models, options)).buffer;
}
