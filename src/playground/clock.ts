import { DateTime } from "luxon";
import type { Clock } from "../domain/clock.js";

/** Where the page's clock control moves time to. */
export const CLOCK_TARGETS = ["hour", "tomorrow-0900", "next-month-1st"] as const;
export type ClockTarget = (typeof CLOCK_TARGETS)[number];

/**
 * The playground's time: the real time plus an offset that only grows, so it runs on by itself
 * and can be moved forward (never back: the database holds what happened "before").
 */
export interface PlaygroundClock extends Clock {
  /** How far ahead of the real time it runs, in ms (kept across restarts). */
  readonly offsetMs: number;
  /** Moves to `at`; a time not after now leaves the clock where it is. */
  moveTo(at: Date): Date;
}

export function playgroundClock(offsetMs = 0): PlaygroundClock {
  let offset = offsetMs;
  const now = () => new Date(Date.now() + offset);
  return {
    now,
    get offsetMs() {
      return offset;
    },
    moveTo(at) {
      const ahead = at.getTime() - now().getTime();
      if (ahead > 0) offset += ahead;
      return now();
    },
  };
}

/**
 * The time a target names, in `timeZone`: an hour on; tomorrow at 09:00; the 1st of next month
 * at 09:00 (so the morning's reminders of that day, dues among them, have come due).
 */
export function targetTime(target: ClockTarget, now: Date, timeZone: string): Date {
  const local = DateTime.fromJSDate(now, { zone: timeZone });
  if (target === "hour") return local.plus({ hours: 1 }).toJSDate();
  if (target === "tomorrow-0900")
    return local.plus({ days: 1 }).set({ hour: 9, minute: 0, second: 0, millisecond: 0 }).toJSDate();
  return local.plus({ months: 1 }).set({ day: 1, hour: 9, minute: 0, second: 0, millisecond: 0 }).toJSDate();
}
