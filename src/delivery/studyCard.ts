import { studyCard } from "../cards/study.js";
import type { AppDeps } from "../deps.js";
import { setStudyCardMessageId, type StudyTask } from "../domain/study.js";
import { studyCardData } from "../presenters/study.js";
import { trusted } from "../db/connection.js";
import {
  announceCard,
  defineCardKind,
  refreshCard,
  refreshCardSoon,
  type CardSubject,
} from "./cardMessages.js";

/** The study card: rendered from the task and its confirmations whenever it is sent or refreshed. */
export const studyCardKind = defineCardKind<StudyTask>({
  kind: "study",
  load: (deps, id) => deps.models.StudyTask.findById(id).lean<StudyTask>(),
  render: async (deps, study) =>
    studyCard(await studyCardData(deps.models, deps.clock, study, deps.config.TZ)),
  onSent: (deps, studyId, messageId) => setStudyCardMessageId(deps.models, studyId, messageId),
});

const subject = (study: StudyTask): CardSubject => ({
  kind: studyCardKind.kind,
  id: study._id,
  branchId: study.branchId,
  chatId: study.chatId,
  cardMessageId: study.cardMessageId,
  label: `学习 ${study._id}`,
});

export const announceStudy = (deps: AppDeps, study: StudyTask) => announceCard(deps, subject(study));
export const refreshStudyCard = (deps: Pick<AppDeps, "models" | "clock" | "delivery">, study: StudyTask) =>
  refreshCard(deps, subject(study));
/** After an answer: off the answer's path, a burst coalesced into one PATCH. */
export const refreshStudyCardSoon = (deps: AppDeps, study: StudyTask) =>
  refreshCardSoon(deps, subject(study));

/** Refreshes the cards of study tasks confirmed since `since` (see refreshMeetingsAnsweredSince). */
export async function refreshStudiesConfirmedSince(
  deps: Pick<AppDeps, "models" | "clock" | "delivery">,
  since: Date,
): Promise<number> {
  const confirmed = await deps.models.StudyConfirmation.find(
    { confirmedAt: trusted({ $gte: since }) },
    { taskId: 1 },
  ).lean<{ taskId: string }[]>();
  let refreshed = 0;
  for (const id of new Set(confirmed.map((c) => c.taskId))) {
    const study = await deps.models.StudyTask.findById(id).lean<StudyTask>();
    if (!study?.cardMessageId) continue;
    await refreshStudyCard(deps, study);
    refreshed++;
  }
  return refreshed;
}
