import { meetingCard } from "../cards/meeting.js";
import type { Meeting } from "../db/models/meeting.js";
import type { AppDeps } from "../deps.js";
import { meetingLabel } from "../domain/meetingNumbers.js";
import { setCardMessageId } from "../domain/meetings.js";
import { meetingCardData } from "../presenters/meeting.js";
import { announceCard, defineCardKind, refreshCard, type CardSubject } from "./cardMessages.js";

/** The meeting card: rendered from the meeting and its answers whenever it is sent or refreshed. */
export const meetingCardKind = defineCardKind<Meeting>({
  kind: "meeting",
  load: (deps, id) => deps.models.Meeting.findById(id).lean<Meeting>(),
  render: async (deps, meeting) =>
    meetingCard(await meetingCardData(deps.models, deps.clock, meeting, deps.config.TZ)),
  // Remembers which message shows the card, so answers can refresh it.
  onSent: (deps, meetingId, messageId) => setCardMessageId(deps.models, meetingId, messageId),
});

const subject = (meeting: Meeting): CardSubject => ({
  kind: meetingCardKind.kind,
  id: meeting._id,
  branchId: meeting.branchId,
  chatId: meeting.chatId,
  cardMessageId: meeting.cardMessageId,
  label: `会议 ${meetingLabel(meeting)}`,
});

export const announceMeeting = (deps: AppDeps, meeting: Meeting) => announceCard(deps, subject(meeting));
export const refreshMeetingCard = (deps: AppDeps, meeting: Meeting) => refreshCard(deps, subject(meeting));
