/**
 * When meeting reminders go to the group, as offsets before the start. Source: common practice
 * (a day ahead to plan, an hour ahead as a last call); no 条例 fixes them, so they are
 * configurable (`ZHIBU_MEETING_REMINDERS`, e.g. "24h,1h,30m"; "off" for none).
 *
 * The label is part of the idempotency key of a reminder (`meeting:M12:remind:T-24h`): keep a
 * label stable once reminders have gone out under it.
 */
export interface ReminderOffset {
  /** "T-24h": shown in descriptions and part of the outbox key. */
  label: string;
  /** Minutes before the start. */
  minutes: number;
}
export type Offset = ReminderOffset;

export const DEFAULT_REMINDER_OFFSETS: readonly ReminderOffset[] = [
  { label: "T-24h", minutes: 1440 },
  { label: "T-1h", minutes: 60 },
];

/** Longest accepted offset: 30 days. */
export const MAX_REMINDER_MINUTES = 30 * 24 * 60;

const UNIT_MINUTES = { d: 1440, h: 60, m: 1 } as const;

/**
 * Parses "24h,1h,30m" (units d, h, m; whole numbers) into offsets, largest first, labelled
 * "T-24h", "T-1h", "T-30m". "off" or "none" means no reminders. Throws on anything else.
 */
export function parseReminderOffsets(text: string): ReminderOffset[] {
  const trimmed = text.trim();
  const expected = `expected a comma-separated list like "24h,1h,30m" (units d, h, m) or "off"`;
  if (/^(off|none)$/i.test(trimmed)) return [];
  if (trimmed === "") throw new Error(`meeting reminder offsets: empty; ${expected}`);
  const offsets: ReminderOffset[] = [];
  for (const raw of trimmed.split(",")) {
    const token = raw.trim().toLowerCase();
    const match = /^(\d+)\s*([dhm])$/.exec(token);
    if (!match) throw new Error(`meeting reminder offsets: "${raw.trim()}" is not valid; ${expected}`);
    const amount = Number(match[1]);
    const unit = match[2] as keyof typeof UNIT_MINUTES;
    const minutes = amount * UNIT_MINUTES[unit];
    if (minutes <= 0) throw new Error(`meeting reminder offsets: "${raw.trim()}" must be more than zero`);
    if (minutes > MAX_REMINDER_MINUTES) {
      throw new Error(`meeting reminder offsets: "${raw.trim()}" is more than 30 days`);
    }
    const duplicate = offsets.find((o) => o.minutes === minutes);
    if (duplicate) {
      throw new Error(`meeting reminder offsets: "${raw.trim()}" repeats ${duplicate.label.slice(2)}`);
    }
    offsets.push({ label: `T-${amount}${unit}`, minutes });
  }
  return offsets.sort((a, b) => b.minutes - a.minutes);
}

/**
 * 政治生日: a greeting on the anniversary of a member's 入党日期, at this local hour (0–23).
 * Source: common branch practice (no 条例 fixes the hour); `ZHIBU_BIRTHDAY_HOUR` overrides it.
 */
export const DEFAULT_BIRTHDAY_HOUR = 9;

/**
 * 外出/流动党员: the secretaries make contact at least every this many months, counted from the
 * start of the period or the last recorded contact. Source: 中国共产党党员教育管理工作条例
 * (流动党员管理: the branch keeps in regular contact); the six months are this bot's default.
 */
export const AWAY_CONTACT_MONTHS = 6;

/** Local hour at which the away-contact reminders go to the secretaries. */
export const AWAY_CONTACT_HOUR = 9;
