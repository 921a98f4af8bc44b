import { meetingCard } from "../cards/meeting.js";
import type { Meeting } from "../db/models/meeting.js";
import type { AppDeps } from "../deps.js";
import { meetingCardData, setCardMessageId } from "../domain/meetings.js";

/**
 * Posts a meeting's announcement card to its branch chat once. The Lark `uuid` makes a retry
 * after a crash (sent, but not yet recorded) a no-op on Lark's side.
 */
export async function announceMeeting(deps: AppDeps, meeting: Meeting): Promise<string> {
  if (meeting.cardMessageId) return meeting.cardMessageId;
  const data = await meetingCardData(deps.models, deps.clock, meeting, deps.config.TZ);
  const messageId = await deps.lark.send(
    { chatId: meeting.chatId },
    { card: meetingCard(data) },
    `meeting-card-${meeting._id}`,
  );
  await setCardMessageId(deps.models, meeting._id, messageId);
  return messageId;
}

/** Re-renders the card from the database soon; bursts of answers become one PATCH. */
export function refreshMeetingCard(deps: AppDeps, meetingId: string, cardMessageId?: string | null): void {
  if (!cardMessageId) return;
  deps.cardRefresher.schedule(cardMessageId, async () => {
    const meeting = await deps.models.Meeting.findById(meetingId).lean<Meeting>();
    if (!meeting) return null;
    return meetingCard(await meetingCardData(deps.models, deps.clock, meeting, deps.config.TZ));
  });
}
