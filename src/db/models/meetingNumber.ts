import { Schema, type Connection, type InferSchemaType } from "mongoose";

/**
 * A claimed per-branch meeting number (`B3#5` → that branch's M5). The unique `_id` settles races
 * between two meetings created at once in one branch (no counter document: SecantusDB runs
 * findOneAndUpdate as find-then-update). `sourceKey` is the meeting's idempotency key, unique too:
 * a redelivered command, even one racing its first delivery, gets the number claimed first and
 * leaves no gap.
 */
const meetingNumberSchema = new Schema(
  {
    _id: { type: String, required: true },
    branchId: { type: String, required: true },
    number: { type: Number, required: true },
    sourceKey: { type: String, required: true, unique: true },
  },
  { versionKey: false },
);
meetingNumberSchema.index({ branchId: 1, number: -1 });

export type MeetingNumber = InferSchemaType<typeof meetingNumberSchema> & { _id: string };
export const meetingNumberModel = (connection: Connection) =>
  connection.model("MeetingNumber", meetingNumberSchema, "meeting_numbers");
