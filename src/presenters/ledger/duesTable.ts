import { AUTO_SETTLED, type Due, type DueStatus } from "../../db/models/dues.js";
import {
  addRow,
  addSheet,
  addTotalsRow,
  type Column,
  fenToYuan,
  MONEY_FORMAT,
  type Writer,
} from "./sheet.js";

/**
 * 党费台账: one row per member who owed dues in the period, three columns per month (应缴金额,
 * 缴纳日期, 状态), then the member's 应缴 / 实缴 totals and months still open; two totals rows
 * give each month's 应缴 and 实缴. 免交 (settled automatically at zero) reads as 免交, not 已缴.
 * The dues of one branch and period are small (members × months), so they are held here.
 */
export const DUES_TABLE_SHEET = "党费台账";

const STATUS_ZH: Record<DueStatus, string> = { paid: "已缴", pending: "待确认", unpaid: "未缴" };

type DueRow = Pick<Due, "openId" | "month" | "amountFen" | "status" | "paidFen" | "paidAt" | "recordedBy">;

const paidFen = (due: DueRow): number => (due.status === "paid" ? (due.paidFen ?? due.amountFen) : 0);

export function writeDuesTable(
  workbook: Writer,
  title: string,
  months: readonly string[],
  dues: readonly DueRow[],
  nameOf: (openId: string) => string,
  day: (date: Date | null | undefined) => string,
): number {
  const columns: Column[] = [{ header: "姓名", key: "name", width: 14 }];
  for (const month of months) {
    columns.push(
      { header: `${month} 应缴(元)`, key: `${month}:amount`, width: 13, numFmt: MONEY_FORMAT },
      { header: `${month} 缴纳日期`, key: `${month}:paidAt`, width: 12 },
      { header: `${month} 状态`, key: `${month}:status`, width: 9 },
    );
  }
  columns.push(
    { header: "应缴合计(元)", key: "due", width: 13, numFmt: MONEY_FORMAT },
    { header: "实缴合计(元)", key: "paid", width: 13, numFmt: MONEY_FORMAT },
    { header: "未缴月数", key: "open", width: 9 },
  );
  const sheet = addSheet(workbook, DUES_TABLE_SHEET, columns, title);

  const byMember = new Map<string, Map<string, DueRow>>();
  for (const due of dues) {
    let row = byMember.get(due.openId);
    if (!row) byMember.set(due.openId, (row = new Map()));
    row.set(due.month, due);
  }
  const members = [...byMember.keys()].sort((a, b) => nameOf(a).localeCompare(nameOf(b), "zh"));
  const dueByMonth = new Map<string, number>();
  const paidByMonth = new Map<string, number>();
  let dueAll = 0;
  let paidAll = 0;
  for (const openId of members) {
    const row = byMember.get(openId)!;
    const values: Record<string, unknown> = { name: nameOf(openId) };
    let due = 0;
    let paid = 0;
    let open = 0;
    for (const month of months) {
      const d = row.get(month);
      if (!d) continue;
      const waived = d.recordedBy === AUTO_SETTLED;
      values[`${month}:amount`] = fenToYuan(d.amountFen);
      values[`${month}:paidAt`] = d.status === "paid" && !waived ? day(d.paidAt) : "";
      values[`${month}:status`] = waived ? "免交" : (STATUS_ZH[d.status as DueStatus] ?? d.status);
      due += d.amountFen;
      paid += paidFen(d);
      if (d.status !== "paid") open++;
      dueByMonth.set(month, (dueByMonth.get(month) ?? 0) + d.amountFen);
      paidByMonth.set(month, (paidByMonth.get(month) ?? 0) + paidFen(d));
    }
    dueAll += due;
    paidAll += paid;
    addRow(sheet, { ...values, due: fenToYuan(due), paid: fenToYuan(paid), open });
  }
  const totals = (byMonth: Map<string, number>) =>
    Object.fromEntries(months.map((m) => [`${m}:amount`, fenToYuan(byMonth.get(m) ?? 0)]));
  addTotalsRow(sheet, "name", { ...totals(dueByMonth), due: fenToYuan(dueAll) }, "应缴合计");
  addTotalsRow(sheet, "name", { ...totals(paidByMonth), paid: fenToYuan(paidAll) }, "实缴合计");
  sheet.commit();
  return members.length;
}
