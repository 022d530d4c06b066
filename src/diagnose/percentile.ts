/** Nearest-rank percentile (q in 0..1) of unsorted values; null for none. */
export function percentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rankIndex = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rankIndex) - 1]!;
}

export interface LatencySummary {
  p50: number | null;
  p99: number | null;
  max: number | null;
}

export function summarise(values: readonly number[]): LatencySummary {
  return {
    p50: percentile(values, 0.5),
    p99: percentile(values, 0.99),
    max: values.length ? Math.max(...values) : null,
  };
}
