import { DateTime } from "luxon";

/** Reads "2026-11-30" + "14:30" as wall time in `zone`; null when either is malformed. */
export function parseLocalDateTime(date: string, time: string, zone: string): Date | null {
  const parsed = DateTime.fromFormat(`${date.trim()} ${time.trim()}`, "yyyy-M-d H:mm", { zone });
  return parsed.isValid ? parsed.toJSDate() : null;
}
