import { describe, expect, it } from "vitest";
import { DEFAULT_REMINDER_OFFSETS, parseReminderOffsets } from "../../config/reminders.js";
import { createMeetingRemindersJob } from "../../src/jobs/meetingReminders.js";
import { createJobs } from "../../src/jobs/index.js";

describe("parseReminderOffsets", () => {
  it("parses days, hours and minutes, largest first", () => {
    expect(parseReminderOffsets(" 1h, 24h ,30m")).toEqual([
      { label: "T-24h", minutes: 1440 },
      { label: "T-1h", minutes: 60 },
      { label: "T-30m", minutes: 30 },
    ]);
    expect(parseReminderOffsets("2d,90M")).toEqual([
      { label: "T-2d", minutes: 2880 },
      { label: "T-90m", minutes: 90 },
    ]);
    expect(parseReminderOffsets("off")).toEqual([]);
  });

  it("matches the defaults for 24h,1h", () => {
    expect(parseReminderOffsets("24h,1h")).toEqual(DEFAULT_REMINDER_OFFSETS);
  });

  it("refuses bad input with a clear message", () => {
    expect(() => parseReminderOffsets("")).toThrow(
      /empty; expected a comma-separated list like "24h,1h,30m"/,
    );
    expect(() => parseReminderOffsets("24h,1x")).toThrow(/"1x" is not valid/);
    expect(() => parseReminderOffsets("24h,,1h")).toThrow(/"" is not valid/);
    expect(() => parseReminderOffsets("1.5h")).toThrow(/"1.5h" is not valid/);
    expect(() => parseReminderOffsets("0m")).toThrow(/"0m" must be more than zero/);
    expect(() => parseReminderOffsets("31d")).toThrow(/more than 30 days/);
    expect(() => parseReminderOffsets("1d,24h")).toThrow(/"24h" repeats 1d/);
  });
});

describe("job registry", () => {
  it("lists every job once, with the reminder offsets passed in", () => {
    const jobs = createJobs({ reminderOffsets: parseReminderOffsets("30m") });
    expect(jobs.map((j) => [j.name, j.schedule, j.catchUp])).toEqual([
      ["meeting-reminders", "* * * * *", true],
      ["meeting-checkin-open", "* * * * *", true],
      ["meeting-close-prompt", "*/10 * * * *", true],
      ["study-reminders", "*/5 * * * *", true],
      ["dues-monthly", "10 0 1 * *", true],
      ["dues-reminders", "0 9 * * *", true],
      ["compliance", "0 8 * * *", true],
      ["expire-records", "30 3 * * *", true],
      ["political-birthday", "0 9 * * *", true],
      ["away-contacts", "0 9 * * *", true],
      ["development-reminders", "0 9 * * *", true],
      ["transfer-letters", "0 9 * * *", true],
      ["branch-health", "0 8 * * *", true],
    ]);
  });

  it("refuses repeated offsets", () => {
    expect(() =>
      createMeetingRemindersJob([
        { label: "T-1h", minutes: 60 },
        { label: "T-60m", minutes: 60 },
      ]),
    ).toThrow(/repeated/);
  });
});
