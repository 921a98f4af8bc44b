import { Schema, type Connection, type InferSchemaType } from "mongoose";

export const RSVP_RESPONSES = ["attend", "leave"] as const;
export type RsvpResponse = (typeof RSVP_RESPONSES)[number];

/** One member's answer and check-in for one meeting; the unique index makes a double click one record. */
const attendanceSchema = new Schema(
  {
    meetingId: { type: String, required: true },
    branchId: { type: String, required: true },
    openId: { type: String, required: true },
    response: { type: String, enum: [...RSVP_RESPONSES, null], default: null },
    reason: { type: String, default: "" },
    respondedAt: { type: Date, default: null },
    checkedInAt: { type: Date, default: null },
    checkedInBy: { type: String, default: null },
  },
  { timestamps: true, versionKey: false },
);
attendanceSchema.index({ meetingId: 1, openId: 1 }, { unique: true });

export type Attendance = InferSchemaType<typeof attendanceSchema>;
export const attendanceModel = (connection: Connection) =>
  connection.model("Attendance", attendanceSchema, "attendances");
