import type { HealthFinding } from "../domain/branchHealth.js";
import { escapeText } from "./escape.js";

/** One line per finding, with the rule it follows. */
const lines = (findings: readonly HealthFinding[]) =>
  findings.map((f) => `· ${f.message}（依据：${f.source}）`);

/** `/体检`: every finding of the branch now, or that there is none. */
export function healthReportText(
  branchName: string,
  today: string,
  findings: readonly HealthFinding[],
): string {
  if (findings.length === 0) {
    return escapeText(`「${branchName}」支部体检（${today}）：未发现需要处理的问题。`);
  }
  return escapeText(
    [`「${branchName}」支部体检（${today}）：${findings.length} 项需要处理`, ...lines(findings)].join("\n"),
  );
}

/** The daily check's private message to a 书记: only what is new or changed since the last one. */
export function healthNoticeText(branchName: string, findings: readonly HealthFinding[]): string {
  return escapeText(
    [
      `【支部体检】「${branchName}」有新情况：`,
      ...lines(findings),
      "发送 /体检 查看全部；/设置 支部体检 关 可关闭此提醒。",
    ].join("\n"),
  );
}
