import { STUDY_REMINDER_MINUTES_BEFORE } from "../../config/study.js";
import { freezeStudyScope, type StudyTask } from "../domain/study.js";
import type { MemberDoc } from "../domain/attendance.js";
import { remindStudy } from "../delivery/studyReminders.js";
import { trusted } from "../db/connection.js";
import { forEachIsolated, type Job } from "./types.js";

/**
 * Before a study deadline (STUDY_REMINDER_MINUTES_BEFORE), remind everyone in scope who has not
 * confirmed: one group message with mentions and a DM each. Keys make it once per task; people
 * who confirmed in the meantime are not in the pending list when it runs. An open task whose
 * deadline has passed gets its scope frozen (`expected`, idempotently), so statistics count the
 * members as they were even if nobody reads them before someone leaves.
 */
export const studyRemindersJob: Job = {
  name: "study-reminders",
  schedule: "*/5 * * * *",
  catchUp: true,
  async run(ctx) {
    const { deps } = ctx;
    const now = deps.clock.now();
    const horizon = new Date(now.getTime() + STUDY_REMINDER_MINUTES_BEFORE * 60_000);
    // The deadlines are query conditions ({status, deadline} index), not filters over every open task.
    const upcoming = await deps.models.StudyTask.find({
      status: "open",
      deadline: trusted({ $gt: now, $lte: horizon }),
    }).lean<StudyTask[]>();
    const due = upcoming.filter(
      (s) =>
        // A task created after its reminder time gets none (it was just announced).
        !s.createdAt || s.createdAt.getTime() < s.deadline.getTime() - STUDY_REMINDER_MINUTES_BEFORE * 60_000,
    );
    await forEachIsolated(
      ctx,
      this.name,
      due,
      (s) => s._id,
      (study) => remindStudy(deps, study, `study:${study._id}:remind:auto`).then(() => undefined),
    );
    // `expected: null` matches a scope not frozen yet (null or absent).
    const toFreeze = await deps.models.StudyTask.find({
      status: "open",
      deadline: trusted({ $lte: now }),
      expected: null,
    }).lean<StudyTask[]>();
    await forEachIsolated(
      ctx,
      this.name,
      toFreeze,
      (s) => s._id,
      async (study) => {
        const roster = await deps.models.Member.find({ branchId: study.branchId, active: true }).lean<
          MemberDoc[]
        >();
        await freezeStudyScope(deps.models, study, roster);
      },
    );
  },
};
