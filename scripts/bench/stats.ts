/** Nearest-rank percentile (p in 0..100) of unsorted samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
  /** First request sent to last answer read. */
  batchMs: number;
}

export function summarise(latencies: number[], batchMs: number): LatencySummary {
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
    batchMs,
  };
}

/** The median of each figure across runs. */
export function medianSummary(runs: LatencySummary[]): LatencySummary {
  return {
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    max: median(runs.map((r) => r.max)),
    batchMs: median(runs.map((r) => r.batchMs)),
  };
}

export const fmt = (ms: number, width = 8) => ms.toFixed(1).padStart(width);
