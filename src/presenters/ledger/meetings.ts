import { MEETING_TYPES } from "../../../config/meetings.js";
import { trusted } from "../../db/connection.js";
import type { MeetingStatus } from "../../db/models/meeting.js";
import type { Models } from "../../db/models/index.js";
import { meetingLabel } from "../../domain/meetingNumbers.js";
import type { Period } from "../../domain/period.js";
import { addRow, addSheet, addTotalsRow, type Writer } from "./sheet.js";

/**
 * 会议: every meeting starting in the period, with its frozen record once closed, the reasons
 * given for leave (the RSVP's 请假事由), and a 合计 row (meetings held and cancelled, minutes,
 * 应到 / 实到 / 请假 / 缺席 summed).
 */
const MEETING_STATUS_ZH: Record<MeetingStatus, string> = {
  scheduled: "未召开",
  cancelled: "已取消",
  closed: "已结束",
};

type MeetingModels = Pick<Models, "Meeting" | "Attendance">;

/** "钱三：出差、孙四" — who asked for leave with their reason, by the meetingId index. */
async function leaveReasons(
  models: MeetingModels,
  meetingId: string,
  nameOf: (openId: string) => string,
): Promise<string> {
  const leaves = await models.Attendance.find({ meetingId, response: "leave" }, { openId: 1, reason: 1 })
    .sort({ respondedAt: 1 })
    .lean();
  return leaves.map((a) => (a.reason ? `${nameOf(a.openId)}：${a.reason}` : nameOf(a.openId))).join("；");
}

export async function writeMeetings(
  workbook: Writer,
  models: MeetingModels,
  options: {
    title: string;
    branchId: string;
    period: Period;
    local: (date: Date | null | undefined, format: string) => string;
    nameOf: (openId: string) => string;
    namesOf: (ids: readonly string[] | null | undefined) => string;
  },
): Promise<number> {
  const { title, branchId, period, local, nameOf, namesOf } = options;
  let count = 0;
  const meetingSheet = addSheet(
    workbook,
    "会议",
    [
      { header: "编号", key: "id", width: 8 },
      { header: "类型", key: "type", width: 14 },
      { header: "主题", key: "title", width: 30 },
      { header: "开始时间", key: "start", width: 18 },
      { header: "时长(分钟)", key: "duration", width: 11 },
      { header: "地点", key: "place", width: 18 },
      { header: "主持人", key: "host", width: 10 },
      { header: "记录人", key: "recorder", width: 10 },
      { header: "状态", key: "status", width: 8 },
      { header: "应到", key: "expected", width: 6 },
      { header: "实到", key: "present", width: 6 },
      { header: "请假", key: "leave", width: 6 },
      { header: "缺席", key: "absent", width: 6 },
      { header: "应到人员", key: "expectedNames", width: 30 },
      { header: "实到人员", key: "presentNames", width: 30 },
      { header: "请假人员", key: "leaveNames", width: 20 },
      { header: "请假事由", key: "leaveReasons", width: 30 },
      { header: "缺席人员", key: "absentNames", width: 20 },
      { header: "列席人员", key: "observerNames", width: 20 },
      { header: "自愿参加人员", key: "voluntaryNames", width: 20 },
      { header: "纪要", key: "minutes", width: 50 },
    ],
    title,
  );
  const meetings = models.Meeting.find({
    branchId,
    startAt: trusted({ $gte: period.start, $lt: period.end }),
  })
    .sort({ startAt: 1 })
    .lean()
    .cursor();
  const meetingSum = { closed: 0, cancelled: 0, minutes: 0, expected: 0, present: 0, leave: 0, absent: 0 };
  for await (const m of meetings) {
    const record = m.record;
    if (m.status === "closed") meetingSum.closed++;
    if (m.status === "cancelled") meetingSum.cancelled++;
    else meetingSum.minutes += m.durationMin;
    meetingSum.expected += record?.expected.length ?? 0;
    meetingSum.present += record?.present.length ?? 0;
    meetingSum.leave += record?.leave.length ?? 0;
    meetingSum.absent += record?.absent.length ?? 0;
    addRow(meetingSheet, {
      id: meetingLabel(m),
      type: MEETING_TYPES.find((t) => t.id === m.type)?.zh ?? m.type,
      title: m.title,
      start: local(m.startAt, "yyyy-MM-dd HH:mm"),
      duration: m.durationMin,
      place: m.place,
      host: m.host ? nameOf(m.host) : "",
      recorder: m.recorder ? nameOf(m.recorder) : "",
      status: MEETING_STATUS_ZH[m.status as MeetingStatus] ?? m.status,
      expected: record ? record.expected.length : null,
      present: record ? record.present.length : null,
      leave: record ? record.leave.length : null,
      absent: record ? record.absent.length : null,
      expectedNames: namesOf(record?.expected),
      presentNames: namesOf(record?.present),
      leaveNames: namesOf(record?.leave),
      leaveReasons: await leaveReasons(models, m._id, nameOf),
      absentNames: namesOf(record?.absent),
      observerNames: namesOf(record?.observers),
      voluntaryNames: namesOf(record?.voluntary),
      minutes: m.minutes,
    });
    count++;
  }
  addTotalsRow(meetingSheet, "id", {
    title: `共 ${count} 次（已结束 ${meetingSum.closed}，已取消 ${meetingSum.cancelled}）`,
    duration: meetingSum.minutes,
    expected: meetingSum.expected,
    present: meetingSum.present,
    leave: meetingSum.leave,
    absent: meetingSum.absent,
  });
  meetingSheet.commit();
  return count;
}
