import { meetingCard } from "../cards/meeting.js";
import type { Meeting } from "../db/models/meeting.js";
import type { AppDeps } from "../deps.js";
import { meetingCardData, setCardMessageId } from "../domain/meetings.js";
import { enqueueMessage, requestCardRefresh } from "./outbox.js";
import type { CardRenderer, SentHookHandler } from "./worker.js";

/**
 * Posts a meeting's announcement card to its branch chat, once: the outbox key makes a second
 * request (a redelivered command, a double-clicked form) a no-op, and the card is rendered when
 * it is sent, so it already shows any answers given meanwhile.
 */
export async function announceMeeting(deps: AppDeps, meeting: Meeting): Promise<void> {
  if (meeting.cardMessageId) return;
  await enqueueMessage(deps.models, deps.clock, {
    key: `meeting:${meeting._id}:card`,
    branchId: meeting.branchId,
    target: { chatId: meeting.chatId },
    content: { render: { type: "meeting", id: meeting._id } },
    onSent: { type: "meeting-card", id: meeting._id },
    description: `会议 ${meeting._id} 通知卡片`,
  });
  deps.delivery.wake();
}

/** Re-renders the card from the database soon; bursts of answers become one PATCH. */
export async function refreshMeetingCard(deps: AppDeps, meeting: Meeting): Promise<void> {
  // Not sent yet: it will be rendered with the latest state when it is.
  if (!meeting.cardMessageId) return;
  await requestCardRefresh(deps.models, deps.clock, {
    messageId: meeting.cardMessageId,
    branchId: meeting.branchId,
    render: { type: "meeting", id: meeting._id },
    description: `会议 ${meeting._id} 卡片刷新`,
  });
  deps.delivery.wake();
}

export function meetingCardRenderer(deps: Pick<AppDeps, "models" | "clock" | "config">): CardRenderer {
  return async ({ id }) => {
    const meeting = await deps.models.Meeting.findById(id).lean<Meeting>();
    if (!meeting) return null;
    return meetingCard(await meetingCardData(deps.models, deps.clock, meeting, deps.config.TZ));
  };
}

/** Remembers which message shows the card, so answers can refresh it. */
export function meetingCardSent(deps: Pick<AppDeps, "models">): SentHookHandler {
  return (meetingId, messageId) => setCardMessageId(deps.models, meetingId, messageId);
}
