import type { DuesRules } from "../config/dues.js";
import type { Config } from "./env.js";
import type { SecretBox } from "./domain/secretBox.js";
import type { Models } from "./db/models/index.js";
import type { Clock } from "./domain/clock.js";
import type { LarkApi } from "./lark/types.js";
import type { Logger } from "./logger.js";
import type { Metrics } from "./metrics.js";
import type { CardRefreshRequest } from "./delivery/cardRefresh.js";

/** What every handler may use; built once in main.ts (or by a test) and passed down. */
export interface AppDeps {
  config: Config;
  models: Models;
  lark: LarkApi;
  clock: Clock;
  logger: Logger;
  /**
   * The outbox worker: woken after something is enqueued, deliverNow() for an answer a person is
   * waiting for, refreshCard() to have a card re-rendered soon (delivery/cardRefresh.ts), idle()
   * for tests and shutdown.
   */
  delivery: {
    wake(): unknown;
    idle(): Promise<void>;
    deliverNow?(id: string): Promise<void>;
    refreshCard(request: CardRefreshRequest): void;
  };
  /** The dues rule table, and the box sealing incomes (null without ZHIBU_DUES_KEY). */
  dues: { rules: DuesRules; box: SecretBox | null };
  /** Prometheus metrics (src/metrics.ts); buildBot always sets them, hand-built deps may not. */
  metrics?: Metrics;
}
