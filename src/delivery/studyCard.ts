import { studyCard } from "../cards/study.js";
import type { AppDeps } from "../deps.js";
import { setStudyCardMessageId, type StudyTask } from "../domain/study.js";
import { studyCardData } from "../presenters/study.js";
import { announceCard, refreshCard, type CardSubject } from "./cardMessages.js";
import type { CardRenderer, SentHookHandler } from "./worker.js";

const subject = (study: StudyTask): CardSubject => ({
  kind: "study",
  id: study._id,
  branchId: study.branchId,
  chatId: study.chatId,
  cardMessageId: study.cardMessageId,
  label: `学习 ${study._id}`,
});

export const announceStudy = (deps: AppDeps, study: StudyTask) => announceCard(deps, subject(study));
export const refreshStudyCard = (deps: AppDeps, study: StudyTask) => refreshCard(deps, subject(study));

export function studyCardRenderer(deps: Pick<AppDeps, "models" | "clock" | "config">): CardRenderer {
  return async ({ id }) => {
    const study = await deps.models.StudyTask.findById(id).lean<StudyTask>();
    if (!study) return null;
    return studyCard(await studyCardData(deps.models, deps.clock, study, deps.config.TZ));
  };
}

export function studyCardSent(deps: Pick<AppDeps, "models">): SentHookHandler {
  return (studyId, messageId) => setStudyCardMessageId(deps.models, studyId, messageId);
}
