import type { Development } from "../../db/models/development.js";
import { stageOf, STAGE_ZH, STEP_DEFS } from "../../domain/development.js";
import { addRow, addSheet, addTotalsRow, type Writer } from "./sheet.js";

/**
 * 发展: every development step of every person the branch has a record for, oldest first per
 * person, with its details and any time rule a secretary overrode (and the reason).
 */
export const DEVELOPMENT_SHEET = "发展";

type Local = (date: Date | null | undefined, format: string) => string;

export function writeDevelopment(
  workbook: Writer,
  records: readonly Development[],
  title: string,
  local: Local,
  nameOf: (openId: string) => string,
): number {
  const sheet = addSheet(
    workbook,
    DEVELOPMENT_SHEET,
    [
      { header: "姓名", key: "name", width: 14 },
      { header: "当前阶段", key: "stage", width: 14 },
      { header: "步骤", key: "step", width: 16 },
      { header: "日期", key: "date", width: 12 },
      { header: "详情", key: "detail", width: 30 },
      { header: "材料", key: "documents", width: 24 },
      { header: "备注", key: "notes", width: 24 },
      { header: "登记人", key: "by", width: 12 },
      { header: "登记时间", key: "at", width: 18 },
      { header: "破例（规定）", key: "override", width: 40 },
      { header: "破例理由", key: "reason", width: 30 },
    ],
    title,
  );
  let count = 0;
  let overrides = 0;
  const sorted = [...records].sort((a, b) => nameOf(a.openId).localeCompare(nameOf(b.openId), "zh"));
  for (const record of sorted) {
    const stage = STAGE_ZH[stageOf(record.steps)];
    for (const step of [...record.steps].sort((a, b) => +a.date - +b.date)) {
      const detail = [
        step.contacts?.length ? `培养联系人 ${step.contacts.map(nameOf).join("、")}` : "",
        step.days ? `${step.days} 天` : "",
        step.hours ? `${step.hours} 学时` : "",
        step.passed === true ? "通过" : step.passed === false ? "未通过" : "",
        step.months ? `${step.months} 个月` : "",
      ].filter(Boolean);
      const os = step.overrides ?? [];
      overrides += os.length;
      addRow(sheet, {
        name: nameOf(record.openId),
        stage,
        step: STEP_DEFS[step.step].zh,
        date: local(step.date, "yyyy-MM-dd"),
        detail: detail.join("；"),
        documents: (step.documents ?? []).join("、"),
        notes: step.notes ?? "",
        by: nameOf(step.by),
        at: local(step.at, "yyyy-MM-dd HH:mm"),
        override: os.map((o) => o.message).join("；"),
        reason: [...new Set(os.map((o) => o.reason))].join("；"),
      });
      count++;
    }
  }
  addTotalsRow(sheet, "name", { step: `${count} 项`, override: `破例 ${overrides} 项` });
  sheet.commit();
  return count;
}
