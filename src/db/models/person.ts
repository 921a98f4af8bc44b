import { Schema, type Connection, type InferSchemaType } from "mongoose";

/** Per-person settings: the branch their private chat with the bot acts for (/切换). */
const personSchema = new Schema(
  {
    _id: { type: String, required: true }, // open_id
    privateBranchId: { type: String, default: null },
  },
  { timestamps: true, versionKey: false },
);

export type Person = InferSchemaType<typeof personSchema> & { _id: string };
export const personModel = (connection: Connection) => connection.model("Person", personSchema, "people");
