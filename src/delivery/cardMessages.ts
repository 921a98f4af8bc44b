import type { AppDeps } from "../deps.js";
import { enqueueMessage, requestCardRefresh } from "./outbox.js";

type CardDeps = Pick<AppDeps, "models" | "clock" | "config">;

/**
 * One kind of shared card (a meeting's, a study task's): how the worker loads its record, renders
 * the card at send time and records the message that shows it. One file per kind defines it with
 * `defineCardKind`; cardKinds.ts lists them. Stored outbox items name a kind by `kind` (render
 * type) and `${kind}-card` (sent hook), so a kind's name never changes.
 */
export interface CardKind<R = unknown> {
  kind: string;
  load(deps: CardDeps, id: string): Promise<R | null>;
  render(deps: CardDeps, record: R): Promise<object>;
  onSent(deps: CardDeps, id: string, messageId: string): Promise<void>;
}

export function defineCardKind<R>(kind: CardKind<R>): CardKind {
  return kind as unknown as CardKind;
}

/** A record shown on a shared card in its branch chat (a meeting, a study task). */
export interface CardSubject {
  /** Renderer and sent-hook name: "meeting" renders with the "meeting" renderer. */
  kind: string;
  id: string;
  branchId: string;
  chatId: string;
  cardMessageId?: string | null;
  /** "会议 M12", "学习 S3": for /reminders and dead-letter notices. */
  label: string;
}

/**
 * Posts the card to the branch chat, once: the outbox key makes a second request (a redelivered
 * command, a double-clicked form) a no-op, and the card is rendered when it is sent, so it
 * already shows any answers given meanwhile. The sent hook `${kind}-card` records its message id.
 */
export async function announceCard(deps: AppDeps, subject: CardSubject): Promise<void> {
  if (subject.cardMessageId) return;
  await enqueueMessage(deps.models, deps.clock, {
    key: `${subject.kind}:${subject.id}:card`,
    branchId: subject.branchId,
    target: { chatId: subject.chatId },
    content: { render: { type: subject.kind, id: subject.id } },
    onSent: { type: `${subject.kind}-card`, id: subject.id },
    description: `${subject.label} 卡片`,
  });
  deps.delivery.wake();
}

/** A refresh request written for a card within this window serves every answer given meanwhile. */
const REFRESH_BATCH_MS = 10;
const queuedRefreshes = new WeakMap<object, Map<string, Promise<void>>>();

/**
 * Re-renders the card from the database soon; bursts of answers become one PATCH. Concurrent
 * requests for one card in this process share one outbox write: each caller's own change is
 * already in the database when it joins, and the shared write (which tells the worker a newer
 * state exists) happens after the window, so the PATCH that follows shows every joined change.
 */
export function refreshCard(deps: AppDeps, subject: CardSubject): Promise<void> {
  const messageId = subject.cardMessageId;
  // Not sent yet: it will be rendered with the latest state when it is.
  if (!messageId) return Promise.resolve();
  let queued = queuedRefreshes.get(deps.models);
  if (!queued) queuedRefreshes.set(deps.models, (queued = new Map()));
  const waiting = queued.get(messageId);
  if (waiting) return waiting;
  const request = new Promise<void>((resolve) => setTimeout(resolve, REFRESH_BATCH_MS)).then(async () => {
    queued.delete(messageId);
    await requestCardRefresh(deps.models, deps.clock, {
      messageId,
      branchId: subject.branchId,
      render: { type: subject.kind, id: subject.id },
      description: `${subject.label} 卡片刷新`,
    });
    deps.delivery.wake();
  });
  queued.set(messageId, request);
  return request;
}
