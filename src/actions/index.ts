import { meetingActions } from "./meeting.js";
import { studyActions } from "./study.js";
import { duesActions } from "./dues.js";
import { organisationActions } from "./organisation.js";
import { rosterImportActions } from "./rosterImport.js";
import { rosterActions } from "./roster.js";
import { transferActions } from "./transfer.js";
import { developmentActions } from "./development.js";
import type { ActionDef } from "./types.js";

/** The card action registry, keyed by the `action` field of a button's callback value. */
export const cardActions: ActionDef<never>[] = [
  ...meetingActions,
  ...studyActions,
  ...duesActions,
  ...organisationActions,
  ...rosterImportActions,
  ...rosterActions,
  ...transferActions,
  ...developmentActions,
];
