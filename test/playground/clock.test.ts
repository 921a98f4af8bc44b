import { describe, expect, it } from "vitest";
import { playgroundClock, targetTime } from "../../src/playground/clock.js";
import { createClockControl, latestOccurrence } from "../../src/playground/clockControl.js";
import type { Job } from "../../src/jobs/index.js";

const TZ = "Asia/Shanghai";
const at = (iso: string) => new Date(iso);

describe("the playground's clock", () => {
  it("names its targets in the time zone: an hour on, tomorrow 09:00, the 1st of next month 09:00", () => {
    const now = at("2027-01-31T15:30:00Z"); // 2027-01-31 23:30 in Shanghai
    expect(targetTime("hour", now, TZ).toISOString()).toBe("2027-01-31T16:30:00.000Z");
    expect(targetTime("tomorrow-0900", now, TZ).toISOString()).toBe("2027-02-01T01:00:00.000Z");
    expect(targetTime("next-month-1st", now, TZ).toISOString()).toBe("2027-02-01T01:00:00.000Z");
    expect(targetTime("next-month-1st", at("2027-12-15T02:00:00Z"), TZ).toISOString()).toBe(
      "2028-01-01T01:00:00.000Z",
    );
  });

  it("moves forward only and keeps running with the real time", async () => {
    const clock = playgroundClock(Date.parse("2027-03-10T02:00:00Z") - Date.now());
    const start = clock.now().getTime();
    expect(clock.moveTo(at("2020-01-01T00:00:00Z")).getTime()).toBeGreaterThanOrEqual(start);
    const moved = clock.moveTo(at("2027-04-01T01:00:00Z"));
    expect(moved.getTime()).toBeGreaterThanOrEqual(Date.parse("2027-04-01T01:00:00Z"));
    expect(clock.offsetMs).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(clock.now().getTime()).toBeGreaterThan(moved.getTime());
  });

  it("finds a schedule's latest occurrence in (after, upTo] only", () => {
    const daily9 = "0 9 * * *";
    expect(latestOccurrence(daily9, at("2027-03-10T02:00:00Z"), at("2027-03-12T01:00:00Z"), TZ)).toEqual(
      at("2027-03-12T01:00:00Z"),
    );
    expect(latestOccurrence(daily9, at("2027-03-12T01:00:00Z"), at("2027-03-12T05:00:00Z"), TZ)).toBeNull();
  });

  it("runs each job's latest due occurrence once per move, oldest first, then drains", async () => {
    const clock = playgroundClock(Date.parse("2027-03-31T02:00:00Z") - Date.now());
    const runs: string[] = [];
    const job = (name: string, schedule: string): Job => ({
      name,
      schedule,
      catchUp: true,
      run: async () => {},
    });
    const jobs = [
      job("daily-9", "0 9 * * *"),
      job("monthly-1st", "10 0 1 * *"),
      job("every-minute", "* * * * *"),
    ];
    let drained = 0;
    const control = createClockControl({
      clock,
      jobs,
      timeZone: TZ,
      scheduler: {
        runOccurrence: async (j, occurrence) => {
          runs.push(`${j.name}@${occurrence.toISOString()}`);
          return "ran";
        },
      },
      drain: async () => void drained++,
    });
    const now = await control.move("next-month-1st");
    expect(now.getTime()).toBeGreaterThanOrEqual(Date.parse("2027-04-01T01:00:00Z"));
    expect(runs.slice(0, 2)).toEqual([
      "monthly-1st@2027-03-31T16:10:00.000Z",
      "daily-9@2027-04-01T01:00:00.000Z",
    ]);
    expect(runs[2]).toMatch(/^every-minute@2027-04-01T01:0/);
    expect(runs).toHaveLength(3);
    expect(drained).toBe(1);
    runs.length = 0;
    await control.runDue(); // nothing new came due meanwhile but (perhaps) the minute
    expect(runs.every((r) => r.startsWith("every-minute@"))).toBe(true);
  });
});
