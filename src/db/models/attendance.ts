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
type AttendanceModel = ReturnType<typeof attendanceModel>;

/**
 * Inserts a first answer or check-in as `Attendance.create` would store it (the schema's defaults
 * and timestamps), without building a mongoose document: the one write of a click, where the
 * document's casting and validation cost more than the insert. The fields are typed here instead.
 */
export async function insertAttendance(
  model: AttendanceModel,
  fields: Pick<Attendance, "meetingId" | "branchId" | "openId"> &
    Partial<Pick<Attendance, "response" | "reason" | "respondedAt" | "checkedInAt" | "checkedInBy">>,
): Promise<void> {
  const now = new Date(); // mongoose's timestamps are the real time, as on every other write
  await model.collection.insertOne({
    response: null,
    reason: "",
    respondedAt: null,
    checkedInAt: null,
    checkedInBy: null,
    ...fields,
    createdAt: now,
    updatedAt: now,
  });
}
