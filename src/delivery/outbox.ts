import { createHash } from "node:crypto";
import { isDuplicateKeyError, trusted } from "../db/connection.js";
import type { Models } from "../db/models/index.js";
import { isOfflineKey } from "../db/models/member.js";
import type { Clock } from "../domain/clock.js";
import type { OutgoingContent, Target } from "../lark/types.js";

/** What a card-refresh item renders at send time (looked up in the worker's renderer registry). */
export interface RenderSpec {
  type: string; // e.g. "meeting"
  id: string; // e.g. "M12"
}

/** Lark keeps a message `uuid` for an hour and drops a second create with it; ≤ 50 chars. */
export function larkUuid(key: string): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 40);
}

/** What to do once a message is sent (looked up in the worker's hook registry). */
export interface SentHook {
  type: string; // e.g. "meeting-card"
  id: string;
}

export interface MessageRequest {
  /** Idempotency key, e.g. `meeting:M12:remind:T-24h`. */
  key: string;
  branchId: string | null;
  target: Target;
  /** Fixed content, or a card rendered when it is sent (so it shows the state of that moment). */
  content: OutgoingContent | { render: RenderSpec };
  onSent?: SentHook;
  /** Human-readable, shown by /reminders (Chinese). */
  description: string;
  /** Not sent before this time (default: now). */
  notBefore?: Date;
  /** Sent as a reply to this message (in `target`'s chat) instead of a new message. */
  replyTo?: string;
}

/** Why an item for a person on no chat is never sent (its `lastError`, shown to operators). */
export const OFFLINE_REFUSAL = "收件人未使用飞书（offline_ 名册键），不发送；请书记当面提醒";

/** True for a private target that is our key for a person on no chat, never an open id. */
export function isOfflineTarget(target: Target | null | undefined): boolean {
  return Boolean(target && "openId" in target && target.openId && isOfflineKey(target.openId));
}

/**
 * Writes a message to the outbox; a second call with the same key is a no-op (returns false).
 * A private message to a person on no chat (`offline_…`) is refused: it is recorded under its
 * key as cancelled with the reason (the record is the log), never sent, and false is returned.
 */
export async function enqueueMessage(
  models: Models,
  clock: Clock,
  request: MessageRequest,
): Promise<boolean> {
  const offline = isOfflineTarget(request.target);
  try {
    await models.Outbox.create({
      _id: request.key,
      kind: "message",
      ...(offline ? { status: "cancelled", lastError: OFFLINE_REFUSAL } : {}),
      branchId: request.branchId,
      description: request.description,
      target: request.target,
      content: "render" in request.content ? null : request.content,
      render: "render" in request.content ? request.content.render : null,
      onSent: request.onSent ?? null,
      replyTo: request.replyTo ?? null,
      uuid: larkUuid(request.key),
      notBefore: request.notBefore ?? clock.now(),
      createdAt: clock.now(),
    });
    return !offline;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}

/**
 * Asks for a card to be re-rendered and patched. One outbox item per card: requests that arrive
 * while one is pending or being sent only bump `requested`, so a burst of answers becomes one
 * PATCH carrying the latest state (rendered at send time).
 */
export async function requestCardRefresh(
  models: Models,
  clock: Clock,
  request: { messageId: string; branchId: string | null; render: RenderSpec; description: string },
): Promise<void> {
  const now = clock.now();
  const key = `card:${request.messageId}`;
  const update = {
    $inc: { requested: 1 },
    $set: { status: "pending", notBefore: now, attempts: 0, render: request.render },
    $setOnInsert: {
      kind: "card-refresh",
      branchId: request.branchId,
      description: request.description,
      messageId: request.messageId,
      uuid: larkUuid(key),
      createdAt: now,
    },
  };
  try {
    await models.Outbox.updateOne({ _id: key }, update, { upsert: true });
  } catch (error) {
    // Two first requests raced to insert: the loser's request is an update of the winner's item.
    if (!isDuplicateKeyError(error)) throw error;
    await models.Outbox.updateOne({ _id: key }, update);
  }
}

/** Drops what is still waiting under a key prefix (e.g. `meeting:M12:` when M12 is cancelled). */
export async function cancelPending(models: Models, keyPrefix: string): Promise<number> {
  const escaped = keyPrefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const result = await models.Outbox.updateMany(
    { _id: trusted({ $regex: `^${escaped}` }), status: "pending" },
    { $set: { status: "cancelled" } },
  );
  return result.modifiedCount;
}

/** Key of the n-th reply (1-based) to a command message, or of its failure notice. */
export const replyKey = (messageId: string, n: number | "failed"): string => `reply:${messageId}:${n}`;

/**
 * A command's answer, through the outbox like every other send: written under
 * `reply:<message_id>:<n>` (so a command that runs again after a crash or a failed attempt never
 * answers twice), then sent at once by `deliver` if the rate limits allow, else by the worker.
 * A failed send is retried by the worker: it never makes the command run again.
 */
export async function enqueueReply(
  deps: {
    models: Models;
    clock: Clock;
    delivery: { wake(): unknown; deliverNow?(id: string): Promise<void> };
  },
  message: { messageId: string; chatId: string },
  n: number | "failed",
  content: OutgoingContent,
): Promise<void> {
  const key = replyKey(message.messageId, n);
  await enqueueMessage(deps.models, deps.clock, {
    key,
    branchId: null,
    target: { chatId: message.chatId },
    replyTo: message.messageId,
    content,
    description: `命令回复 ${message.messageId}`,
  });
  if (deps.delivery.deliverNow) await deps.delivery.deliverNow(key);
  else deps.delivery.wake();
}

/** Puts a dead item of the branch back in the queue (/reminders retry); false if there is none. */
export async function reviveDead(
  models: Models,
  clock: Clock,
  id: string,
  branchId: string,
): Promise<boolean> {
  const revived = await models.Outbox.updateOne(
    { _id: id, branchId, status: "dead" },
    { $set: { status: "pending", attempts: 0, notBefore: clock.now(), lastError: null, deadAt: null } },
  );
  return revived.modifiedCount === 1;
}
