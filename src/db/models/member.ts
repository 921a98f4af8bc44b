import { Schema, type Connection, type InferSchemaType } from "mongoose";

export const MEMBER_ROLES = ["secretary", "committee", "member"] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

/** An elevated role offered to a member, applied only when they accept it (their own click). */
const pendingRoleSchema = new Schema(
  {
    id: { type: String, required: true },
    role: { type: String, enum: MEMBER_ROLES, required: true },
    by: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { _id: false },
);

/** A member of one branch. Leaving the chat makes a member inactive; the history stays. */
const memberSchema = new Schema(
  {
    branchId: { type: String, required: true },
    openId: { type: String, required: true },
    name: { type: String, default: "" },
    role: { type: String, enum: MEMBER_ROLES, default: "member" },
    partyGroup: { type: String, default: null }, // 党小组
    pendingRole: { type: pendingRoleSchema, default: null },
    active: { type: Boolean, default: true },
    leftAt: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false },
);
memberSchema.index({ branchId: 1, openId: 1 }, { unique: true });
memberSchema.index({ openId: 1 });
memberSchema.index({ branchId: 1, active: 1 });

export type PendingRole = InferSchemaType<typeof pendingRoleSchema>;
export type Member = InferSchemaType<typeof memberSchema>;
export const memberModel = (connection: Connection) => connection.model("Member", memberSchema, "members");
