import { Schema, type Connection, type InferSchemaType } from "mongoose";

/** A 党支部 bound to one group chat. `parentOrg` names its 党委 / 总支 for later roll-ups. */
const branchSchema = new Schema(
  {
    _id: { type: String, required: true }, // short id, e.g. "B3"
    seq: { type: Number, required: true, unique: true },
    name: { type: String, required: true },
    chatId: { type: String, required: true, unique: true },
    parentOrg: { type: String, default: null },
    createdBy: { type: String, required: true },
  },
  { timestamps: true, versionKey: false },
);

export type Branch = InferSchemaType<typeof branchSchema> & { _id: string };
export const branchModel = (connection: Connection) => connection.model("Branch", branchSchema, "branches");
