import type { MemberDoc } from "../../domain/attendance.js";
import type { StudyDeps } from "../../domain/study.js";
import { studyTarget, yearlyStudyHours } from "../../domain/studyHours.js";
import { isPartyMember } from "../../domain/whoCounts.js";
import { addRow, addSheet, addTotalsRow, type Writer } from "./sheet.js";

/**
 * 学时: each Party member of the branch (on the roster during the year) with the year's 集中学习
 * hours (checked-in 党课 / 主题党日 …) and self-study hours (学习任务), as studyHours.ts counts
 * them, against the yearly target; lowest toward the target first. A member 免于要求 or 外出 at
 * `at` is marked and left out of the 未达标 count.
 */
export const STUDY_HOURS_SHEET = "学时";

const EXEMPT_ZH = { exempt: "免于要求", away: "外出/流动" } as const;

export async function writeStudyHours(
  workbook: Writer,
  models: StudyDeps,
  options: { title: string; branchId: string; year: number; yearStart: Date; at: Date; timeZone: string },
  members: readonly MemberDoc[],
): Promise<number> {
  const { title, branchId, year, yearStart, at, timeZone } = options;
  const sheet = addSheet(
    workbook,
    STUDY_HOURS_SHEET,
    [
      { header: "姓名", key: "name", width: 14 },
      { header: "集中学习(学时)", key: "central", width: 14 },
      { header: "自学(学时)", key: "self", width: 11 },
      { header: "合计(学时)", key: "total", width: 11 },
      { header: "计入目标(学时)", key: "toward", width: 14 },
      { header: "年度目标(学时)", key: "target", width: 14 },
      { header: "差额(学时)", key: "short", width: 11 },
      { header: "是否达标", key: "met", width: 9 },
      { header: "备注", key: "note", width: 12 },
    ],
    title,
  );
  const counted = members.filter(
    (m) => isPartyMember(m) && (m.active || (m.leftAt != null && m.leftAt.getTime() > yearStart.getTime())),
  );
  const rows = await Promise.all(
    counted.map(async (member) => {
      const hours = await yearlyStudyHours(models, { branchId, openId: member.openId, year, timeZone });
      return { member, hours, target: studyTarget(hours, member, at) };
    }),
  );
  rows.sort(
    (a, b) =>
      Number(a.target.exemptedAs !== null) - Number(b.target.exemptedAs !== null) ||
      a.target.towardTarget - b.target.towardTarget ||
      (a.member.name ?? "").localeCompare(b.member.name ?? "", "zh"),
  );
  let central = 0;
  let self = 0;
  let short = 0;
  for (const { member, hours, target } of rows) {
    const missing = Math.max(0, target.target - target.towardTarget);
    const exempt = target.exemptedAs !== null;
    central += hours.fromMeetings;
    self += hours.fromStudies;
    if (!exempt && missing > 0) short++;
    addRow(sheet, {
      name: member.name || member.openId,
      central: hours.fromMeetings,
      self: hours.fromStudies,
      total: hours.total,
      toward: target.towardTarget,
      target: target.target,
      short: missing,
      met: exempt ? "—" : missing === 0 ? "是" : "否",
      note: [target.exemptedAs ? EXEMPT_ZH[target.exemptedAs] : "", member.active ? "" : "已离开"]
        .filter(Boolean)
        .join("、"),
    });
  }
  addTotalsRow(sheet, "name", {
    central,
    self,
    total: central + self,
    met: `未达标 ${short} 人`,
  });
  sheet.commit();
  return rows.length;
}
