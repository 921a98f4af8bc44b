import { Schema, type Connection, type InferSchemaType } from "mongoose";

/**
 * Inbox of accepted command messages, keyed by message_id. The unique _id makes a redelivery a
 * no-op; the stored payload lets work that failed after the 200 answer be retried; the
 * expire-records job deletes old records. (Card callbacks are answered at once and deduplicated in memory: events.ts.)
 */
const inboundEventSchema = new Schema(
  {
    _id: { type: String, required: true },
    kind: { type: String, enum: ["message"], required: true },
    status: { type: String, enum: ["received", "processing", "done", "failed"], default: "received" },
    claimedAt: { type: Date, default: null },
    /**
     * A claim is a lease: the running instance (`owner`) renews `leaseUntil` while the command
     * runs; an item still "processing" after its lease lapsed is taken over by the recovery sweep.
     */
    leaseUntil: { type: Date, default: null },
    owner: { type: String, default: null },
    /** A failed attempt is tried again from this time on. */
    retryAt: { type: Date, default: null },
    /** Where the command came from and its first words (never its arguments), for /reminders. */
    chatId: { type: String, default: null },
    summary: { type: String, default: "" },
    attempts: { type: Number, default: 0 },
    payload: { type: Schema.Types.Mixed, default: null },
    error: { type: String, default: null },
    receivedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
// Old records are deleted by the expire-records job (src/jobs/expireRecords.ts), not a TTL index.
inboundEventSchema.index({ receivedAt: 1 });
inboundEventSchema.index({ status: 1, receivedAt: 1 });
inboundEventSchema.index({ chatId: 1, status: 1 });

export type InboundEvent = InferSchemaType<typeof inboundEventSchema> & { _id: string };
export const inboundEventModel = (connection: Connection) =>
  connection.model("InboundEvent", inboundEventSchema, "inbound_events");
