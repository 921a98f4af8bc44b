import { meetingCard } from "../cards/meeting.js";
import type { Meeting } from "../db/models/meeting.js";
import type { AppDeps } from "../deps.js";
import { meetingLabel } from "../domain/meetingNumbers.js";
import { setCardMessageId } from "../domain/meetings.js";
import { trusted } from "../db/connection.js";
import { meetingCardData } from "../presenters/meeting.js";
import {
  announceCard,
  defineCardKind,
  refreshCard,
  refreshCardSoon,
  type CardSubject,
} from "./cardMessages.js";

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
export const refreshMeetingCard = (deps: Pick<AppDeps, "models" | "clock" | "delivery">, meeting: Meeting) =>
  refreshCard(deps, subject(meeting));
/** After an answer: off the answer's path, a burst coalesced into one PATCH. */
export const refreshMeetingCardSoon = (deps: AppDeps, meeting: Meeting) =>
  refreshCardSoon(deps, subject(meeting));

/**
 * Refreshes the cards of meetings answered or checked in since `since`: a card refresh waits in
 * memory for its round (cardRefresh.ts), so a process killed meanwhile lost it. Run after a start.
 */
export async function refreshMeetingsAnsweredSince(
  deps: Pick<AppDeps, "models" | "clock" | "delivery">,
  since: Date,
): Promise<number> {
  const ids = new Set<string>();
  for (const field of ["respondedAt", "checkedInAt"] as const) {
    const answered = await deps.models.Attendance.find(
      { [field]: trusted({ $gte: since }) },
      { meetingId: 1 },
    ).lean<{ meetingId: string }[]>();
    for (const { meetingId } of answered) ids.add(meetingId);
  }
  let refreshed = 0;
  for (const id of ids) {
    const meeting = await deps.models.Meeting.findById(id).lean<Meeting>();
    if (!meeting?.cardMessageId) continue;
    await refreshMeetingCard(deps, meeting);
    refreshed++;
  }
  return refreshed;
}
