import { Schema, type Connection, type InferSchemaType } from "mongoose";

/**
 * Inbox of accepted command messages, keyed by message_id. The unique _id makes a redelivery a
 * no-op; the stored payload lets work that failed after the 200 answer be retried; the TTL index
 * expires old records. (Card callbacks are answered at once and deduplicated in memory: router.ts.)
 */
const inboundEventSchema = new Schema(
  {
    _id: { type: String, required: true },
    kind: { type: String, enum: ["message"], required: true },
    status: { type: String, enum: ["received", "processing", "done", "failed"], default: "received" },
    claimedAt: { type: Date, default: null },
    attempts: { type: Number, default: 0 },
    payload: { type: Schema.Types.Mixed, default: null },
    error: { type: String, default: null },
    receivedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
inboundEventSchema.index({ receivedAt: 1 }, { expireAfterSeconds: 7 * 24 * 3600 });
inboundEventSchema.index({ status: 1, receivedAt: 1 });

export type InboundEvent = InferSchemaType<typeof inboundEventSchema> & { _id: string };
export const inboundEventModel = (connection: Connection) =>
  connection.model("InboundEvent", inboundEventSchema, "inbound_events");
