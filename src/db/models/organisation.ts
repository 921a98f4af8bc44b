import { Schema, type Connection, type InferSchemaType } from "mongoose";

/**
 * A 党委 / 总支: a record of its own, created by an admin (ZHIBU_ADMINS), with its own
 * secretaries. A branch belongs to it only once one of them (or an admin) approved its request.
 */
const organisationSchema = new Schema(
  {
    _id: { type: String, required: true }, // short id, e.g. "O2"
    seq: { type: Number, required: true, unique: true },
    name: { type: String, required: true, unique: true },
    /** open_ids of the organisation's secretaries (they may run its roll-up and approve branches). */
    secretaries: { type: [String], default: [] },
    createdBy: { type: String, required: true },
  },
  { timestamps: true, versionKey: false },
);
organisationSchema.index({ secretaries: 1 });

export type Organisation = InferSchemaType<typeof organisationSchema> & { _id: string };
export const organisationModel = (connection: Connection) =>
  connection.model("Organisation", organisationSchema, "organisations");
