import type { Connection } from "mongoose";
import { attendanceModel } from "./attendance.js";
import { branchModel } from "./branch.js";
import { inboundEventModel } from "./inboundEvent.js";
import { jobRunModel } from "./jobRun.js";
import { meetingModel } from "./meeting.js";
import { memberModel } from "./member.js";
import { outboxModel } from "./outbox.js";
import { studyConfirmationModel, studyTaskModel } from "./study.js";
import { dueModel, duesProfileModel } from "./dues.js";
import { organisationModel } from "./organisation.js";
import { personModel } from "./person.js";

export function createModels(connection: Connection) {
  return {
    Branch: branchModel(connection),
    Member: memberModel(connection),
    Meeting: meetingModel(connection),
    Attendance: attendanceModel(connection),
    InboundEvent: inboundEventModel(connection),
    Outbox: outboxModel(connection),
    JobRun: jobRunModel(connection),
    StudyTask: studyTaskModel(connection),
    StudyConfirmation: studyConfirmationModel(connection),
    DuesProfile: duesProfileModel(connection),
    Due: dueModel(connection),
    Organisation: organisationModel(connection),
    Person: personModel(connection),
  };
}

export type Models = ReturnType<typeof createModels>;

/** Builds every index up front so uniqueness holds from the first request. */
export async function syncIndexes(models: Models): Promise<void> {
  for (const model of Object.values(models)) await model.createIndexes();
}
