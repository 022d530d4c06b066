import type { BenchResult } from './result.js';
import type { Threshold } from './threshold-expr.js';

/**
 * Evaluating `--threshold` expressions (parsed by threshold-expr.ts) against a result. Apart
 * from the parser so that parsing, done for every run with --threshold before it starts, and
 * evaluating, done after, load separately.
 */
export type { Threshold };

/** The measured value a threshold compares: ms, a fraction or req/s. */
export function thresholdValue(t: Pick<Threshold, 'metric'>, r: BenchResult): number {
  if (t.metric === 'errors') return r.requests.total > 0 ? r.requests.failed / r.requests.total : 0;
  if (t.metric === 'rps') return r.rps;
  const [phase, stat] = t.metric.split('.') as ['total' | 'ttfb' | 'queue', keyof BenchResult['latency']['total']];
  return r.latency[phase][stat];
}

export function checkThreshold(t: Threshold, value: number): boolean {
  switch (t.op) {
    case '<': return value < t.limit;
    case '<=': return value <= t.limit;
    case '>': return value > t.limit;
    default: return value >= t.limit;
  }
}

/** Every threshold against a result, in the order given. */
export function evaluateThresholds(ts: readonly Threshold[], r: BenchResult): { expr: string; ok: boolean; value: number }[] {
  return ts.map((t) => {
    const value = thresholdValue(t, r);
    // A run with no request proves nothing: a latency or rps threshold fails.
    const ok = r.requests.total > 0 && checkThreshold(t, value);
    return { expr: t.expr, ok, value };
  });
}
