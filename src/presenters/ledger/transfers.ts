import type { Transfer, TransferState } from "../../db/models/transfer.js";
import { OPEN_TRANSFER_STATES } from "../../db/models/transfer.js";
import { STATE_ZH } from "../../domain/transfers.js";
import type { Models } from "../../db/models/index.js";
import type { Period } from "../../domain/period.js";
import { addRow, addSheet, addTotalsRow, type Writer } from "./sheet.js";

/**
 * 转接: every transfer of the branch's members whose letter was issued in the period, and every
 * one still open from before it: out of the branch (to anywhere), into it from outside, and into
 * it from another branch of this deployment (as that branch's letter says).
 */
export const TRANSFERS_SHEET = "转接";

type Local = (date: Date | null | undefined, format: string) => string;

/** How a transfer from another branch reads in the receiving branch's ledger. */
const INCOMING_ZH: Partial<Record<TransferState, string>> = {
  awaiting: "待本支部接收",
  received: "已接收",
  declined: "未接收",
};

export async function writeTransfers(
  workbook: Writer,
  models: Pick<Models, "Transfer" | "Branch">,
  options: { title: string; branchId: string; period: Period; local: Local },
): Promise<number> {
  const { branchId, period, local } = options;
  const inPeriod = (t: Transfer) =>
    (t.issuedAt >= period.start && t.issuedAt < period.end) ||
    (t.issuedAt < period.end && OPEN_TRANSFER_STATES.includes(t.state as TransferState));
  const [own, incoming] = await Promise.all([
    models.Transfer.find({ branchId }).lean<Transfer[]>(),
    models.Transfer.find({ toBranchId: branchId }).lean<Transfer[]>(),
  ]);
  const from = new Map(
    (await models.Branch.find({}, { name: 1 }).lean<{ _id: string; name: string }[]>()).map((b) => [
      b._id,
      b.name,
    ]),
  );
  const sheet = addSheet(
    workbook,
    TRANSFERS_SHEET,
    [
      { header: "编号", key: "id", width: 8 },
      { header: "姓名", key: "name", width: 14 },
      { header: "方向", key: "direction", width: 8 },
      { header: "去向/来自", key: "place", width: 24 },
      { header: "介绍信编号", key: "letterNo", width: 14 },
      { header: "开具日期", key: "issuedAt", width: 12 },
      { header: "有效期至", key: "validUntil", width: 12 },
      { header: "党费交至", key: "duesPaidTo", width: 10 },
      { header: "回执日期", key: "receiptAt", width: 12 },
      { header: "状态", key: "state", width: 14 },
    ],
    options.title,
  );
  const rows = [
    ...own.filter(inPeriod).map((t) => ({ t, incoming: false })),
    ...incoming.filter(inPeriod).map((t) => ({ t, incoming: true })),
  ].sort((a, b) => +a.t.issuedAt - +b.t.issuedAt || a.t.seq - b.t.seq);
  const counts = { out: 0, in: 0, receipts: 0, open: 0 };
  for (const { t, incoming: arriving } of rows) {
    const out = t.direction === "out" && !arriving;
    counts[out ? "out" : "in"]++;
    if (t.receiptAt) counts.receipts++;
    if (OPEN_TRANSFER_STATES.includes(t.state as TransferState)) counts.open++;
    addRow(sheet, {
      id: t._id,
      name: t.name,
      direction: out ? "转出" : "转入",
      place: arriving ? (from.get(t.branchId) ?? t.branchId) : t.place,
      letterNo: t.letterNo ?? "",
      issuedAt: local(t.issuedAt, "yyyy-MM-dd"),
      validUntil: local(t.validUntil, "yyyy-MM-dd"),
      duesPaidTo: t.duesPaidTo ?? "",
      receiptAt: local(t.receiptAt, "yyyy-MM-dd"),
      state: arriving ? (INCOMING_ZH[t.state as TransferState] ?? "") : STATE_ZH[t.state as TransferState],
    });
  }
  addTotalsRow(sheet, "id", {
    direction: `转出 ${counts.out} · 转入 ${counts.in}`,
    receiptAt: `回执 ${counts.receipts}`,
    state: `未完成 ${counts.open}`,
  });
  sheet.commit();
  return rows.length;
}
