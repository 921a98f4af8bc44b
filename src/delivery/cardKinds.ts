import type { AppDeps } from "../deps.js";
import type { CardKind } from "./cardMessages.js";
import { meetingCardKind, refreshMeetingsAnsweredSince } from "./meetingCard.js";
import { refreshStudiesConfirmedSince, studyCardKind } from "./studyCard.js";
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

/** How far back a start looks for answers whose card refresh a killed process may have lost. */
export const CARD_RECOVERY_WINDOW_MS = 60 * 60_000;

/**
 * After a start: the cards answered within CARD_RECOVERY_WINDOW_MS are refreshed once, since a
 * refresh waits in memory for its round and a killed process lost it. Returns how many.
 */
export async function refreshRecentlyAnsweredCards(
  deps: Pick<AppDeps, "models" | "clock" | "delivery">,
): Promise<number> {
  const since = new Date(deps.clock.now().getTime() - CARD_RECOVERY_WINDOW_MS);
  return (
    (await refreshMeetingsAnsweredSince(deps, since)) + (await refreshStudiesConfirmedSince(deps, since))
  );
}
