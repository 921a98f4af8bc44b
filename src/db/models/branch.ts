import { Schema, type Connection, type InferSchemaType } from "mongoose";

/**
 * A pending request to join an organisation. `orgId` is null for a request naming an
 * organisation that does not exist (yet): free-text parents from before organisations were
 * records; it is linked when an admin creates an organisation of that name.
 */
const orgRequestSchema = new Schema(
  {
    id: { type: String, required: true },
    orgId: { type: String, default: null },
    orgName: { type: String, required: true },
    requestedBy: { type: String, required: true },
    requestedAt: { type: Date, required: true },
    migrated: { type: Boolean, default: false },
  },
  { _id: false },
);

/**
 * Per-branch switches for the bot's own nudges (src/domain/settings.ts names them and their
 * commands). A missing field is the default (on).
 */
const branchSettingsSchema = new Schema(
  {
    politicalBirthday: { type: Boolean, default: true }, // 政治生日 greetings
    developmentReminders: { type: Boolean, default: true }, // 发展党员 digest and reminders
    thoughtReportReminders: { type: Boolean, default: false }, // 思想汇报 reminder to the person
    transferReminders: { type: Boolean, default: true }, // 转接: letter expired without 回执
    branchHealth: { type: Boolean, default: true }, // 支部体检 findings to the secretaries
  },
  { _id: false },
);

/** The committee's last election (换届) and its term in years (/设置 换届). */
const committeeTermSchema = new Schema(
  {
    electedAt: { type: Date, required: true },
    years: { type: Number, required: true },
    by: { type: String, required: true },
  },
  { _id: false },
);

/** A branch health finding already sent to the secretaries (its key and the state it was in). */
const healthReportedSchema = new Schema(
  { key: { type: String, required: true }, signature: { type: String, default: "" } },
  { _id: false },
);

/** A 党支部 bound to one group chat, a member of at most one organisation (`orgId`). */
const branchSchema = new Schema(
  {
    _id: { type: String, required: true }, // short id, e.g. "B3"
    seq: { type: Number, required: true, unique: true },
    name: { type: String, required: true },
    chatId: { type: String, required: true, unique: true },
    /** The organisation (党委 / 总支) it belongs to, set only by an approved request. */
    orgId: { type: String, default: null },
    /** Its pending request to join one, if any. */
    orgRequest: { type: orgRequestSchema, default: null },
    /** Legacy free text (上级=… before organisations were records): migrated to `orgRequest` at start. */
    parentOrg: { type: String, default: null },
    createdBy: { type: String, required: true },
    settings: { type: branchSettingsSchema, default: () => ({}) },
    committeeTerm: { type: committeeTermSchema, default: null },
    /** The findings of the last daily health check that were reported (sent once per change). */
    healthReported: { type: [healthReportedSchema], default: [] },
  },
  { timestamps: true, versionKey: false },
);

branchSchema.index({ orgId: 1 });

export type BranchSettings = InferSchemaType<typeof branchSettingsSchema>;
export type CommitteeTerm = InferSchemaType<typeof committeeTermSchema>;
export type OrgRequest = InferSchemaType<typeof orgRequestSchema>;
/** `settings` etc. may be missing on documents from before they existed (every switch then defaults). */
export type Branch = Omit<
  InferSchemaType<typeof branchSchema>,
  "settings" | "committeeTerm" | "healthReported"
> & {
  _id: string;
  settings?: Partial<BranchSettings> | null;
  committeeTerm?: CommitteeTerm | null;
  healthReported?: { key: string; signature?: string | null }[];
};
export const branchModel = (connection: Connection) => connection.model("Branch", branchSchema, "branches");
