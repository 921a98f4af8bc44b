import { PassThrough } from "node:stream";
import ExcelJS from "exceljs";
import { DateTime } from "luxon";
import { MEETING_TYPES } from "../../config/meetings.js";
import { AUTO_SETTLED, type DueStatus } from "../db/models/dues.js";
import type { MeetingStatus } from "../db/models/meeting.js";
import type { MemberRole } from "../db/models/member.js";
import type { Models } from "../db/models/index.js";
import { branchCompliance } from "../domain/compliance.js";
import type { Period } from "../domain/period.js";
import { trusted } from "../db/connection.js";
import { maskPhone } from "../domain/people.js";
import { STATUS_ZH, statusOf } from "../domain/whoCounts.js";

/**
 * The 台账 (ledger) of one branch for one period as an .xlsx workbook: 名册, 身份变更 (each
 * member's status history), 会议, 学习, 党费, 合规. The 名册 carries the roster fields (政治面貌,
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
  /** The clock's now: meetings started before it and not closed count as held (default: now). */
  now?: Date;
}

export type LedgerModels = Pick<Models, "Member" | "Meeting" | "StudyTask" | "StudyConfirmation" | "Due">;

/** Sheet names, in workbook order. */
export const LEDGER_SHEETS = ["名册", "身份变更", "会议", "学习", "党费", "合规"] as const;
export type LedgerSheet = (typeof LEDGER_SHEETS)[number];

export interface LedgerResult {
  buffer: Buffer;
  /** Data rows per sheet (the header row not counted). */
  rows: Record<LedgerSheet, number>;
}

const ROLE_ZH: Record<MemberRole, string> = { secretary: "书记", committee: "支委", member: "党员" };
const ROLE_ORDER: Record<MemberRole, number> = { secretary: 0, committee: 1, member: 2 };
const MEETING_STATUS_ZH: Record<MeetingStatus, string> = {
  scheduled: "未召开",
  cancelled: "已取消",
  closed: "已结束",
};
const DUE_STATUS_ZH: Record<DueStatus, string> = { paid: "已缴", pending: "待确认", unpaid: "未缴" };
const PER_ZH = { month: "每月", quarter: "每季度", year: "每年" } as const;
const MONEY_FORMAT = "0.00";

interface Column {
  header: string;
  key: string;
  width: number;
  numFmt?: string;
}

type Sheet = ExcelJS.Worksheet;

function addSheet(workbook: ExcelJS.stream.xlsx.WorkbookWriter, name: LedgerSheet, columns: Column[]): Sheet {
  const sheet = workbook.addWorksheet(name, { views: [{ state: "frozen", ySplit: 1 }] });
  sheet.columns = columns.map((c) => ({
    header: c.header,
    key: c.key,
    width: c.width,
    ...(c.numFmt ? { style: { numFmt: c.numFmt } } : {}),
  }));
  const header = sheet.getRow(1);
  header.font = { bold: true };
  header.alignment = { vertical: "middle" };
  return sheet;
}

/** Adds a data row and flushes it (a streaming sheet keeps nothing once a row is committed). */
function addRow(sheet: Sheet, values: Record<string, unknown>): void {
  sheet.addRow(values).commit();
}

const fenToYuan = (fen: number | null | undefined): number | null =>
  typeof fen === "number" ? Math.round(fen) / 100 : null;

