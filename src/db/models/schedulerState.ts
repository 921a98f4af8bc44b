import { Schema, type Connection, type InferSchemaType } from "mongoose";

/**
 * What the scheduler keeps for ever (JobRun leases expire after 14 days): `_id: "first-start"`,
 * `at` = when the bot's scheduler first started on this database. Catch-up runs only occurrences
 * after it, so a fresh install catches up nothing.
 */
const schedulerStateSchema = new Schema(
  {
    _id: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);

export type SchedulerState = InferSchemaType<typeof schedulerStateSchema> & { _id: string };
export const schedulerStateModel = (connection: Connection) =>
  connection.model("SchedulerState", schedulerStateSchema, "scheduler_state");
