import { Schema, type Connection, type InferSchemaType } from "mongoose";
import { invalidatesReadCache } from "../readCache.js";

export const STUDY_SCOPES = ["branch", "committee", "group"] as const;
export type StudyScope = (typeof STUDY_SCOPES)[number];

export const STUDY_STATUSES = ["open", "closed"] as const;
export type StudyStatus = (typeof STUDY_STATUSES)[number];

/** A 学习任务: material to study by a deadline, crediting `hours` 学时 to whoever confirms it. */
const studyTaskSchema = new Schema(
  {
    _id: { type: String, required: true }, // short and typeable, e.g. "S3"
    seq: { type: Number, required: true, unique: true },
    branchId: { type: String, required: true },
    chatId: { type: String, required: true },
    title: { type: String, required: true },
    link: { type: String, default: null }, // an http(s) URL
    text: { type: String, default: "" },
    /** The end of the deadline day (23:59:59.999) in the branch's time zone. */
    deadline: { type: Date, required: true },
    hours: { type: Number, required: true },
    scope: { type: String, enum: STUDY_SCOPES, required: true },
    partyGroup: { type: String, default: null }, // scope "group" only
    status: { type: String, enum: STUDY_STATUSES, default: "open" },
    cardMessageId: { type: String, default: null },
    createdBy: { type: String, required: true },
    /** Idempotency key of the command that created it (the message id), so a redelivery creates nothing. */
    sourceKey: { type: String, required: true, unique: true },
    closedAt: { type: Date, default: null },
    /**
     * The scope as it was, frozen (like a meeting's 应到): the openIds the task counted when it
     * was closed or its deadline passed, whichever came first; null until then. Written once.
     */
    expected: { type: [String], default: null },
  },
  { timestamps: true, versionKey: false },
);
// Lists query {branchId, status}, deadline jobs {status}; the close claim {_id, status} uses _id's.
studyTaskSchema.index({ branchId: 1, status: 1, deadline: 1 });
studyTaskSchema.index({ status: 1, deadline: 1 });
// Bursts of answers share reads of these records (db/readCache.ts); every write drops them.
studyTaskSchema.plugin(invalidatesReadCache);

/**
 * One member's 已学习 for one task; the unique (taskId, openId) index makes a double click one
 * record. `hours` is copied from the task and `year` is the local year of `confirmedAt`, so the
 * yearly sum is one indexed query and a later edit of the task does not rewrite history.
 */
const studyConfirmationSchema = new Schema(
  {
    taskId: { type: String, required: true },
    branchId: { type: String, required: true },
    openId: { type: String, required: true },
    confirmedAt: { type: Date, required: true },
    late: { type: Boolean, required: true },
    reflection: { type: String, default: "" }, // 学习心得; the latest non-empty one wins
    hours: { type: Number, required: true },
    year: { type: Number, required: true },
  },
  { timestamps: true, versionKey: false },
);
studyConfirmationSchema.index({ taskId: 1, openId: 1 }, { unique: true });
studyConfirmationSchema.index({ branchId: 1, openId: 1, year: 1 });

export type StudyTask = InferSchemaType<typeof studyTaskSchema> & { _id: string };
export type StudyConfirmation = InferSchemaType<typeof studyConfirmationSchema>;

export const studyTaskModel = (connection: Connection) =>
  connection.model("StudyTask", studyTaskSchema, "study_tasks");
export const studyConfirmationModel = (connection: Connection) =>
  connection.model("StudyConfirmation", studyConfirmationSchema, "study_confirmations");

/** The two study models; createModels registers them as `StudyTask` and `StudyConfirmation`. */
export interface StudyModels {
  StudyTask: ReturnType<typeof studyTaskModel>;
  StudyConfirmation: ReturnType<typeof studyConfirmationModel>;
}
