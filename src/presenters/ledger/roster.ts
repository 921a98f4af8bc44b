import type { MemberRole } from "../../db/models/member.js";
import type { MemberDoc } from "../../domain/attendance.js";
import { maskPhone } from "../../domain/people.js";
import { STATUS_ZH, statusOf } from "../../domain/whoCounts.js";
import { addRow, addSheet, addTotalsRow, type Writer } from "./sheet.js";

/**
 * 名册 (every member the branch has had, in the order given, the phone masked, never an ID-card
 * number) and 身份变更 (every status change kept on the roster, oldest first per member).
 */
const ROLE_ZH: Record<MemberRole, string> = { secretary: "书记", committee: "支委", member: "党员" };

type Local = (date: Date | null | undefined, format: string) => string;

export function writeRoster(
  workbook: Writer,
  members: readonly MemberDoc[],
  title: string,
  local: Local,
): number {
  let count = 0;
  const roster = addSheet(
    workbook,
    "名册",
    [
      { header: "姓名", key: "name", width: 14 },
      { header: "Open ID", key: "openId", width: 38 },
      { header: "职务", key: "role", width: 8 },
      { header: "党小组", key: "group", width: 14 },
      { header: "状态", key: "active", width: 8 },
      { header: "离开时间", key: "leftAt", width: 18 },
      { header: "政治面貌", key: "status", width: 12 },
      { header: "入党日期", key: "joinedAt", width: 12 },
      { header: "转正日期", key: "fullAt", width: 12 },
      { header: "性别", key: "gender", width: 6 },
      { header: "民族", key: "ethnicity", width: 8 },
      { header: "出生年月", key: "birthMonth", width: 10 },
      { header: "学历", key: "education", width: 10 },
      { header: "党内职务", key: "partyPost", width: 12 },
      { header: "联系方式", key: "phone", width: 14 },
      { header: "飞书", key: "onFeishu", width: 6 },
    ],
    title,
  );
  for (const m of members) {
    const profile = m.profile ?? {};
    addRow(roster, {
      name: m.name,
      openId: m.openId,
      role: ROLE_ZH[m.role as MemberRole] ?? m.role,
      group: m.partyGroup ?? "",
      // Transferred out: still the branch's (转出中) until the 回执, then 已转出.
      active: m.active ? (m.transferOut ? "转出中" : "在册") : m.transferOut ? "已转出" : "不在册",
      leftAt: local(m.leftAt, "yyyy-MM-dd HH:mm"),
      status: STATUS_ZH[statusOf(m)],
      joinedAt: local(profile.joinedAt, "yyyy-MM-dd"),
      fullAt: local(profile.fullAt, "yyyy-MM-dd"),
      gender: profile.gender ?? "",
      ethnicity: profile.ethnicity ?? "",
      birthMonth: profile.birthMonth ?? "",
      education: profile.education ?? "",
      partyPost: profile.partyPost ?? "",
      phone: maskPhone(profile.phone),
      onFeishu: m.onFeishu === false ? "否" : "是",
    });
    count++;
  }
  const onRoll = members.filter((m) => m.active).length;
  addTotalsRow(roster, "name", {
    openId: `共 ${members.length} 人`,
    active: `在册 ${onRoll} 人`,
    leftAt: `不在册 ${members.length - onRoll} 人`,
  });
  roster.commit();

  return count;
}

export function writeStatusHistory(
  workbook: Writer,
  members: readonly MemberDoc[],
  title: string,
  local: Local,
  names: ReadonlyMap<string, string>,
): number {
  let count = 0;
  const history = addSheet(
    workbook,
    "身份变更",
    [
      { header: "姓名", key: "name", width: 14 },
      { header: "政治面貌", key: "status", width: 12 },
      { header: "起始日期", key: "since", width: 12 },
      { header: "原因", key: "reason", width: 30 },
      { header: "记录人", key: "by", width: 14 },
      { header: "记录时间", key: "at", width: 18 },
    ],
    title,
  );
  for (const m of members) {
    const changes = [...(m.statusHistory ?? [])].sort((a, b) => a.at.getTime() - b.at.getTime());
    for (const change of changes) {
      addRow(history, {
        name: m.name || m.openId,
        status: STATUS_ZH[statusOf(change)],
        since: local(change.since, "yyyy-MM-dd"),
        reason: change.reason ?? "",
        by: names.get(change.by) ?? change.by,
        at: local(change.at, "yyyy-MM-dd HH:mm"),
      });
      count++;
    }
  }
  addTotalsRow(history, "name", { status: `${count} 条` });
  history.commit();
  return count;
}
