import type { Connection } from "mongoose";
import { createApp } from "./app.js";
import type { Config } from "./env.js";
import { createModels, syncIndexes } from "./db/models/index.js";
import { numberUnnumberedMeetings } from "./domain/meetingNumbers.js";
import type { AppDeps } from "./deps.js";
import { DELIVERY_MAX_ATTEMPTS, LARK_RATE_LIMITS, RATE_SAFETY_MS } from "../config/delivery.js";
import { loadDuesRules } from "../config/dues.js";
import { createSecretBox, parseDuesKey } from "./domain/secretBox.js";
import { cardRenderers, cardSentHooks } from "./delivery/cardKinds.js";
import { RateLimiter } from "./delivery/rateLimiter.js";
import { createDeliveryWorker } from "./delivery/worker.js";
import type { Clock } from "./domain/clock.js";
import { createDispatcher } from "./lark/dispatcher.js";
import type { LarkApi } from "./lark/types.js";
import type { Logger } from "./logger.js";
import { createEventHandlers } from "./events.js";
import { createInbox } from "./inbox.js";
import { findOrgById, migrateParentOrgs } from "./domain/orgs.js";
import { sendJoinCards } from "./usecases/organisation.js";
import { processIdentity, takeOverOwnClaims } from "./instance.js";
import { bindMetricSources, createMetrics, type Metrics } from "./metrics.js";
import { instrumentLarkApi } from "./lark/instrumented.js";

/** Wires the bot from its parts; main.ts, the tests and the benchmark all build it here. */
export async function buildBot(options: {
  config: Config;
  connection: Connection;
  lark: LarkApi;
  clock: Clock;
  logger: Logger;
  /** Shared with other workers in this process (the benchmark); one per bot by default. */
  limiter?: RateLimiter;
  /** A registry of this bot's own by default (so test bots never share series). */
  metrics?: Metrics;
  /** Reported by /healthz as `lark: up|down` (main.ts keeps it current). */
  larkStatus?: { up: boolean };
}) {
  const models = createModels(options.connection);
  await syncIndexes(models);
  const metrics = options.metrics ?? createMetrics();
  bindMetricSources(metrics, { models, connection: options.connection });
  const base = {
    config: options.config,
    models,
    lark: instrumentLarkApi(options.lark, metrics),
    clock: options.clock,
    logger: options.logger,
    metrics,
  };
  const identity = processIdentity(options.config);
  const delivery = createDeliveryWorker({
    ...base,
    instanceId: identity.owner,
    limiter: options.limiter ?? new RateLimiter({ safetyMs: RATE_SAFETY_MS }),
    limits: LARK_RATE_LIMITS,
    share: options.config.ZHIBU_INSTANCES,
    maxAttempts: DELIVERY_MAX_ATTEMPTS,
    renderers: cardRenderers(base),
    hooks: cardSentHooks(base),
  });
  const key = options.config.ZHIBU_DUES_KEY;
  const dues = {
    rules: loadDuesRules(options.config.ZHIBU_DUES_RULES_FILE),
    box: key ? createSecretBox(parseDuesKey(key)) : null,
  };
  const deps: AppDeps = { ...base, delivery, dues };
  await migrateParentOrgsAtStart(deps);
  // Meetings from before per-branch numbers get them (M1, M2 … in the order they were created).
  const numbered = await numberUnnumberedMeetings(models);
  if (numbered > 0) deps.logger.info({ meetings: numbered }, "meetings numbered per branch");
  const inbox = createInbox(deps, { owner: identity.owner });
  const dispatcher = createDispatcher(options.config, createEventHandlers(deps, inbox), options.logger);
  const app = createApp(deps, dispatcher, options.connection, options.larkStatus);
  return {
    deps,
    metrics,
    inbox,
    dispatcher,
    app,
    delivery,
    identity,
    /** After a restart, once this process holds its port: see src/instance.ts. */
    takeOverOwnClaims: () => takeOverOwnClaims(models, identity),
  };
}

/**
 * Free-text parents (上级=… from before organisations were records) become pending requests,
 * never memberships; those naming an existing organisation are sent for approval. Idempotent:
 * safe on every start and on several instances at once.
 */
async function migrateParentOrgsAtStart(deps: AppDeps): Promise<void> {
  const linked = await migrateParentOrgs(deps.models, deps.clock.now());
  for (const branch of linked) {
    const org = await findOrgById(deps.models, branch.orgRequest!.orgId!);
    if (org) await sendJoinCards(deps, branch, org, branch.orgRequest!);
  }
  if (linked.length > 0) deps.logger.info({ requests: linked.length }, "free-text parents sent for approval");
}

export type Bot = Awaited<ReturnType<typeof buildBot>>;
