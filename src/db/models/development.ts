import { Schema, type Connection, type InferSchemaType } from "mongoose";

/** The steps of 发展党员, in order (src/domain/development.ts names them and checks the rules). */
export const DEVELOPMENT_STEPS = [
  "application", // 入党申请
  "talk", // 谈话
  "activist", // 确定入党积极分子 (培养联系人)
  "assessment", // 考察 (half-yearly, repeated)
  "report", // 思想汇报 (each one handed in)
  "target", // 确定发展对象
  "review", // 政治审查
  "training", // 集中培训 (days, 学时)
  "meeting", // 支部大会讨论接收 (result)
  "approval", // 上级审批
  "oath", // 入党宣誓
  "extension", // 延长预备期 (months)
  "full", // 转正
  "cancel", // 取消预备党员资格
] as const;
export type DevelopmentStep = (typeof DEVELOPMENT_STEPS)[number];

/** A time rule a secretary overrode for this step, with the reason (shown in the timeline and ledger). */
const overrideSchema = new Schema(
  {
    ruleId: { type: String, required: true },
    message: { type: String, required: true }, // the refusal as it would have read
    reason: { type: String, required: true },
  },
  { _id: false },
);

/** One step recorded: the day it happened, who recorded it and when, and its details. */
const stepSchema = new Schema(
  {
    id: { type: String, required: true },
    step: { type: String, enum: DEVELOPMENT_STEPS, required: true },
    date: { type: Date, required: true }, // the day (local midnight in the branch's zone)
    by: { type: String, required: true }, // open id of who recorded it
    at: { type: Date, required: true },
    notes: { type: String, default: "" },
    documents: { type: [String], default: [] }, // names only (入党志愿书 …); no scans are stored
    contacts: { type: [String], default: [] }, // 培养联系人 (open ids), on 确定积极分子
    days: { type: Number, default: null }, // 集中培训
    hours: { type: Number, default: null }, // 集中培训 学时
    passed: { type: Boolean, default: null }, // 支部大会 / 上级审批 result
    months: { type: Number, default: null }, // 延长预备期
    overrides: { type: [overrideSchema], default: [] },
    /** What recorded it, for a form card `form:<message id>`: a second submit records nothing. */
    sourceKey: { type: String, default: null },
  },
  { _id: false },
);

/**
 * The development record of one person in one branch (a member with status applicant, activist,
 * target or probationary, possibly on no chat). Steps are only appended, by a compare-and-set on
 * `rev`.
 */
const developmentSchema = new Schema(
  {
    branchId: { type: String, required: true },
    openId: { type: String, required: true },
    steps: { type: [stepSchema], default: [] },
    rev: { type: Number, default: 0 },
  },
  { timestamps: true, versionKey: false },
);
developmentSchema.index({ branchId: 1, openId: 1 }, { unique: true });

export type DevelopmentStepRecord = InferSchemaType<typeof stepSchema>;
export type DevelopmentOverride = InferSchemaType<typeof overrideSchema>;
export type Development = InferSchemaType<typeof developmentSchema>;
export const developmentModel = (connection: Connection) =>
  connection.model("Development", developmentSchema, "developments");
