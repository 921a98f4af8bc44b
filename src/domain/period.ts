import { DateTime } from "luxon";

/** A reporting period in the branch's time zone: a year, a quarter or a month. */
export interface Period {
  kind: "year" | "quarter" | "month";
  /** "2026", "2026-Q4", "2026-11". */
  label: string;
  start: Date;
  /** Exclusive. */
  end: Date;
  /** The months it covers, "YYYY-MM". */
  months: string[];
}

function build(kind: Period["kind"], start: DateTime, label: string): Period {
  const months = kind === "year" ? 12 : kind === "quarter" ? 3 : 1;
  const end = start.plus({ months });
  return {
    kind,
    label,
    start: start.toJSDate(),
    end: end.toJSDate(),
    months: Array.from({ length: months }, (_, i) => start.plus({ months: i }).toFormat("yyyy-MM")),
  };
}

/** "2026", "2026-Q4" (or q4), "2026-11": null when it is none of these. */
export function parsePeriod(text: string, timeZone: string): Period | null {
  const year = /^(\d{4})$/.exec(text);
  if (year)
    return build("year", DateTime.fromObject({ year: Number(year[1]) }, { zone: timeZone }), year[1]!);
  const quarter = /^(\d{4})-[Qq]([1-4])$/.exec(text);
  if (quarter) {
    const start = DateTime.fromObject(
      { year: Number(quarter[1]), month: (Number(quarter[2]) - 1) * 3 + 1 },
      { zone: timeZone },
    );
    return build("quarter", start, `${quarter[1]}-Q${quarter[2]}`);
  }
  const month = /^(\d{4})-(\d{1,2})$/.exec(text);
  if (month && Number(month[2]) >= 1 && Number(month[2]) <= 12) {
    const start = DateTime.fromObject(
      { year: Number(month[1]), month: Number(month[2]) },
      { zone: timeZone },
    );
    return build("month", start, start.toFormat("yyyy-MM"));
  }
  return null;
}

/** The period of a kind that contains `at`. */
export function periodContaining(kind: Period["kind"], at: Date, timeZone: string): Period {
  const local = DateTime.fromJSDate(at, { zone: timeZone });
  if (kind === "year") return parsePeriod(String(local.year), timeZone)!;
  if (kind === "quarter") return parsePeriod(`${local.year}-Q${Math.ceil(local.month / 3)}`, timeZone)!;
  return parsePeriod(local.toFormat("yyyy-MM"), timeZone)!;
}
