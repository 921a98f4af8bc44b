import type { Connection } from "mongoose";
import { attendanceModel } from "./attendance.js";
import { branchModel } from "./branch.js";
import { inboundEventModel } from "./inboundEvent.js";
import { jobRunModel } from "./jobRun.js";
import { meetingModel } from "./meeting.js";
import { meetingNumberModel } from "./meetingNumber.js";
import { memberModel } from "./member.js";
import { outboxModel } from "./outbox.js";
import { studyConfirmationModel, studyTaskModel } from "./study.js";
import { dueModel, duesProfileModel } from "./dues.js";
import { organisationModel } from "./organisation.js";
import { personModel } from "./person.js";
import { rosterImportModel } from "./rosterImport.js";
import { developmentModel } from "./development.js";
import { transferModel } from "./transfer.js";

export function createModels(connection: Connection) {
  return {
    Branch: branchModel(connection),
    Member: memberModel(connection),
    Meeting: meetingModel(connection),
    MeetingNumber: meetingNumberModel(connection),
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
    RosterImport: rosterImportModel(connection),
    Development: developmentModel(connection),
    Transfer: transferModel(connection),
  };
}

export type Models = ReturnType<typeof createModels>;

/**
 * Builds every index up front so uniqueness holds from the first request. First drops the TTL
 * indexes earlier versions made (records now expire by the expire-records job): their names are
 * those of the plain indexes that replace them, which could not be built beside them. Also drops
 * the compound indexes led by `_id` that earlier versions made: the `_id` index serves those
 * queries, and each such index cost every write.
 */
export async function syncIndexes(models: Models): Promise<void> {
  // Collections are independent: four at a time (each further connection the pool would open for
  // more costs a handshake at start); on a database already in shape (every start but the first)
  // one listing per collection.
  const queue = Object.values(models);
  const syncOne = async (model: (typeof queue)[number]) => {
    const { toCreate, toDrop } = await model.diffIndexes();
    let dropped = 0;
    if (toDrop.length > 0) {
      for (const index of await model.collection.indexes()) {
        const ledById = index.name !== "_id_" && Object.keys(index.key)[0] === "_id";
        const legacy = index.expireAfterSeconds !== undefined || ledById;
        if (legacy && index.name && toDrop.includes(index.name)) {
          await model.collection.dropIndex(index.name);
          dropped += 1;
        }
      }
    }
    if (toCreate.length > 0 || dropped > 0) await model.createIndexes();
  };
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let model = queue.shift(); model; model = queue.shift()) await syncOne(model);
    }),
  );
}
