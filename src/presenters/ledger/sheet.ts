import type ExcelJS from "exceljs";

/** A column of a ledger sheet: its header (row 2), key and width. */
export interface Column {
  header: string;
  key: string;
  width: number;
  numFmt?: string;
}

export type Sheet = ExcelJS.Worksheet;
export type Writer = ExcelJS.stream.xlsx.WorkbookWriter;

/** The label in the first cell of a totals row. */
export const TOTALS_LABEL = "合计";

/**
 * Adds a sheet as a paper 台账 has it: row 1 the title (branch, sheet, period, date made) merged
 * across the columns, row 2 the bold header, both frozen.
 */
export function addSheet(workbook: Writer, name: string, columns: Column[], title: string): Sheet {
  const sheet = workbook.addWorksheet(name, { views: [{ state: "frozen", ySplit: 2 }] });
  sheet.columns = columns.map((c) => ({
    key: c.key,
    width: c.width,
    ...(c.numFmt ? { style: { numFmt: c.numFmt } } : {}),
  }));
  const titleRow = sheet.getRow(1);
  titleRow.getCell(1).value = title;
  titleRow.font = { bold: true, size: 14 };
  titleRow.height = 24;
  if (columns.length > 1) sheet.mergeCells(1, 1, 1, columns.length);
  titleRow.commit();
  const header = sheet.getRow(2);
  columns.forEach((c, i) => (header.getCell(i + 1).value = c.header));
  header.font = { bold: true };
  header.alignment = { vertical: "middle" };
  header.commit();
  return sheet;
}

/** Adds a data row and flushes it (a streaming sheet keeps nothing once a row is committed). */
export function addRow(sheet: Sheet, values: Record<string, unknown>): void {
  sheet.addRow(values).commit();
}

/** Adds a bold totals row; its first column reads 合计 (or `label`). */
export function addTotalsRow(
  sheet: Sheet,
  firstKey: string,
  values: Record<string, unknown>,
  label = TOTALS_LABEL,
): void {
  const row = sheet.addRow({ ...values, [firstKey]: label });
  row.font = { bold: true };
  row.commit();
}

export const fenToYuan = (fen: number | null | undefined): number | null =>
  typeof fen === "number" ? Math.round(fen) / 100 : null;

export const MONEY_FORMAT = "0.00";
