import type { Meeting } from "../db/models/meeting.js";
import { enqueueMessage, requestCardRefresh } from "../delivery/outbox.js";
import { meetingLabel } from "../domain/meetingNumbers.js";
import { checkinWindow, formatMeetingTime } from "../domain/attendance.js";
import { MAX_DURATION_MIN, scheduledMeetingsStarting } from "../domain/meetings.js";
import { forEachIsolated, type Job, type JobContext } from "./types.js";
import { escapeText } from "../cards/escape.js";

const MIN = 60_000;
const NAME = "meeting-close-prompt";

/** Meetings that ended longer ago than this are left alone (Lark edits cards ≤ 14 days old). */
export const CLOSE_PROMPT_WITHIN_DAYS = 14;

export const closePromptKey = (meetingId: string, openId: string) =>
  `meeting:${meetingId}:close-prompt:${openId}`;

export function closePromptText(meeting: Meeting, endsAt: Date, timeZone: string): string {
  return (
    `会议 ${meetingLabel(meeting)}「${meeting.title}」已于 ${formatMeetingTime(endsAt, timeZone)} 结束，` +
    `请发送 /会议 结束 ${meetingLabel(meeting)} [纪要] 记录出席和纪要。`
  );
}

/** Active secretaries of the branch, and the creator while still a secretary or committee member. */
async function recipients(ctx: JobContext, meeting: Meeting): Promise<string[]> {
  const members = await ctx.deps.models.Member.find(
    {
      branchId: meeting.branchId,
      active: true,
      $or: [{ role: "secretary" }, { openId: meeting.createdBy, role: "committee" }],
    },
    { openId: 1 },
  )
    .sort({ _id: 1 })
    .lean<{ openId: string }[]>();
  return [...new Set(members.map((m) => m.openId))];
}

/**
 * Every 10 minutes: a scheduled meeting that ended (within the last 14 days) and was not closed
 * yet → a DM to each secretary (and the creator, if a committee member) asking to close it, once
 * per person (outbox key per meeting and person). When one of these is new, the card is
 * refreshed too, so its 签到 button disappears. (A branch with no secretary gets no prompt and
 * no refresh; a late 签到 click is refused with "签到已关闭".)
 */
export const closePromptJob: Job = {
  name: NAME,
  schedule: "*/10 * * * *",
  catchUp: true,
  async run(ctx: JobContext) {
    const { models, clock, config } = ctx.deps;
    const now = clock.now();
    const oldest = now.getTime() - CLOSE_PROMPT_WITHIN_DAYS * 24 * 60 * MIN;
    const meetings = await scheduledMeetingsStarting(models, new Date(oldest - MAX_DURATION_MIN * MIN), now);
    const ended = meetings.filter((meeting) => {
      const end = checkinWindow(meeting).endsAt.getTime();
      return end <= now.getTime() && end > oldest;
    });
    await forEachIsolated(
      ctx,
      NAME,
      ended,
      (m) => m._id,
      async (meeting) => {
        const { endsAt } = checkinWindow(meeting);
        let anyNew = false;
        for (const openId of await recipients(ctx, meeting)) {
          const isNew = await enqueueMessage(models, clock, {
            key: closePromptKey(meeting._id, openId),
            branchId: meeting.branchId,
            target: { openId },
            content: { text: escapeText(closePromptText(meeting, endsAt, config.TZ)) },
            description: `会议 ${meetingLabel(meeting)} 结束提醒`,
          });
          anyNew ||= isNew;
        }
        if (anyNew && meeting.cardMessageId) {
          await requestCardRefresh(models, clock, {
            messageId: meeting.cardMessageId,
            branchId: meeting.branchId,
            render: { type: "meeting", id: meeting._id },
            description: `会议 ${meetingLabel(meeting)} 卡片：会议已结束`,
          });
        }
      },
    );
  },
};
