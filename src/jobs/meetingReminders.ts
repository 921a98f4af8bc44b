import { DEFAULT_REMINDER_OFFSETS, type ReminderOffset } from "../../config/reminders.js";
import type { Meeting } from "../db/models/meeting.js";
import { reminderKey, remindMeeting } from "../delivery/meetingReminders.js";
import { meetingLabel } from "../domain/meetingNumbers.js";
import { scheduledMeetingsStarting } from "../domain/meetings.js";
import { forEachIsolated, type Job, type JobContext } from "./types.js";

const MIN = 60_000;

/**
 * The reminder (if any) that is due for a meeting at `now`: the offset whose window
 * [startAt − offset, due time of the next smaller offset, or the start) holds `now`, provided
 * the meeting existed before that due time (a meeting created 3 h ahead gets no T-24h).
 * A later reminder supersedes a missed earlier one; nothing is sent once the meeting started.
 * `offsets` are sorted largest first.
 */
export function dueReminder(
  meeting: Pick<Meeting, "startAt"> & { createdAt?: Date | null },
  offsets: readonly ReminderOffset[],
  now: Date,
): ReminderOffset | null {
  const start = meeting.startAt.getTime();
  const at = now.getTime();
  if (at >= start) return null;
  for (const [i, offset] of offsets.entries()) {
    const due = start - offset.minutes * MIN;
    const next = offsets[i + 1];
    const until = next ? start - next.minutes * MIN : start;
    if (at < due || at >= until) continue;
    const created = meeting.createdAt?.getTime();
    if (created !== undefined && created >= due) return null;
    return offset;
  }
  return null;
}

/** The group message: mentions of who has not answered, then what and when. */
function sortedOffsets(offsets: readonly ReminderOffset[]): ReminderOffset[] {
  const sorted = [...offsets].sort((a, b) => b.minutes - a.minutes);
  for (const [i, offset] of sorted.entries()) {
    if (!(Number.isInteger(offset.minutes) && offset.minutes > 0)) {
      throw new Error(`reminder offset ${offset.label}: minutes must be a positive integer`);
    }
    if (sorted.findIndex((o) => o.label === offset.label || o.minutes === offset.minutes) !== i) {
      throw new Error(`reminder offset ${offset.label} is repeated`);
    }
  }
  return sorted;
}

/**
 * Every minute: for each scheduled meeting about to start, the reminder due now goes to the
 * meeting's chat, mentioning only in-scope members who have neither answered nor checked in.
 * Nobody pending → nothing is sent (a later scan finds nobody either). The outbox key
 * `meeting:M12:remind:T-24h` makes a re-run or a second instance a no-op.
 */
export function createMeetingRemindersJob(
  offsets: readonly ReminderOffset[] = DEFAULT_REMINDER_OFFSETS,
): Job {
  const sorted = sortedOffsets(offsets);
  const name = "meeting-reminders";
  return {
    name,
    schedule: "* * * * *",
    catchUp: true,
    async run(ctx: JobContext) {
      const largest = sorted[0];
      if (!largest) return;
      const { models, clock } = ctx.deps;
      const now = clock.now();
      const meetings = await scheduledMeetingsStarting(
        models,
        now,
        new Date(now.getTime() + (largest.minutes + 1) * MIN),
      );
      await forEachIsolated(
        ctx,
        name,
        meetings,
        (m) => m._id,
        async (meeting) => {
          const offset = dueReminder(meeting, sorted, now);
          if (!offset) return;
          const key = reminderKey(meeting._id, offset);
          if (await models.Outbox.exists({ _id: key })) return; // already sent: skip the scope query
          await remindMeeting(ctx.deps, meeting, {
            key,
            description: `会议 ${meetingLabel(meeting)} 提醒（${offset.label}）`,
          });
        },
      );
    },
  };
}
