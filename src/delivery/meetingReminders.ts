import { reminderText } from "../cards/meetingMessages.js";
import type { Models } from "../db/models/index.js";
import type { Meeting } from "../db/models/meeting.js";
import { pendingMembers } from "../domain/attendance.js";
import type { Clock } from "../domain/clock.js";
import { isOffline } from "./offlineDigest.js";
import { enqueueMessage } from "./outbox.js";
import type { ReminderOffset } from "../../config/reminders.js";

/** Outbox key of one scheduled reminder of one meeting. */
export const reminderKey = (meetingId: string, offset: Pick<ReminderOffset, "label">) =>
  `meeting:${meetingId}:remind:${offset.label}`;

/**
 * The group nudge mentioning those in scope who have not answered, through the outbox under
 * `message.key` (so the same nudge is never sent twice). Returns how many were mentioned; when
 * no one is pending nothing is queued. People on no chat are not mentioned (their key is no open
 * id). The caller wakes the delivery worker if it wants it now.
 */
export async function remindMeeting(
  deps: { models: Models; clock: Clock; config: { TZ: string } },
  meeting: Meeting,
  message: { key: string; description: string },
): Promise<number> {
  // People on no chat cannot be mentioned: the secretary checks them in (代签).
  const pending = (await pendingMembers(deps.models, meeting, deps.clock.now())).filter((m) => !isOffline(m));
  if (pending.length === 0) return 0;
  await enqueueMessage(deps.models, deps.clock, {
    key: message.key,
    branchId: meeting.branchId,
    target: { chatId: meeting.chatId },
    content: {
      text: reminderText(
        meeting,
        pending.map((m) => m.openId),
        deps.config.TZ,
      ),
    },
    description: message.description,
  });
  return pending.length;
}
