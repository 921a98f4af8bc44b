/**
 * The columns of the roster workbook and the validation of its rows (zod), before any comparison
 * with the roster. A row is what the workbook reader (src/files/rosterWorkbook.ts) found under the
 * header: strings, dates (date cells) or null for an empty cell.
 */
import { z } from "zod";
import type { MemberStatus } from "../db/models/member.js";

export type ImportField =
  | "name"
  | "status"
  | "partyGroup"
  | "gender"
  | "ethnicity"
  | "birthMonth"
  | "education"
  | "joinedAt"
  | "fullAt"
  | "partyPost"
  | "phone";

/** The columns, in the template's order. 编号 is the member's key (filled by the template). */
export const ROSTER_COLUMNS = [
  { header: "姓名", field: "name", required: true, note: "必填，与飞书中的姓名一致" },
  { header: "身份", field: "status", required: true, note: "必填，见下方允许的取值" },
  { header: "党小组", field: "partyGroup", required: false, note: "党小组全称" },
  { header: "性别", field: "gender", required: false, note: "男 或 女" },
  { header: "民族", field: "ethnicity", required: false, note: "如 汉族" },
  { header: "出生年月", field: "birthMonth", required: false, note: "YYYY-MM，如 1980-05" },
  { header: "学历", field: "education", required: false, note: "如 大学本科" },
  {
    header: "入党日期",
    field: "joinedAt",
    required: false,
    note: "YYYY-MM-DD（支部大会接收为预备党员之日）",
  },
  { header: "转正日期", field: "fullAt", required: false, note: "YYYY-MM-DD，正式党员填写" },
  { header: "党内职务", field: "partyPost", required: false, note: "如 组织委员" },
  { header: "联系方式", field: "phone", required: false, note: "手机号（仅书记私聊可见完整号码）" },
  { header: "编号", field: "id", required: false, note: "系统编号，请勿修改；新成员留空" },
] as const;

export const FIELD_LABELS = Object.fromEntries(ROSTER_COLUMNS.map((c) => [c.field, c.header])) as Record<
  ImportField | "id",
  string
>;

/** The words accepted in 身份 (待确认 is the bot's own, never imported). */
export const IMPORT_STATUSES: Record<string, MemberStatus> = {
  正式党员: "full",
  预备党员: "probationary",
  发展对象: "target",
  入党积极分子: "activist",
  积极分子: "activist",
  入党申请人: "applicant",
  群众: "non-party",
};

export type Cell = string | Date | null;
export interface RawRow {
  row: number;
  cells: Partial<Record<string, Cell>>;
}

export interface ImportRow {
  row: number;
  id: string | null;
  /** Fields given in the file; a field absent (blank cell or missing column) keeps the roster's value. */
  values: Partial<{
    name: string;
    status: MemberStatus;
    partyGroup: string;
    gender: string;
    ethnicity: string;
    birthMonth: string;
    education: string;
    joinedAt: Date;
    fullAt: Date;
    partyPost: string;
    phone: string;
  }>;
}

export interface RowError {
  /** The row number in the sheet (1 is the header); 0 for the whole file. */
  row: number;
  message: string;
}

const text = (max: number) =>
  z
    .union([z.string(), z.date(), z.null()])
    .optional()
    .transform((value, ctx) => {
      if (value === null || value === undefined) return undefined;
      const s = (value instanceof Date ? value.toISOString().slice(0, 10) : value).trim();
      if (!s) return undefined;
      if (s.length > max) ctx.addIssue({ code: "custom", message: `不能超过 ${max} 字` });
      return s;
    });

const DATE_TEXT = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/;
const MONTH_TEXT = /^(\d{4})[-/.年](\d{1,2})月?$/;

function validDay(y: number, m: number, d: number): Date | null {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d ? date : null;
}

/** A day: a date cell, or YYYY-MM-DD (also / . and 年月日); stored as UTC midnight of that day. */
const dayCell = z
  .union([z.string(), z.date(), z.null()])
  .optional()
  .transform((value, ctx) => {
    if (value === null || value === undefined) return undefined;
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) ctx.addIssue({ code: "custom", message: "日期无效" });
      return validDay(value.getUTCFullYear(), value.getUTCMonth() + 1, value.getUTCDate()) ?? undefined;
    }
    const s = value.trim();
    if (!s) return undefined;
    const match = DATE_TEXT.exec(s);
    const date = match ? validDay(Number(match[1]), Number(match[2]), Number(match[3])) : null;
    if (!date) {
      ctx.addIssue({ code: "custom", message: `「${s.slice(0, 20)}」不是日期（应为 YYYY-MM-DD）` });
      return z.NEVER;
    }
    return date;
  });

