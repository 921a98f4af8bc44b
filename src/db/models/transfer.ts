import { Schema, type Connection, type InferSchemaType } from "mongoose";

/**
 * States of a transfer (组织关系转接):
 * - `open`: out to an organisation outside this deployment, letter issued, 回执 not yet back;
 * - `awaiting`: out to another branch of this deployment, waiting for its 书记 to accept;
 * - `received`: the 回执 came back (recorded by the 书记, or on acceptance by the new branch);
 * - `declined`: the other branch declined; the member counts in the old branch again;
 * - `cancelled`: withdrawn by the sending branch's 书记 before a 回执 or an acceptance (a letter
 *   issued by mistake, a move called off); the member counts in the old branch again;
 * - `arrived`: in from outside, recorded on arrival (nothing left to wait for).
 */
export const TRANSFER_STATES = ["open", "awaiting", "received", "declined", "cancelled", "arrived"] as const;
export type TransferState = (typeof TRANSFER_STATES)[number];
/** The states of a transfer the sending branch is still responsible for. */
export const OPEN_TRANSFER_STATES: readonly TransferState[] = ["open", "awaiting"];

/**
 * One transfer of a member's Party relationship, out of or into a branch, with its
 * introduction letter: number, the day issued, valid until, "党费交至 YYYY-MM", and the 回执.
 * Kept for ever (the ledger's 转接 sheet); the member's record points to it.
 */
const transferSchema = new Schema(
  {
    _id: { type: String, required: true }, // short id, e.g. "Z3"
    seq: { type: Number, required: true, unique: true },
    branchId: { type: String, required: true }, // the branch that recorded it
    direction: { type: String, enum: ["out", "in"], required: true },
    openId: { type: String, required: true }, // the member's key in `branchId`
    name: { type: String, required: true },
    /** 去向 (out) or 来自 (in), as typed; a branch of this deployment is also named by id. */
    place: { type: String, required: true },
    /** Out to a branch of this deployment: that branch, which must accept. */
    toBranchId: { type: String, default: null },
    letterNo: { type: String, default: "" }, // 介绍信编号
    issuedAt: { type: Date, required: true }, // 开具日期: the member leaves the counts from this day
    validUntil: { type: Date, default: null }, // the last day the letter is valid
    duesPaidTo: { type: String, default: null }, // 党费交至 "YYYY-MM"
    state: { type: String, enum: TRANSFER_STATES, required: true },
    receiptAt: { type: Date, default: null }, // 回执日期
    decidedBy: { type: String, default: null }, // who accepted or declined (another branch's 书记)
    decidedAt: { type: Date, default: null },
    cancelledBy: { type: String, default: null }, // the sending branch's 书记 who withdrew it
    cancelledAt: { type: Date, default: null },
    cancelReason: { type: String, default: "" },
    by: { type: String, required: true }, // the 书记 who recorded it
    /** The message that recorded it: a command run again after a crash records nothing twice. */
    sourceKey: { type: String, required: true, unique: true },
  },
  { timestamps: true, versionKey: false },
);
transferSchema.index({ branchId: 1, issuedAt: 1 });
transferSchema.index({ branchId: 1, state: 1 });
transferSchema.index({ state: 1 });
transferSchema.index({ toBranchId: 1, state: 1 });

export type Transfer = InferSchemaType<typeof transferSchema> & { _id: string };
export const transferModel = (connection: Connection) =>
  connection.model("Transfer", transferSchema, "transfers");
