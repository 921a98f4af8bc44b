/**
 * The roster import preview (N new, M changed field by field, K rows with errors, who is missing
 * from the file) with 确认导入 / 取消, and the card it becomes once decided. Private chat with a
 * secretary only, so the phone numbers the file carries are shown in full.
 */
import type { FieldChange, PlanOp } from "../domain/rosterImport.js";
import { FIELD_LABELS } from "../domain/rosterImport.js";
import { STATUS_ZH } from "../domain/whoCounts.js";
import {
  buildWithinBudgets,
  button,
  card,
  columnRow,
  escapeMarkdown,
  header,
  i18n,
  markdown,
  truncate,
  type Card,
  type CardElement,
} from "./common.js";

export const ROSTER_IMPORT_ACTIONS = {
  confirm: "roster.import.confirm", // value: { importId }
  cancel: "roster.import.cancel", // value: { importId }
} as const;

export interface RosterImportView {
  importId: string;
  fileName: string;
  /** "applying": confirmed, still being written after the click was answered. */
  state: "pending" | "applying" | "applied" | "cancelled";
  ops: PlanOp[];
  errors: { row: number; message: string }[];
  missing: { openId: string; name: string }[];
  unchanged: number;
}

const safe = (text: string, max: number) => escapeMarkdown(truncate(text, max));

function changeLine(change: FieldChange): string {
  const label = FIELD_LABELS[change.field];
  return `${label}：${safe(change.from || "（空）", 30)} → ${safe(change.to, 30)}`;
}

/** A list as one markdown element: at most `max` lines, then how many more. */
function list(title: string, lines: string[], max: number): CardElement[] {
  if (lines.length === 0) return [];
  const shown = lines.slice(0, max);
  const more = lines.length - shown.length;
  return [markdown(`**${title}**\n${shown.join("\n")}${more > 0 ? `\n……另有 ${more} 项` : ""}`)];
}

export function rosterImportCard(view: RosterImportView): Card {
  const added = view.ops.filter((op) => op.kind === "new");
  const changed = view.ops.filter((op) => op.kind === "change");
  const errorRows = new Set(view.errors.map((e) => e.row)).size;
  const title =
    view.state === "applied"
      ? "名册已导入"
      : view.state === "applying"
        ? "名册导入中"
        : view.state === "cancelled"
          ? "名册导入已取消"
          : "名册导入预览";
  const template =
    view.state === "applied" ? "green" : view.state === "cancelled" ? "grey" : errorRows ? "red" : "blue";
  return buildWithinBudgets([30, 12, 5] as const, (max) => {
    const elements: CardElement[] = [
      markdown(
        `文件：${safe(view.fileName, 60)}\n` +
          `新增 **${added.length}** 人，变更 **${changed.length}** 人，无变化 ${view.unchanged} 人，` +
          `有误 **${errorRows}** 行；名册中有而文件中没有 ${view.missing.length} 人。`,
      ),
      ...list(
        "有误的行（请修改后重新发送文件）",
        view.errors.map((e) =>
          e.row > 0 ? `第 ${e.row} 行：${safe(e.message, 120)}` : safe(e.message, 120),
        ),
        max,
      ),
      ...list(
        "新增（姓名与名册中无人相同，作为无飞书账号的党员加入）",
        added.map((op) => `第 ${op.row} 行 ${safe(op.name, 20)}（${STATUS_ZH[op.status]}）`),
        max,
      ),
      ...list(
        "变更",
        changed.map(
          (op) =>
            `第 ${op.row} 行 ${safe(op.name, 20)}：${op.kind === "change" ? op.changes.map(changeLine).join("；") : ""}`,
        ),
        max,
      ),
      ...list(
        "文件中没有的人（不会删除，请书记自行决定是否处理）",
        view.missing.map((m) => safe(m.name, 20)),
        max,
      ),
    ];
    if (view.state === "applying") {
      elements.push(
        markdown("正在写入，完成后会私信通知。若长时间没有通知，可再次点击继续（已写入的不会重复）。", {
          textSize: "notation",
        }),
        button({
          text: i18n("继续导入", "Continue"),
          value: { action: ROSTER_IMPORT_ACTIONS.confirm, importId: view.importId },
        }),
      );
    }
    if (view.state === "pending") {
      const value = { importId: view.importId };
      elements.push(
        errorRows > 0
          ? markdown("有误的行须全部改正后才能导入：请修改文件后重新发送。", { textSize: "notation" })
          : markdown("确认后一次性写入以上全部新增与变更；状态变化记入身份历史（原因：名册导入）。", {
              textSize: "notation",
            }),
        columnRow([
          ...(errorRows > 0
            ? []
            : [
                button({
                  text: i18n("确认导入", "Import"),
                  type: "primary",
                  value: { action: ROSTER_IMPORT_ACTIONS.confirm, ...value },
                }),
              ]),
          button({ text: i18n("取消", "Cancel"), value: { action: ROSTER_IMPORT_ACTIONS.cancel, ...value } }),
        ]),
      );
    }
    return card({ header: header(i18n(title, title), template), elements, summary: i18n(title) });
  });
}
