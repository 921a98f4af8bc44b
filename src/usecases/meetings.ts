import type { Branch } from "../db/models/branch.js";
import type { Meeting } from "../db/models/meeting.js";
import type { AppDeps } from "../deps.js";
import { cancelMeeting, createMeeting, type CreateMeetingInput } from "../domain/meetings.js";
import { announceMeeting, refreshMeetingCard } from "../delivery/meetingCard.js";
import { cancelPending } from "../delivery/outbox.js";

/**
 * Creates a meeting of `branch` and posts its card to the branch chat, for `/会议 新建 …` and the
 * form alike. `sourceKey` names the command or form message: a redelivery (or a second press of
 * the form's button) finds the meeting it made, and its card is announced only once.
 */
export async function createAndAnnounceMeeting(
  deps: AppDeps,
  branch: Pick<Branch, "_id" | "chatId">,
  input: Omit<CreateMeetingInput, "branchId" | "chatId" | "timeZone">,
): Promise<Meeting> {
  const { meeting } = await createMeeting(deps.models, deps.clock, {
    ...input,
    branchId: branch._id,
    chatId: branch.chatId,
    timeZone: deps.config.TZ,
  });
  await announceMeeting(deps, meeting);
  return meeting;
}

/** Cancels a meeting: its reminders still waiting are not sent, and its card shows 已取消. */
export async function cancelMeetingAndReminders(deps: AppDeps, meetingId: string): Promise<Meeting> {
  const meeting = await cancelMeeting(deps.models, deps.clock, meetingId);
  await cancelPending(deps.models, `meeting:${meeting._id}:`);
  await refreshMeetingCard(deps, meeting);
  return meeting;
}
