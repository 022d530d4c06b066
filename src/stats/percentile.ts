/**
 * Exact percentiles of a small set of samples (a probe's 20 requests, a lab's breaker
 * profile). Large or streaming sets use the log-linear histogram (./log-linear-histogram.ts)
 * or a running quantile (./tail-quantile.ts, ./p2-quantile.ts) instead.
 */

/**
 * Nearest-rank percentile (q in 0..1) of unsorted values: the smallest value with at least
 * q of the samples at or below it. Null for no values.
 */
export function percentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rankIndex = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rankIndex) - 1]!;
}

/** Median, P99 and maximum of a small set, in the samples' unit; null when there are none. */
export interface TailSummary {
  p50: number | null;
  p99: number | null;
  max: number | null;
}

export function summariseTail(values: readonly number[]): TailSummary {
  return {
    p50: percentile(values, 0.5),
    p99: percentile(values, 0.99),
    max: values.length ? Math.max(...values) : null,
  };
}
