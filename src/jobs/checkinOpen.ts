import { CHECKIN_OPENS_MINUTES_BEFORE } from "../../config/meetings.js";
import type { Meeting } from "../db/models/meeting.js";
import { enqueueMessage, requestCardRefresh } from "../delivery/outbox.js";
import { meetingLabel } from "../domain/meetingNumbers.js";
import { checkinWindow, formatMeetingTime } from "../domain/attendance.js";
import { MAX_DURATION_MIN, scheduledMeetingsStarting } from "../domain/meetings.js";
import { forEachIsolated, type Job, type JobContext } from "./types.js";
import { escapeText } from "../cards/escape.js";

const MIN = 60_000;
const NAME = "meeting-checkin-open";

export const checkinOpenKey = (meetingId: string) => `meeting:${meetingId}:checkin-open`;

export function checkinOpenText(meeting: Meeting, now: Date, timeZone: string): string {
  const when = formatMeetingTime(meeting.startAt, timeZone);
  const started = now.getTime() >= meeting.startAt.getTime();
  return (
    `会议 ${meetingLabel(meeting)}「${meeting.title}」${started ? `已于 ${when} 开始` : `即将开始（${when}）`}，` +
    `签到已开放：请在会议卡片上点「签到」。`
  );
}

/**
 * Every minute: when a meeting's check-in window opens (30 minutes before the start, until the
 * end), one group message says so and the card is refreshed so its 签到 button appears. Both
 * happen once, keyed by the message's outbox key. A meeting created inside the window already
 * has a card with the button, so it gets neither.
 */
export const checkinOpenJob: Job = {
  name: NAME,
  schedule: "* * * * *",
  catchUp: true,
  async run(ctx: JobContext) {
    const { models, clock, config } = ctx.deps;
    const now = clock.now();
    const meetings = await scheduledMeetingsStarting(
      models,
      new Date(now.getTime() - MAX_DURATION_MIN * MIN),
      new Date(now.getTime() + CHECKIN_OPENS_MINUTES_BEFORE * MIN),
    );
    const open = meetings.filter((meeting) => {
      const { opensAt, endsAt } = checkinWindow(meeting);
      if (meeting.createdAt && meeting.createdAt.getTime() >= opensAt.getTime()) return false;
      return now.getTime() >= opensAt.getTime() && now.getTime() < endsAt.getTime();
    });
    await forEachIsolated(
      ctx,
      NAME,
      open,
      (m) => m._id,
      async (meeting) => {
        const isNew = await enqueueMessage(models, clock, {
          key: checkinOpenKey(meeting._id),
          branchId: meeting.branchId,
          target: { chatId: meeting.chatId },
          content: { text: escapeText(checkinOpenText(meeting, now, config.TZ)) },
          description: `会议 ${meetingLabel(meeting)} 签到开放`,
        });
        if (isNew && meeting.cardMessageId) {
          await requestCardRefresh(models, clock, {
            messageId: meeting.cardMessageId,
            branchId: meeting.branchId,
            render: { type: "meeting", id: meeting._id },
            description: `会议 ${meetingLabel(meeting)} 卡片：签到开放`,
          });
        }
      },
    );
  },
};
