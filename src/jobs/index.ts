import {
  DEFAULT_BIRTHDAY_HOUR,
  DEFAULT_REMINDER_OFFSETS,
  type ReminderOffset,
} from "../../config/reminders.js";
import { createPoliticalBirthdayJob } from "./politicalBirthday.js";
import { awayContactsJob } from "./awayContacts.js";
import { developmentRemindersJob } from "./developmentReminders.js";
import { transferLettersJob } from "./transfers.js";
import { branchHealthJob } from "./branchHealth.js";
import { checkinOpenJob } from "./checkinOpen.js";
import { closePromptJob } from "./closePrompt.js";
import { studyRemindersJob } from "./studyReminders.js";
import { duesMonthlyJob, duesRemindersJob } from "./dues.js";
import { complianceJob } from "./compliance.js";
import { expireRecordsJob } from "./expireRecords.js";
import { createMeetingRemindersJob } from "./meetingReminders.js";
import type { Job } from "./types.js";

export { createScheduler, type Scheduler, type RunResult } from "./scheduler.js";
export type { Job, JobContext } from "./types.js";

export interface JobsOptions {
  /** Meeting reminder offsets (parsed from ZHIBU_MEETING_REMINDERS); default T-24h, T-1h. */
  reminderOffsets?: readonly ReminderOffset[];
  /** Local hour of the 政治生日 greetings (ZHIBU_BIRTHDAY_HOUR); default 9. */
  birthdayHour?: number;
}

/** The registry: every scheduled job of the bot. */
export function createJobs(options: JobsOptions = {}): Job[] {
  return [
    createMeetingRemindersJob(options.reminderOffsets ?? DEFAULT_REMINDER_OFFSETS),
    checkinOpenJob,
    closePromptJob,
    studyRemindersJob,
    duesMonthlyJob,
    duesRemindersJob,
    complianceJob,
    expireRecordsJob,
    createPoliticalBirthdayJob(options.birthdayHour ?? DEFAULT_BIRTHDAY_HOUR),
    awayContactsJob,
    developmentRemindersJob,
    transferLettersJob,
    branchHealthJob,
  ];
}