export async function buildLedger(models: LedgerModels, options: LedgerExportOptions): Promise<LedgerResult> {
  const { branchId, period, timeZone } = options;
  const local = (date: Date | null | undefined, format: string): string =>
    date ? DateTime.fromJSDate(date, { zone: timeZone }).toFormat(format) : "";

  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on("data", (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<void>((resolve, reject) => {
    output.on("end", resolve);
    output.on("error", reject);
  });
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: output,
    useStyles: true,
    useSharedStrings: false,
  });
  workbook.creator = "zhibu";
  workbook.created = new Date();
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
  const roster = addSheet(workbook, "名册", [
    { header: "姓名", key: "name", width: 14 },
    { header: "Open ID", key: "openId", width: 38 },
    { header: "职务", key: "role", width: 8 },
    { header: "党小组", key: "group", width: 14 },
    { header: "状态", key: "active", width: 8 },
    { header: "离开时间", key: "leftAt", width: 18 },
    { header: "政治面貌", key: "status", width: 12 },
    { header: "入党日期", key: "joinedAt", width: 12 },
    { header: "转正日期", key: "fullAt", width: 12 },
    { header: "性别", key: "gender", width: 6 },
    { header: "民族", key: "ethnicity", width: 8 },
    { header: "出生年月", key: "birthMonth", width: 10 },
    { header: "学历", key: "education", width: 10 },
    { header: "党内职务", key: "partyPost", width: 12 },
    { header: "联系方式", key: "phone", width: 14 },
    { header: "飞书", key: "onFeishu", width: 6 },
  ]);
  for (const m of members) {
    const profile = m.profile ?? {};
    addRow(roster, {
      name: m.name,
      openId: m.openId,
      role: ROLE_ZH[m.role as MemberRole] ?? m.role,
      group: m.partyGroup ?? "",
      active: m.active ? "在册" : "不在册",
      leftAt: local(m.leftAt, "yyyy-MM-dd HH:mm"),
      status: STATUS_ZH[statusOf(m)],
      joinedAt: local(profile.joinedAt, "yyyy-MM-dd"),
      fullAt: local(profile.fullAt, "yyyy-MM-dd"),
      gender: profile.gender ?? "",
      ethnicity: profile.ethnicity ?? "",
      birthMonth: profile.birthMonth ?? "",
      education: profile.education ?? "",
      partyPost: profile.partyPost ?? "",
      phone: maskPhone(profile.phone),
      onFeishu: m.onFeishu === false ? "否" : "是",
    });
    rows.名册++;
  }
  roster.commit();

  // 身份变更: every status change kept on the roster, oldest first per member.
  const history = addSheet(workbook, "身份变更", [
    { header: "姓名", key: "name", width: 14 },
    { header: "政治面貌", key: "status", width: 12 },
    { header: "起始日期", key: "since", width: 12 },
    { header: "原因", key: "reason", width: 30 },
    { header: "记录人", key: "by", width: 14 },
    { header: "记录时间", key: "at", width: 18 },
  ]);
  for (const m of members) {
    const changes = [...(m.statusHistory ?? [])].sort((a, b) => a.at.getTime() - b.at.getTime());
    for (const change of changes) {
      addRow(history, {
        name: m.name || m.openId,
        status: STATUS_ZH[statusOf(change)],
        since: local(change.since, "yyyy-MM-dd"),
        reason: change.reason ?? "",
        by: names.get(change.by) ?? change.by,
        at: local(change.at, "yyyy-MM-dd HH:mm"),
      });
      rows.身份变更++;
    }
  }
  history.commit();

  // 会议: every meeting starting in the period, with its frozen record once closed.
  const meetingSheet = addSheet(workbook, "会议", [
    { header: "编号", key: "id", width: 8 },
    { header: "类型", key: "type", width: 14 },
    { header: "主题", key: "title", width: 30 },
    { header: "开始时间", key: "start", width: 18 },
    { header: "时长(分钟)", key: "duration", width: 11 },
    { header: "地点", key: "place", width: 18 },
    { header: "状态", key: "status", width: 8 },
    { header: "应到", key: "expected", width: 6 },
    { header: "实到", key: "present", width: 6 },
    { header: "请假", key: "leave", width: 6 },
    { header: "缺席", key: "absent", width: 6 },
    { header: "应到人员", key: "expectedNames", width: 30 },
    { header: "实到人员", key: "presentNames", width: 30 },
    { header: "请假人员", key: "leaveNames", width: 20 },
    { header: "缺席人员", key: "absentNames", width: 20 },
    { header: "列席人员", key: "observerNames", width: 20 },
    { header: "自愿参加人员", key: "voluntaryNames", width: 20 },
    { header: "纪要", key: "minutes", width: 50 },
  ]);
  const meetings = models.Meeting.find({
    branchId,
    startAt: trusted({ $gte: period.start, $lt: period.end }),
  })
    .sort({ startAt: 1 })
    .lean()
    .cursor();
  for await (const m of meetings) {
    const record = m.record;
    addRow(meetingSheet, {
      id: m._id,
      type: MEETING_TYPES.find((t) => t.id === m.type)?.zh ?? m.type,
      title: m.title,
      start: local(m.startAt, "yyyy-MM-dd HH:mm"),
      duration: m.durationMin,
      place: m.place,
      status: MEETING_STATUS_ZH[m.status as MeetingStatus] ?? m.status,
      expected: record ? record.expected.length : null,
      present: record ? record.present.length : null,
      leave: record ? record.leave.length : null,
      absent: record ? record.absent.length : null,
      expectedNames: namesOf(record?.expected),
      presentNames: namesOf(record?.present),
      leaveNames: namesOf(record?.leave),
      absentNames: namesOf(record?.absent),
      observerNames: namesOf(record?.observers),
      voluntaryNames: namesOf(record?.voluntary),
      minutes: m.minutes,
    });
    rows.会议++;
  }
  meetingSheet.commit();

  // 学习: one row per confirmation of each task whose deadline falls in the period; a task
  // nobody confirmed still gets a row.
  const studySheet = addSheet(workbook, "学习", [
    { header: "编号", key: "id", width: 8 },
    { header: "主题", key: "title", width: 30 },
    { header: "截止日期", key: "deadline", width: 12 },
    { header: "学时", key: "hours", width: 6 },
    { header: "状态", key: "status", width: 8 },
    { header: "姓名", key: "name", width: 14 },
    { header: "确认时间", key: "confirmedAt", width: 18 },
    { header: "逾期", key: "late", width: 6 },
    { header: "学习心得", key: "reflection", width: 50 },
  ]);
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
      rows.学习++;
    }
    if (confirmed === 0) {
      addRow(studySheet, { ...base, name: "（无人确认）" });
      rows.学习++;
    }
  }
  studySheet.commit();

  // 党费: what is due and what was paid; amounts in 元 as numbers. Never the income or base.
  const duesSheet = addSheet(workbook, "党费", [
    { header: "姓名", key: "name", width: 14 },
    { header: "月份", key: "month", width: 10 },
    { header: "应缴金额(元)", key: "amount", width: 13, numFmt: MONEY_FORMAT },
    { header: "状态", key: "status", width: 8 },
    { header: "实缴金额(元)", key: "paid", width: 13, numFmt: MONEY_FORMAT },
    { header: "缴纳日期", key: "paidAt", width: 12 },
    { header: "备注", key: "note", width: 10 },
  ]);
  const firstMonth = period.months[0] ?? "";
  const lastMonth = period.months[period.months.length - 1] ?? "";
  const dues = models.Due.find({ branchId, month: trusted({ $gte: firstMonth, $lte: lastMonth }) })
    .sort({ month: 1, openId: 1 })
    .lean()
    .cursor();
  for await (const due of dues) {
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
  duesSheet.commit();

  // 合规: per meeting type, closed meetings held against the rules (branchCompliance, as elsewhere).
  const complianceSheet = addSheet(workbook, "合规", [
    { header: "会议类型", key: "type", width: 14 },
    { header: "要求", key: "rule", width: 12 },
    { header: "应开次数", key: "required", width: 10 },
    { header: "已开次数", key: "held", width: 10 },
    { header: "是否达标", key: "met", width: 10 },
  ]);
  const compliance = await branchCompliance(models, branchId, period, {
    now: options.now ?? new Date(),
    timeZone,
  });
  for (const row of compliance.rows) {
    const rule = MEETING_TYPES.find((t) => t.id === row.type)?.required ?? null;
    addRow(complianceSheet, {
      type: row.zh,
      rule: rule ? `${PER_ZH[rule.per]}${rule.count}次` : "无要求",
      required: row.required,
      held: row.held,
      met: row.met === null ? "—" : row.met ? "是" : "否",
    });
    rows.合规++;
  }
  complianceSheet.commit();

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
