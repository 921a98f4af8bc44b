import type { AppDeps } from "../deps.js";
import type { CardKind } from "./cardMessages.js";
import { meetingCardKind } from "./meetingCard.js";
import { studyCardKind } from "./studyCard.js";
import type { CardRenderer, SentHookHandler } from "./worker.js";

/** The registry of shared card kinds. A new kind: one file defining it, one line here. */
export const CARD_KINDS: readonly CardKind[] = [meetingCardKind, studyCardKind];

type CardDeps = Pick<AppDeps, "models" | "clock" | "config">;

/** The worker's renderers, by kind: null when the record is gone (nothing left to show). */
export function cardRenderers(deps: CardDeps, kinds = CARD_KINDS): Record<string, CardRenderer> {
  return Object.fromEntries(
    kinds.map((kind) => [
      kind.kind,
      async ({ id }: { id: string }) => {
        const record = await kind.load(deps, id);
        return record === null ? null : kind.render(deps, record);
      },
    ]),
  );
}

/** The worker's sent hooks, by `${kind}-card`. */
export function cardSentHooks(deps: CardDeps, kinds = CARD_KINDS): Record<string, SentHookHandler> {
  return Object.fromEntries(
    kinds.map((kind) => [
      `${kind.kind}-card`,
      (id: string, messageId: string) => kind.onSent(deps, id, messageId),
    ]),
  );
}
