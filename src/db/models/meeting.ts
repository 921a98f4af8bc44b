import { Schema, type Connection, type InferSchemaType } from "mongoose";
import { MEETING_TYPES } from "../../../config/meetings.js";

export const MEETING_STATUSES = ["scheduled", "cancelled", "closed"] as const;
export type MeetingStatus = (typeof MEETING_STATUSES)[number];

/** Each person's Party status and standing at close (an array: open ids never become keys). */
const statusAtCloseSchema = new Schema(
  {
    openId: { type: String, required: true },
    status: { type: String, required: true }, // full / probationary / activist …
    standing: { type: String, required: true }, // expected / observer / voluntary
    exemption: { type: String, default: "" }, // exempt / away when a period held
  },
  { _id: false },
);

/**
 * The frozen record written when a meeting is closed (应到 / 实到 / 请假 / 缺席 count 应到 only;
 * 列席 and 自愿参加 are who of those outside 应到 checked in).
 */
const recordSchema = new Schema(
  {
    expected: { type: [String], default: [] },
    present: { type: [String], default: [] },
    leave: { type: [String], default: [] },
    absent: { type: [String], default: [] },
    observers: { type: [String], default: [] },
    voluntary: { type: [String], default: [] },
    statuses: { type: [statusAtCloseSchema], default: [] },
  },
  { _id: false },
);

const meetingSchema = new Schema(
  {
    _id: { type: String, required: true }, // short and typeable, e.g. "M12"
    seq: { type: Number, required: true, unique: true },
    branchId: { type: String, required: true },
    /** The number people see and type (M5), counted per branch; null until numbered at start-up. */
    number: { type: Number, default: null },
    chatId: { type: String, required: true },
    type: { type: String, enum: MEETING_TYPES.map((t) => t.id), required: true },
    title: { type: String, required: true },
    startAt: { type: Date, required: true },
    durationMin: { type: Number, required: true },
    place: { type: String, default: "" },
    agenda: { type: String, default: "" },
    partyGroup: { type: String, default: null }, // 党小组会 only
    /** Who chairs (主持人) and who takes the minutes (记录人): open ids of the branch's roster. */
    host: { type: String, default: null },
    recorder: { type: String, default: null },
    status: { type: String, enum: MEETING_STATUSES, default: "scheduled" },
    cardMessageId: { type: String, default: null },
    createdBy: { type: String, required: true },
    /** Idempotency key of the command that created it (the message id), so a redelivery creates nothing. */
    sourceKey: { type: String, required: true, unique: true },
    minutes: { type: String, default: "" },
    record: { type: recordSchema, default: null },
    closedAt: { type: Date, default: null },
    cancelledAt: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false },
);
meetingSchema.index({ branchId: 1, startAt: -1 });
meetingSchema.index({ branchId: 1, status: 1 });
meetingSchema.index({ branchId: 1, number: 1 });

type StoredMeeting = InferSchemaType<typeof meetingSchema>;
export type StatusAtClose = InferSchemaType<typeof statusAtCloseSchema>;
/** Records closed before 列席 / 自愿参加 / statuses existed lack those fields. */
export type MeetingRecord = Omit<
  NonNullable<StoredMeeting["record"]>,
  "observers" | "voluntary" | "statuses"
> & {
  observers?: string[];
  voluntary?: string[];
  statuses?: StatusAtClose[];
};
export type Meeting = Omit<StoredMeeting, "record"> & { _id: string; record?: MeetingRecord | null };
export const meetingModel = (connection: Connection) =>
  connection.model("Meeting", meetingSchema, "meetings");
