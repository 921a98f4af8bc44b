import type { Logger } from "../logger.js";

/**
 * Coalesces card updates: many answers within a short window become one PATCH with the latest
 * state, and no card is patched more often than `minIntervalMs` (Lark allows 5 PATCH/s per card).
 * The card is rendered at send time, so the PATCH always carries the newest state.
 */
export class CardRefresher {
  private readonly states = new Map<string, { running: boolean; dirty: boolean; lastAt: number }>();
  private readonly idleWaiters: (() => void)[] = [];

  constructor(
    private readonly patch: (messageId: string, card: object) => Promise<void>,
    private readonly logger: Logger,
    private readonly minIntervalMs = 250,
  ) {}

  /** Asks for `messageId` to be re-rendered and patched soon; `render` returns null to skip. */
  schedule(messageId: string, render: () => Promise<object | null>): void {
    const state = this.states.get(messageId) ?? { running: false, dirty: false, lastAt: 0 };
    this.states.set(messageId, state);
    state.dirty = true;
    if (!state.running) void this.drain(messageId, state, render);
  }

  private async drain(
    messageId: string,
    state: { running: boolean; dirty: boolean; lastAt: number },
    render: () => Promise<object | null>,
  ): Promise<void> {
    state.running = true;
    try {
      while (state.dirty) {
        const wait = state.lastAt + this.minIntervalMs - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        state.dirty = false;
        state.lastAt = Date.now();
        try {
          const card = await render();
          if (card) await this.patch(messageId, card);
        } catch (error) {
          this.logger.error({ err: error, messageId }, "card refresh failed");
        }
      }
    } finally {
      state.running = false;
      this.states.delete(messageId);
      if (this.states.size === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
    }
  }

  /** Resolves when no refresh is pending (tests, graceful stop). */
  idle(): Promise<void> {
    if (this.states.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
