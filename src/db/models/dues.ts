import { Schema, type Connection, type InferSchemaType } from "mongoose";
import { DUES_CATEGORIES } from "../../../config/dues.js";

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

export const DUE_STATUSES = ["unpaid", "pending", "paid"] as const;
/** unpaid; pending = the member said 我已缴纳 and the secretary has not confirmed; paid. */
export type DueStatus = (typeof DUE_STATUSES)[number];

/**
 * One member's dues standard from `effectiveFrom` ("YYYY-MM") on; the latest one not after a
 * month applies to it, so a change leaves earlier months alone. `baseSealed` is the after-tax
 * monthly wage in fen, sealed with the dues key: the plain base never reaches the database.
 * `monthlyFen` is the due itself (not income), stored so jobs need no key.
 */
const duesProfileSchema = new Schema(
  {
    branchId: { type: String, required: true },
    openId: { type: String, required: true },
    effectiveFrom: { type: String, required: true, match: MONTH },
    category: { type: String, enum: DUES_CATEGORIES, required: true },
    baseSealed: { type: String, default: null },
    fixedFen: { type: Number, default: null },
    monthlyFen: { type: Number, required: true, min: 0 },
    reason: { type: String, default: "" }, // 减交 / 免交 reason (支部决定)
    setBy: { type: String, required: true },
  },
  { timestamps: true, versionKey: false },
);
// The local server uses an index only when every queried field is in it: lookups go by
// {branchId, openId} (all of a member's profiles, picked in code) and the upsert by all three.
duesProfileSchema.index({ branchId: 1, openId: 1, effectiveFrom: 1 }, { unique: true });
duesProfileSchema.index({ branchId: 1, openId: 1 });

/**
 * One member's dues for one month; the unique (branchId, openId, month) index makes creation
 * idempotent. A zero amount (免交) is created already paid with `paidFen` 0 and `recordedBy`
 * {@link AUTO_SETTLED}.
 */
const dueSchema = new Schema(
  {
    branchId: { type: String, required: true },
    openId: { type: String, required: true },
    month: { type: String, required: true, match: MONTH },
    amountFen: { type: Number, required: true, min: 0 },
    status: { type: String, enum: DUE_STATUSES, default: "unpaid" },
    paidFen: { type: Number, default: null },
    paidAt: { type: Date, default: null },
    recordedBy: { type: String, default: null },
    claimedAt: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false },
);
dueSchema.index({ branchId: 1, openId: 1, month: 1 }, { unique: true });
dueSchema.index({ branchId: 1, month: 1 });
dueSchema.index({ branchId: 1, openId: 1 });
// Arrears: {branchId, status} and {branchId, openId, status}; claims {_id, status} use _id's.
dueSchema.index({ branchId: 1, status: 1 });
dueSchema.index({ branchId: 1, openId: 1, status: 1 });
// The open dues of every branch at once (the roll-up's 支部体检 line): a few hundred of a year's
// thousands, read without scanning the rest (200 → 40 ms at 600 members on the local server).
dueSchema.index({ status: 1 });

/** `recordedBy` of a zero-amount due settled automatically (not a payment anyone recorded). */
export const AUTO_SETTLED = "system:zero";

export type DuesProfile = InferSchemaType<typeof duesProfileSchema>;
export type Due = InferSchemaType<typeof dueSchema>;

export const duesProfileModel = (connection: Connection) =>
  connection.model("DuesProfile", duesProfileSchema, "dues_profiles");
export const dueModel = (connection: Connection) => connection.model("Due", dueSchema, "dues");

/** The two dues models; createModels registers them as `DuesProfile` and `Due`. */
export interface DuesModels {
  DuesProfile: ReturnType<typeof duesProfileModel>;
  Due: ReturnType<typeof dueModel>;
}
