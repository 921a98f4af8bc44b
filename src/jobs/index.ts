import { DEFAULT_REMINDER_OFFSETS, type ReminderOffset } from "../../config/reminders.js";
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
  ];
}
