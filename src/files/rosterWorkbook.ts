/**
 * The roster workbook (名册): the template the bot sends, and the reading of a filled one into
 * header + raw rows for src/domain/rosterRows.ts. Only exceljs lives here; the rules do not.
 */
import type ExcelJS from "exceljs";

import { IMPORT_STATUSES, ROSTER_COLUMNS, type Cell, type RawRow } from "../domain/rosterRows.js";

/** exceljs is loaded on first use: it costs ~25 MB of memory the idle bot does not need. */
const loadExcelJS = async () => (await import("exceljs")).default;

export const ROSTER_SHEET = "名册";
export const MAX_IMPORT_ROWS = 5_000;

export interface TemplateMember {
  openId: string;
  name: string;
  status: string; // 身份 in Chinese
  partyGroup: string;
  gender: string;
  ethnicity: string;
  birthMonth: string;
  education: string;
  joinedAt: string;
  fullAt: string;
  partyPost: string;
  phone: string;
}

/** The template: sheet 名册 (the columns, pre-filled with `members`) and sheet 填写说明. */
export async function buildRosterTemplate(members: TemplateMember[]): Promise<Buffer> {
  const workbook = new (await loadExcelJS()).Workbook();
  const sheet = workbook.addWorksheet(ROSTER_SHEET);
  sheet.columns = ROSTER_COLUMNS.map((c) => ({
    header: c.header,
    key: c.field,
    width: c.field === "id" ? 34 : 14,
  }));
  sheet.getRow(1).font = { bold: true };
  sheet.views = [{ state: "frozen", ySplit: 1 }];
  for (const m of members) {
    sheet.addRow({
      name: m.name,
      status: m.status,
      partyGroup: m.partyGroup,
      gender: m.gender,
      ethnicity: m.ethnicity,
      birthMonth: m.birthMonth,
      education: m.education,
      joinedAt: m.joinedAt,
      fullAt: m.fullAt,
      partyPost: m.partyPost,
      phone: m.phone,
      id: m.openId,
    });
  }
  // Text cells throughout, so Excel keeps 1980-05 and phone numbers as typed.
  for (let col = 1; col <= ROSTER_COLUMNS.length; col++) sheet.getColumn(col).numFmt = "@";
  const statuses = `"${Object.keys(IMPORT_STATUSES).join(",")}"`;
  for (let row = 2; row <= Math.max(members.length + 1, 500); row++) {
    sheet.getCell(row, 2).dataValidation = { type: "list", allowBlank: false, formulae: [statuses] };
    sheet.getCell(row, 4).dataValidation = { type: "list", allowBlank: true, formulae: ['"男,女"'] };
  }
  const help = workbook.addWorksheet("填写说明");
  help.columns = [
    { header: "列", key: "header", width: 12 },
    { header: "说明", key: "note", width: 60 },
  ];
  help.getRow(1).font = { bold: true };
  for (const c of ROSTER_COLUMNS) help.addRow({ header: c.header, note: c.note });
  help.addRow({});
  help.addRow({ header: "身份取值", note: Object.keys(IMPORT_STATUSES).join("、") });
  help.addRow({ header: "性别取值", note: "男、女" });
  help.addRow({ header: "日期格式", note: "入党日期、转正日期：YYYY-MM-DD；出生年月：YYYY-MM" });
  help.addRow({ header: "空白单元格", note: "保留名册中原有的内容（导入不会清空或删除任何信息）" });
  help.addRow({ header: "新成员", note: "编号留空；姓名与名册中无人相同时，作为无飞书账号的党员加入" });
  help.addRow({ header: "重名", note: "名册中有同名者时，请填写编号（复制本模板中的编号）" });
  help.addRow({ header: "导入", note: "填好后在与机器人的私聊中发送此 .xlsx 文件（不超过 5 MB）" });
  const buffer = await workbook.xlsx.writeBuffer();
  return Buffer.from(buffer as ArrayBuffer);
}

function cellValue(value: ExcelJS.CellValue): Cell {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "object") {
    if ("richText" in value) return value.richText.map((part) => part.text).join("");
    if ("text" in value && typeof value.text === "string") return value.text;
    if ("result" in value) return cellValue((value.result ?? null) as ExcelJS.CellValue);
    if ("error" in value) return null;
  }
  return String(value);
}

export class WorkbookError extends Error {}

/**
 * Reads the 名册 sheet (or the first sheet): the header row and every non-empty row below it,
 * by header. Throws WorkbookError for a file that is not a readable workbook or has too many rows.
 */
export async function readRosterWorkbook(data: Buffer): Promise<{ headers: string[]; rows: RawRow[] }> {
  const workbook = new (await loadExcelJS()).Workbook();
  try {
    await workbook.xlsx.load(data as unknown as ArrayBuffer);
  } catch {
    throw new WorkbookError("无法读取该文件：请发送 Excel 的 .xlsx 文件（可用 /党员 模板 获取模板）。");
  }
  const sheet = workbook.getWorksheet(ROSTER_SHEET) ?? workbook.worksheets[0];
  if (!sheet) throw new WorkbookError("文件中没有工作表。");
  if (sheet.actualRowCount > MAX_IMPORT_ROWS + 1)
    throw new WorkbookError(`名册最多 ${MAX_IMPORT_ROWS} 行，请分批导入。`);
  const headers: string[] = [];
  sheet.getRow(1).eachCell((cell, col) => {
    headers[col] = String(cellValue(cell.value) ?? "")
      .replace(/[*＊\s]/g, "")
      .trim();
  });
  const rows: RawRow[] = [];
  sheet.eachRow((row, rowNumber) => {
    if (rowNumber === 1) return;
    const cells: RawRow["cells"] = {};
    let any = false;
    row.eachCell((cell, col) => {
      const header = headers[col];
      if (!header) return;
      const value = cellValue(cell.value);
      if (value !== null && !(typeof value === "string" && value.trim() === "")) any = true;
      cells[header] = value;
    });
    if (any) rows.push({ row: rowNumber, cells });
  });
  return { headers: headers.filter(Boolean), rows };
}
