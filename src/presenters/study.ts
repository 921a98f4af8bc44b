import type { Clock } from "../domain/clock.js";
import { DEFAULT_TIME_ZONE } from "../domain/attendance.js";
import {
  studyProgress,
  type StudyDeps,
  type StudyProgress,
  type StudyScope,
  type StudyTask,
} from "../domain/study.js";

/** Everything a study card shows: built here from the domain's data, rendered by cards/study.ts. */
export interface StudyCardData extends StudyProgress {
  id: string; // "S3"
  title: string;
  link: string | null;
  text: string; // the material itself or a note; may be ""
  deadline: Date; // the end of the deadline day in the branch's time zone
  hours: number; // 学时 credited for it, e.g. 2 or 1.5
  scope: StudyScope;
  partyGroup: string | null;
  status: "open" | "closed";
  timeZone: string;
}

/** The study card's view model: the task, how far it has got, and the zone to show dates in. */
export async function studyCardData(
  models: StudyDeps,
  clock: Clock,
  study: StudyTask,
  timeZone = DEFAULT_TIME_ZONE,
): Promise<StudyCardData> {
  const progress = await studyProgress(models, clock, study);
  return {
    id: study._id,
    title: study.title,
    link: study.link ?? null,
    text: study.text ?? "",
    deadline: study.deadline,
    hours: study.hours,
    scope: study.scope as StudyScope,
    partyGroup: study.partyGroup ?? null,
    status: study.status as StudyCardData["status"],
    ...progress,
    timeZone,
  };
}
