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

const refreshRequest = (subject: CardSubject, messageId: string) => ({
  messageId,
  branchId: subject.branchId,
  render: { type: subject.kind, id: subject.id },
  description: `${subject.label} 卡片刷新`,
});

/**
 * Has the card re-rendered from the database and PATCHed: the request is in the outbox when this
 * resolves (a cancel or a close, which the card must show even if the process dies next).
 */
export async function refreshCard(
  deps: Pick<AppDeps, "models" | "clock" | "delivery">,
  subject: CardSubject,
) {
  // Not sent yet: it will be rendered with the latest state when it is.
  if (!subject.cardMessageId) return;
  await requestCardRefresh(deps.models, deps.clock, refreshRequest(subject, subject.cardMessageId));
  deps.delivery.wake();
}

/**
 * The same off the caller's path, for answers (参加, 签到, 已学习): returns at once, and a burst of
 * answers becomes one outbox write and one PATCH (delivery/cardRefresh.ts).
 */
export function refreshCardSoon(deps: Pick<AppDeps, "delivery">, subject: CardSubject): void {
  if (!subject.cardMessageId) return;
  deps.delivery.refreshCard(refreshRequest(subject, subject.cardMessageId));
}
