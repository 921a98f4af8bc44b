import { meetingCard } from "../cards/meeting.js";
import type { Meeting } from "../db/models/meeting.js";
import type { AppDeps } from "../deps.js";
import { setCardMessageId } from "../domain/meetings.js";
import { meetingCardData } from "../presenters/meeting.js";
import { announceCard, refreshCard, type CardSubject } from "./cardMessages.js";
import type { CardRenderer, SentHookHandler } from "./worker.js";

const subject = (meeting: Meeting): CardSubject => ({
  kind: "meeting",
  id: meeting._id,
  branchId: meeting.branchId,
  chatId: meeting.chatId,
  cardMessageId: meeting.cardMessageId,
  label: `会议 ${meeting._id}`,
});

export const announceMeeting = (deps: AppDeps, meeting: Meeting) => announceCard(deps, subject(meeting));
export const refreshMeetingCard = (deps: AppDeps, meeting: Meeting) => refreshCard(deps, subject(meeting));

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
