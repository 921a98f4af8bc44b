import { Schema, type Connection, type InferSchemaType } from "mongoose";

/**
 * A lease on one occurrence of a scheduled job: `_id` = `${job}:${occurrence ISO}`. The unique
 * id lets exactly one instance run each occurrence; old leases expire.
 */
const jobRunSchema = new Schema(
  {
    _id: { type: String, required: true },
    job: { type: String, required: true },
    occurrence: { type: Date, required: true },
    instance: { type: String, required: true },
    status: { type: String, enum: ["running", "done", "failed"], default: "running" },
    startedAt: { type: Date, required: true },
    finishedAt: { type: Date, default: null },
    error: { type: String, default: null },
  },
  { versionKey: false },
);
jobRunSchema.index({ job: 1, occurrence: -1 });
// Deleted after 14 days by the expire-records job.
jobRunSchema.index({ startedAt: 1 });

export type JobRun = InferSchemaType<typeof jobRunSchema> & { _id: string };
export const jobRunModel = (connection: Connection) => connection.model("JobRun", jobRunSchema, "job_runs");