const monthCell = z
  .union([z.string(), z.date(), z.null()])
  .optional()
  .transform((value, ctx) => {
    if (value === null || value === undefined) return undefined;
    let y: number;
    let m: number;
    if (value instanceof Date) {
      y = value.getUTCFullYear();
      m = value.getUTCMonth() + 1;
    } else {
      const s = value.trim();
      if (!s) return undefined;
      const match = MONTH_TEXT.exec(s) ?? DATE_TEXT.exec(s);
      if (!match) {
        ctx.addIssue({ code: "custom", message: `「${s.slice(0, 20)}」不是年月（应为 YYYY-MM）` });
        return z.NEVER;
      }
      y = Number(match[1]);
      m = Number(match[2]);
    }
    if (m < 1 || m > 12 || y < 1900 || y > 2100) {
      ctx.addIssue({ code: "custom", message: "年月无效" });
      return z.NEVER;
    }
    return `${y}-${String(m).padStart(2, "0")}`;
  });

const rowSchema = z
  .object({
    姓名: text(50).refine((v) => v !== undefined, "缺少姓名"),
    身份: text(20).transform((word, ctx) => {
      if (word === undefined) {
        ctx.addIssue({ code: "custom", message: "缺少身份" });
        return z.NEVER;
      }
      const status = IMPORT_STATUSES[word];
      if (!status) {
        ctx.addIssue({
          code: "custom",
          message: `「${word}」不是允许的身份（${Object.keys(IMPORT_STATUSES).join("、")}）`,
        });
        return z.NEVER;
      }
      return status;
    }),
    党小组: text(30),
    性别: text(2).refine((v) => v === undefined || v === "男" || v === "女", "须为 男 或 女"),
    民族: text(20),
    出生年月: monthCell,
    学历: text(20),
    入党日期: dayCell,
    转正日期: dayCell,
    党内职务: text(30),
    联系方式: text(30).refine(
      (v) => v === undefined || /^[+\d][\d\s-]{3,24}$/.test(v),
      "联系方式须为电话号码",
    ),
    编号: text(140),
  })
  .superRefine((row, ctx) => {
    if (row.入党日期 && row.转正日期 && row.转正日期 < row.入党日期)
      ctx.addIssue({ code: "custom", path: ["转正日期"], message: "转正日期早于入党日期" });
    if (row.身份 === "probationary" && row.转正日期)
      ctx.addIssue({ code: "custom", path: ["转正日期"], message: "预备党员不应有转正日期" });
    if ((row.身份 === "full" || row.身份 === "probationary") && !row.入党日期)
      ctx.addIssue({ code: "custom", path: ["入党日期"], message: "党员须填写入党日期" });
  });

/** Validates every row; the rows that pass, and every problem (row number and what is wrong). */
export function validateRows(headers: string[], raw: RawRow[]): { rows: ImportRow[]; errors: RowError[] } {
  const errors: RowError[] = [];
  for (const column of ROSTER_COLUMNS) {
    if (column.required && !headers.includes(column.header))
      errors.push({ row: 1, message: `表头缺少「${column.header}」列` });
  }
  if (errors.length > 0) return { rows: [], errors };
  const rows: ImportRow[] = [];
  const seenNames = new Map<string, number>();
  const seenIds = new Map<string, number>();
  const cellText = (cell: Cell | undefined) => (typeof cell === "string" ? cell.trim() : "");
  for (const { row, cells } of raw) {
    // Duplicates are found on every row, also those with other errors.
    const rawId = cellText(cells.编号);
    const rawName = cellText(cells.姓名);
    const earlier = rawId ? seenIds.get(rawId) : rawName ? seenNames.get(rawName) : undefined;
    if (rawId && earlier === undefined) seenIds.set(rawId, row);
    else if (rawName && earlier === undefined) seenNames.set(rawName, row);
    const parsed = rowSchema.safeParse(cells);
    const messages = parsed.success
      ? []
      : parsed.error.issues.map((issue) => {
          const column = String(issue.path[0] ?? "");
          return column ? `${column}：${issue.message}` : issue.message;
        });
    if (earlier !== undefined)
      messages.push(`与第 ${earlier} 行重复（${rawId ? `编号 ${rawId}` : `姓名「${rawName}」`}）`);
    if (!parsed.success || messages.length > 0) {
      errors.push({ row, message: messages.join("；") });
      continue;
    }
    const v = parsed.data;
    const name = v.姓名!;
    const values: ImportRow["values"] = {
      name,
      status: v.身份,
      partyGroup: v.党小组,
      gender: v.性别,
      ethnicity: v.民族,
      birthMonth: v.出生年月,
      education: v.学历,
      joinedAt: v.入党日期,
      fullAt: v.转正日期,
      partyPost: v.党内职务,
      phone: v.联系方式,
    };
    for (const key of Object.keys(values) as (keyof typeof values)[]) {
      if (values[key] === undefined) delete values[key];
    }
    rows.push({ row, id: v.编号 ?? null, values });
  }
  return { rows, errors };
}
