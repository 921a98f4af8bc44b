import { Schema, type Connection, type InferSchemaType } from "mongoose";

export const OUTBOX_STATUSES = ["pending", "sending", "sent", "dead", "cancelled"] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/**
 * Everything the bot sends on its own initiative, written before it is sent. `_id` is the
 * idempotency key (e.g. `meeting:M12:remind:T-24h`): enqueueing it twice is a no-op.
 * - kind "message": `target` + `content` (or a card rendered at send time from `render`) are
 *   sent once with Lark's `uuid` de-duplication.
 * - kind "card-refresh": `messageId` is patched with a card rendered at send time from
 *   `render`; `requested` counts refresh requests, so a burst becomes one PATCH.
 */
const outboxSchema = new Schema(
  {
    _id: { type: String, required: true },
    kind: { type: String, enum: ["message", "card-refresh"], required: true },
    branchId: { type: String, default: null },
    description: { type: String, default: "" },
    target: {
      type: new Schema({ chatId: String, openId: String }, { _id: false }),
      default: null,
    },
    content: { type: Schema.Types.Mixed, default: null },
    messageId: { type: String, default: null },
    render: { type: Schema.Types.Mixed, default: null },
    /** Run after a message is sent, e.g. remember the message id of a meeting card. */
    onSent: { type: Schema.Types.Mixed, default: null },
    uuid: { type: String, required: true },
    status: { type: String, enum: OUTBOX_STATUSES, default: "pending" },
    notBefore: { type: Date, required: true },
    attempts: { type: Number, default: 0 },
    requested: { type: Number, default: 1 },
    claimedAt: { type: Date, default: null },
    /**
     * A claim is a lease: the sending instance (`owner`) renews `leaseUntil` while it works; an
     * item still "sending" after its lease lapsed belongs to a dead instance and is taken over.
     */
    leaseUntil: { type: Date, default: null },
    owner: { type: String, default: null },
    /** A reply to this message (a command's answer) instead of a send to `target`. */
    replyTo: { type: String, default: null },
    /** Times this item was dead-lettered (each death tells the secretaries once). */
    deaths: { type: Number, default: 0 },
    lastError: { type: String, default: null },
    sentMessageId: { type: String, default: null },
    sentAt: { type: Date, default: null },
    deadAt: { type: Date, default: null },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
outboxSchema.index({ status: 1, notBefore: 1 });
// Due retries (attempts > 0) are taken before fresh items: both queries use this one.
outboxSchema.index({ status: 1, notBefore: 1, attempts: 1 });
// Claims and completions query by _id (and state): the _id index serves them, with no other.

// Lease renewals: every item one instance is sending.
outboxSchema.index({ owner: 1, status: 1, _id: 1 });
outboxSchema.index({ branchId: 1, status: 1, notBefore: 1 });
outboxSchema.index({ status: 1, leaseUntil: 1 });
// Sent items are kept 30 days for the record, then the expire-records job deletes them.
outboxSchema.index({ sentAt: 1 });

export type OutboxItem = InferSchemaType<typeof outboxSchema> & { _id: string };
export const outboxModel = (connection: Connection) => connection.model("Outbox", outboxSchema, "outbox");
