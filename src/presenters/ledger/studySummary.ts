import type { MemberDoc } from "../../domain/attendance.js";
import type { StudyTask } from "../../db/models/study.js";
import { studyStanding } from "../../domain/whoCounts.js";
import { addRow, addSheet, addTotalsRow, type Writer } from "./sheet.js";

/**
 * 学习汇总: one row per task of the period — who was to study it (应学), who confirmed, and who did
 * NOT, by name. 应学 is the task's frozen scope (`expected`, written at close or once the deadline
 * passed, as /统计 reads it); for a task not frozen yet, the scope as it was (whoCounts.ts
 * studyStanding) at the deadline, or now while the deadline is ahead: a member who left after
 * that moment still counts, one who joined or became exempt later does not, so a closed period
 * reads the same tomorrow.
 */
export const STUDY_SUMMARY_SHEET = "学习汇总";

export interface StudySummaryWriter {
  add(
    task: Pick<StudyTask, "_id" | "title" | "deadline" | "hours" | "scope" | "partyGroup" | "expected">,
    confirmed: Set<string>,
  ): void;
  /** Tasks added so far. */
  count(): number;
}

/** Counted for a task at `at`: in its scope and not exempt, as the roster stood then. */
export function countedAt(
  member: MemberDoc,
  task: Pick<StudyTask, "scope" | "partyGroup">,
  at: Date,
): boolean {
  const wasActive = member.active || (member.leftAt != null && member.leftAt.getTime() > at.getTime());
  return studyStanding({ ...member, active: wasActive }, task, at) === "expected";
}

/** Collects a row per task while the 学习 sheet streams, then writes 学习汇总 after it. */
export function studySummary(
  members: readonly MemberDoc[],
  nameOf: (openId: string) => string,
  day: (date: Date) => string,
  now: Date,
): StudySummaryWriter & { write(workbook: Writer, title: string): number } {
  const rows: Record<string, unknown>[] = [];
  const sum = { expected: 0, done: 0, missing: 0 };
  return {
    add(task, confirmed) {
      const at = task.deadline.getTime() < now.getTime() ? task.deadline : now;
      const expected = task.expected ?? members.filter((m) => countedAt(m, task, at)).map((m) => m.openId);
      const missing = expected.filter((openId) => !confirmed.has(openId));
      const done = expected.length - missing.length;
      rows.push({
        id: task._id,
        title: task.title,
        deadline: day(task.deadline),
        hours: task.hours,
        expected: expected.length,
        done,
        missing: missing.length,
        rate: expected.length === 0 ? null : done / expected.length,
        missingNames: missing.map(nameOf).join("、"),
      });
      sum.expected += expected.length;
      sum.done += done;
      sum.missing += missing.length;
    },
    count: () => rows.length,
    write(workbook, title) {
      const sheet = addSheet(
        workbook,
        STUDY_SUMMARY_SHEET,
        [
          { header: "编号", key: "id", width: 8 },
          { header: "主题", key: "title", width: 30 },
          { header: "截止日期", key: "deadline", width: 12 },
          { header: "学时", key: "hours", width: 6 },
          { header: "应学人数", key: "expected", width: 9 },
          { header: "已确认", key: "done", width: 8 },
          { header: "未确认", key: "missing", width: 8 },
          { header: "完成率", key: "rate", width: 8, numFmt: "0%" },
          { header: "未确认人员", key: "missingNames", width: 40 },
        ],
        title,
      );
      for (const row of rows) addRow(sheet, row);
      addTotalsRow(sheet, "id", {
        title: `${rows.length} 项`,
        expected: sum.expected,
        done: sum.done,
        missing: sum.missing,
        rate: sum.expected === 0 ? null : sum.done / sum.expected,
      });
      sheet.commit();
      return rows.length;
    },
  };
}
