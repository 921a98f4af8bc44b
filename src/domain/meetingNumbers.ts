import { isDuplicateKeyError } from "../db/connection.js";
import type { Models } from "../db/models/index.js";

/**
 * Meeting numbers as people see them: M1, M2 … counted per branch, so a branch's numbers do not
 * jump (M5 → M10) because other branches created meetings between. The stored `_id` stays the
 * deployment-wide key (card buttons, idempotency keys, the outbox).
 */

/** "M5": the number people see and type; a meeting not yet numbered shows its stored id. */
export function meetingLabel(meeting: { _id: string; number?: number | null }): string {
  return meeting.number ? `M${meeting.number}` : meeting._id;
}

/** The number typed as "M5" / "m5" (null if it is not one). */
export function parseMeetingNumber(typed: string): number | null {
  const match = /^[Mm](\d{1,9})$/.exec(typed.trim());
  return match ? Number(match[1]) : null;
}

/**
 * Claims the next number of a branch for the meeting created under `sourceKey` (its idempotency
 * key). The unique claim id settles a race; a redelivered command gets the number it claimed
 * the first time.
 */
export async function claimMeetingNumber(
  models: Models,
  branchId: string,
  sourceKey: string,
): Promise<number> {
  const claimed = () => models.MeetingNumber.findOne({ sourceKey }, { number: 1 }).lean();
  const before = await claimed();
  if (before) return before.number;
  const last = await models.MeetingNumber.findOne({ branchId }, { number: 1 }).sort({ number: -1 }).lean();
  for (let number = (last?.number ?? 0) + 1, attempt = 0; attempt < 50; number++, attempt++) {
    try {
      await models.MeetingNumber.create({ _id: `${branchId}#${number}`, branchId, number, sourceKey });
      return number;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // Either this number is taken (try the next) or this meeting's key was claimed meanwhile.
      const mine = await claimed();
      if (mine) return mine.number;
    }
  }
  throw new Error(`could not claim a meeting number in ${branchId}`);
}

/**
 * Numbers the meetings created before numbers existed, per branch in the order they were
 * created (their global sequence). Idempotent, and safe beside a meeting being created at the
 * same time: each number is a claim. Returns how many meetings were numbered.
 */
export async function numberUnnumberedMeetings(models: Models): Promise<number> {
  const unnumbered = await models.Meeting.find({ number: null }, { branchId: 1, seq: 1, sourceKey: 1 })
    .sort({ seq: 1 })
    .lean();
  for (const meeting of unnumbered) {
    const number = await claimMeetingNumber(models, meeting.branchId, meeting.sourceKey);
    await models.Meeting.updateOne({ _id: meeting._id, number: null }, { $set: { number } });
  }
  return unnumbered.length;
}
