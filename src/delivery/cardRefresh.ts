import type { Models } from "../db/models/index.js";
import type { Clock } from "../domain/clock.js";
import type { Logger } from "../logger.js";
import { requestCardRefresh, type RenderSpec } from "./outbox.js";

/** Quiet time after a card's last answer before its refresh request is written. */
export const REFRESH_QUIET_MS = 100;
/** A card answered without a pause is still refreshed at least this often. */
export const REFRESH_MAX_WAIT_MS = 1_000;

export interface CardRefreshRequest {
  messageId: string;
  branchId: string | null;
  render: RenderSpec;
  description: string;
}

interface Waiting {
  request: CardRefreshRequest;
  /** When the first request of this round came (performance.now()). */
  since: number;
  timer: NodeJS.Timeout;
}

/**
 * Card refreshes off the answer's path: an answer asks for its card to be refreshed and is
 * answered at once; the requests for one card within a round (until REFRESH_QUIET_MS pass
 * without one, at most REFRESH_MAX_WAIT_MS) become one outbox write, after which the worker
 * renders the card from the database and PATCHes it. Every answer of the round was stored before
 * it asked, so the render, later than the write, shows them all. `flush()` writes what is waiting
 * at once and resolves when every write has ended (the worker's idle(): tests and graceful stop).
 * A process killed within a round loses only the request: the next start refreshes the cards
 * answered in the last hour (cardKinds.ts `refreshRecentlyAnsweredCards`).
 */
export function createCardRefresher(options: {
  models: Models;
  clock: Clock;
  logger: Logger;
  /** Wakes the outbox worker after a request was written. */
  wake: () => unknown;
}) {
  const waiting = new Map<string, Waiting>();
  const writes = new Set<Promise<void>>();

  function write(messageId: string): void {
    const entry = waiting.get(messageId);
    if (!entry) return;
    clearTimeout(entry.timer);
    waiting.delete(messageId);
    const work = requestCardRefresh(options.models, options.clock, entry.request)
      .then(() => void options.wake())
      .catch((error: unknown) =>
        // The answers are stored; the card shows them at its next refresh.
        options.logger.error({ err: error, messageId }, "could not request a card refresh"),
      );
    writes.add(work);
    void work.finally(() => writes.delete(work));
  }

  return {
    /** Refreshes the card soon; returns at once. */
    request(request: CardRefreshRequest): void {
      const now = performance.now();
      const entry = waiting.get(request.messageId);
      const since = entry?.since ?? now;
      if (entry) clearTimeout(entry.timer);
      const delay = Math.max(0, Math.min(REFRESH_QUIET_MS, since + REFRESH_MAX_WAIT_MS - now));
      const timer = setTimeout(() => write(request.messageId), delay);
      waiting.set(request.messageId, { request, since, timer });
    },
    /** Writes every waiting request now; resolves when all writes have ended. */
    async flush(): Promise<void> {
      for (const messageId of [...waiting.keys()]) write(messageId);
      while (writes.size > 0) await Promise.allSettled([...writes]);
    },
    /** Cards with a refresh not yet written (tests). */
    get waiting(): number {
      return waiting.size;
    },
  };
}

export type CardRefresher = ReturnType<typeof createCardRefresher>;
