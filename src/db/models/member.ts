import { Schema, type Connection, type InferSchemaType } from "mongoose";
import { invalidatesReadCache } from "../readCache.js";

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

/**
 * Party status on the roster (党员名册). Who counts where follows from it
 * (src/domain/whoCounts.ts). `unconfirmed` (待确认): found in the chat by a sync, counted nowhere
 * until a secretary gives a status. A document without the field is a 正式党员 (members from
 * before statuses existed).
 */
export const MEMBER_STATUSES = [
  "full", // 正式党员
  "probationary", // 预备党员
  "target", // 发展对象
  "activist", // 入党积极分子
  "applicant", // 入党申请人
  "non-party", // 群众/其他
  "unconfirmed", // 待确认
] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/** One status change, kept for ever (never overwritten). */
const statusChangeSchema = new Schema(
  {
    status: { type: String, enum: MEMBER_STATUSES, required: true },
    since: { type: Date, default: null }, // the day the status began (入党日期, 转正日期 …)
    by: { type: String, required: true }, // open id of the secretary, or "import" / "migration"
    at: { type: Date, required: true },
    reason: { type: String, default: "" },
  },
  { _id: false },
);

/**
 * A period in which a member is left out of 应到, study scope and the 学时 target: 免于要求
 * (年老体弱、长期患病) or 外出/流动 (away: where and why; contacted at least every 6 months).
 */
const exemptionSchema = new Schema(
  {
    id: { type: String, required: true },
    kind: { type: String, enum: ["exempt", "away"], required: true },
    from: { type: Date, required: true },
    until: { type: Date, default: null }, // null: until lifted
    where: { type: String, default: "" },
    reason: { type: String, default: "" },
    by: { type: String, required: true },
    at: { type: Date, required: true },
    lastContactAt: { type: Date, default: null },
  },
  { _id: false },
);

/**
 * A transfer of the member's Party relationship (组织关系转接, src/db/models/transfer.ts): out of
 * this branch (`transferOut`: they count here no more from `from`, though the branch stays
 * responsible until the 回执), or into it (`transferIn`: where from and 党费交至).
 */
const transferOutSchema = new Schema(
  {
    id: { type: String, required: true }, // the Transfer's id
    from: { type: Date, required: true }, // 开具日期: out of 应到, study and dues from this day
    to: { type: String, default: "" }, // 去向
  },
  { _id: false },
);
const transferInSchema = new Schema(
  {
    id: { type: String, required: true },
    from: { type: String, default: "" }, // 来自
    at: { type: Date, required: true },
    duesPaidTo: { type: String, default: null }, // 党费交至 "YYYY-MM" on the letter
  },
  { _id: false },
);

/** Fields of the 台账 名册. Minimal on purpose: no ID-card number; the phone is shown masked. */
const profileSchema = new Schema(
  {
    gender: { type: String, default: "" }, // 性别
    ethnicity: { type: String, default: "" }, // 民族
    birthMonth: { type: String, default: "" }, // 出生年月, "YYYY-MM"
    education: { type: String, default: "" }, // 学历
    joinedAt: { type: Date, default: null }, // 入党日期 (the branch meeting's acceptance)
    fullAt: { type: Date, default: null }, // 转正日期
    partyPost: { type: String, default: "" }, // 党内职务
    phone: { type: String, default: "" }, // 联系方式
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
    status: { type: String, enum: MEMBER_STATUSES, default: "full" },
    statusSince: { type: Date, default: null },
    statusHistory: { type: [statusChangeSchema], default: [] },
    profile: { type: profileSchema, default: () => ({}) },
    /**
     * False for a person on no chat (a retiree without Feishu), added by a secretary: `openId` is
     * then a key of ours ("offline_…"), never sent to; what would go to them privately goes to the
     * secretaries as a digest.
     */
    onFeishu: { type: Boolean, default: true },
    exemptions: { type: [exemptionSchema], default: [] },
    transferOut: { type: transferOutSchema, default: null },
    transferIn: { type: transferInSchema, default: null },
  },
  { timestamps: true, versionKey: false },
);
memberSchema.index({ branchId: 1, openId: 1 }, { unique: true });
memberSchema.index({ openId: 1 });
memberSchema.index({ branchId: 1, active: 1 });
// Bursts of answers share reads of these records (db/readCache.ts); every write drops them.
memberSchema.plugin(invalidatesReadCache);

export type PendingRole = InferSchemaType<typeof pendingRoleSchema>;
export type StatusChange = InferSchemaType<typeof statusChangeSchema>;
export type Exemption = InferSchemaType<typeof exemptionSchema>;
export type MemberProfile = InferSchemaType<typeof profileSchema>;
export type TransferOut = InferSchemaType<typeof transferOutSchema>;
export type TransferIn = InferSchemaType<typeof transferInSchema>;

/** The prefix of the key of a person on no chat: never an open id, so never sent to. */
export const OFFLINE_KEY_PREFIX = "offline_";
export const isOfflineKey = (openId: string) => openId.startsWith(OFFLINE_KEY_PREFIX);
export type Member = InferSchemaType<typeof memberSchema>;
export const memberModel = (connection: Connection) => connection.model("Member", memberSchema, "members");
