import { Schema, type Connection } from "mongoose";

/**
 * A roster import waiting for the secretary (确认导入 / 取消): the plan computed from the file
 * (ops: new people and field changes), the rows with errors, and who is missing from the file.
 * Its id is made from the file message's id, so a redelivered message stores nothing twice.
 */
const rosterImportSchema = new Schema(
  {
    _id: { type: String, required: true },
    branchId: { type: String, required: true },
    by: { type: String, required: true },
    fileName: { type: String, default: "" },
    state: { type: String, enum: ["pending", "applied", "cancelled"], required: true },
    createdAt: { type: Date, required: true },
    ops: { type: [Schema.Types.Mixed], default: [] },
    errors: { type: [Schema.Types.Mixed], default: [] },
    missing: { type: [Schema.Types.Mixed], default: [] },
    unchanged: { type: Number, default: 0 },
    decidedBy: { type: String, default: null },
    decidedAt: { type: Date, default: null },
  },
  { versionKey: false, suppressReservedKeysWarning: true },
);
rosterImportSchema.index({ branchId: 1, createdAt: -1 });

export interface RosterImportDoc {
  _id: string;
  branchId: string;
  by: string;
  fileName: string;
  state: "pending" | "applied" | "cancelled";
  createdAt: Date;
  ops: unknown[];
  errors: { row: number; message: string }[];
  missing: { openId: string; name: string }[];
  unchanged: number;
  decidedBy: string | null;
  decidedAt: Date | null;
}

export const rosterImportModel = (connection: Connection) =>
  connection.model("RosterImport", rosterImportSchema, "roster_imports");
