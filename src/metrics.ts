import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Connection } from "mongoose";
import type { Models } from "./db/models/index.js";

/** Latency buckets (seconds) for commands and card actions: Lark waits 3 s for a card answer. */
const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30];

/** Outbox statuses counted on each scrape (depth = pending + sending; dead letters = dead). */
const OUTBOX_STATUSES = ["pending", "sending", "dead"] as const;

/**
 * The bot's Prometheus metrics (GET /metrics), on a registry of its own: every bot built (each test
 * bot, each benchmark bot) has its own, so nothing is shared through prom-client's global registry.
 * Counters are incremented where things happen; gauges that read the database are collected on
 * scrape (bindMetricSources). Every label has a bounded set of values: command and action names
 * come from the registries, Lark APIs are method names, never URLs or ids.
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  /** Where the scrape-time gauges read from (bindMetricSources); none until the bot is built. */
  const sources: { current: MetricSources | null } = { current: null };
  return {
    registry,
    sources,
    events: new Counter({
      name: "zhibu_events_total",
      help: "Lark events handled, by kind (message, card) and outcome",
      labelNames: ["kind", "outcome"] as const,
      registers,
    }),
    commandSeconds: new Histogram({
      name: "zhibu_command_duration_seconds",
      help: "Time to run a command, by command and outcome",
      labelNames: ["command", "outcome"] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    cardActionSeconds: new Histogram({
      name: "zhibu_card_action_duration_seconds",
      help: "Time to answer a card callback, by action and outcome",
      labelNames: ["action", "outcome"] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    larkRateLimited: new Counter({
      name: "zhibu_lark_rate_limited_total",
      help: "Lark API calls answered 429 / 99991400, by API",
      labelNames: ["api"] as const,
      registers,
    }),
    larkErrors: new Counter({
      name: "zhibu_lark_errors_total",
      help: "Lark API calls that failed otherwise (error code, HTTP error, network), by API",
      labelNames: ["api"] as const,
      registers,
    }),
    jobRuns: new Counter({
      name: "zhibu_job_runs_total",
      help: "Scheduled job occurrences, by job and outcome (ran, taken by another instance, failed)",
      labelNames: ["job", "outcome"] as const,
      registers,
    }),
    larkConnectionUp: new Gauge({
      name: "zhibu_lark_connection_up",
      help: "1 while the Lark long connection is open (always 1 in webhook mode), else 0",
      registers,
    }),
    outboxItems: new Gauge({
      name: "zhibu_outbox_items",
      help: "Outbox items by status: pending and sending (the depth), dead (dead letters)",
      labelNames: ["status"] as const,
      registers,
      async collect() {
        const from = sources.current;
        if (!from || from.connection.readyState !== 1) return;
        const counts = await Promise.all(
          OUTBOX_STATUSES.map((status) => from.models.Outbox.countDocuments({ status }).catch(() => null)),
        );
        OUTBOX_STATUSES.forEach((status, i) => {
          const count = counts[i];
          if (typeof count === "number") this.set({ status }, count);
        });
      },
    }),
    dbUp: new Gauge({
      name: "zhibu_db_up",
      help: "1 when the database connection is open (mongoose readyState 1), else 0",
      registers,
      collect() {
        this.set(sources.current?.connection.readyState === 1 ? 1 : 0);
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

export interface MetricSources {
  models: Models;
  connection: Connection;
}

/** The gauges read on scrape: outbox counts (one indexed count per status) and the connection state. */
export function bindMetricSources(metrics: Metrics, sources: MetricSources): void {
  metrics.sources.current = sources;
}

/** Seconds since `startedMs` (a performance.now() reading), for the histograms. */
export const secondsSince = (startedMs: number): number => (performance.now() - startedMs) / 1000;
