import type { Branch } from "../db/models/branch.js";
import type { AppDeps } from "../deps.js";
import { closeStudy, createStudy, type CreateStudyInput, type StudyTask } from "../domain/study.js";
import { cancelPending } from "../delivery/outbox.js";
import { announceStudy, refreshStudyCard } from "../delivery/studyCard.js";

/**
 * Creates a study task of `branch` and posts its card to the branch chat, for `/学习 新建 …` and
 * the form alike. `sourceKey` names the command or form message: a redelivery (or a second press
 * of the form's button) finds the task it made, and its card is announced only once.
 */
export async function createAndAnnounceStudy(
  deps: AppDeps,
  branch: Pick<Branch, "_id" | "chatId">,
  input: Omit<CreateStudyInput, "branchId" | "chatId" | "timeZone">,
): Promise<StudyTask> {
  const { study } = await createStudy(deps.models, deps.clock, {
    ...input,
    branchId: branch._id,
    chatId: branch.chatId,
    timeZone: deps.config.TZ,
  });
  await announceStudy(deps, study);
  return study;
}

/** Closes a study task: its reminders still waiting are not sent, and its card shows 已结束. */
export async function closeStudyAndReminders(deps: AppDeps, studyId: string): Promise<StudyTask> {
  const study = await closeStudy(deps.models, deps.clock, studyId);
  await cancelPending(deps.models, `study:${study._id}:`);
  await refreshStudyCard(deps, study);
  return study;
}
