import { branchCommands } from "./branch.js";
import { helpCommands } from "./help.js";
import { membersCommands, roleCommands } from "./members.js";
import { meetingCommands } from "./meeting.js";
import { remindersCommands } from "./reminders.js";
import { studyCommands } from "./study.js";
import { meCommands } from "./me.js";
import { duesCommands, myDuesCommands } from "./dues.js";
import { exportCommands, statsCommands } from "./stats.js";
import { orgCommands } from "./org.js";
import { switchCommands } from "./switch.js";
import { settingsCommands } from "./settings.js";
import { developmentCommands } from "./development.js";
import { transferCommands, transferInCommands, transfersCommands } from "./transfers.js";
import { healthCommands } from "./health.js";
import type { CommandFamily } from "./types.js";

/** The command registry: every slash command the bot answers, with its Chinese and English names. */
export const commandFamilies: CommandFamily[] = [
  helpCommands,
  branchCommands,
  membersCommands,
  roleCommands,
  switchCommands,
  orgCommands,
  meetingCommands,
  remindersCommands,
  studyCommands,
  meCommands,
  duesCommands,
  myDuesCommands,
  statsCommands,
  exportCommands,
  settingsCommands,
  developmentCommands,
  transferCommands,
  transferInCommands,
  transfersCommands,
  healthCommands,
];
