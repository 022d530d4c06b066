import { ConfigError } from '../errors.js';
import type { BenchResult } from './result.js';

/**
 * `--threshold 'p99<200ms'`, `'errors<0.1%'`, `'rps>5000'`: pass/fail checks on a result, as
 * k6's thresholds are. Metrics:
 *   - latency of every request from its start (`total`): `p50`, `p90`, `p99`, `p99.9`, `p99.99`,
 *     `min`, `max`, `mean`; a phase prefix picks another row: `ttfb.p99`, `queue.p99`;
 *   - `errors`: failed ÷ completed requests (`0.1%` or `0.001`);
 *   - `rps`: completed requests per second.
 * Operators `<`, `<=`, `>`, `>=`. Latency values take a unit (`us`, `ms`, `s`; bare = ms).
 * Pure: parsed here once, before the run; evaluated by thresholds.ts after it.
 */
export interface Threshold {
  expr: string;
  metric: string;
  op: '<' | '<=' | '>' | '>=';
  /** In the metric's unit: ms, a fraction, or requests per second. */
  limit: number;
}

const EXPECTED = "expected METRIC<VALUE such as p99<200ms, ttfb.p99<50ms, errors<0.1%, rps>5000 (METRIC: p50 p90 p99 p99.9 p99.99 min max mean [total.|ttfb.|queue.], errors, rps; operators < <= > >=)";
const LATENCY_STATS: Record<string, keyof BenchResult['latency']['total']> = {
  p50: 'p50', p90: 'p90', p99: 'p99', 'p99.9': 'p999', p999: 'p999', 'p99.99': 'p9999', p9999: 'p9999', min: 'min', max: 'max', mean: 'mean',
};
const PHASES = ['total', 'ttfb', 'queue'] as const;
const MS_PER: Record<string, number> = { us: 0.001, µs: 0.001, ms: 1, s: 1000 };

export function parseThreshold(text: string): Threshold {
  const m = /^\s*([a-z][a-z0-9.]*)\s*(<=|>=|<|>)\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|s|%)?\s*$/i.exec(text);
  if (!m) throw new ConfigError(`--threshold: '${text}': ${EXPECTED}`);
  const [, rawMetric, op, num, unit] = m;
  const metric = rawMetric!.toLowerCase();
  const value = Number(num);
  if (metric === 'errors') {
    if (unit !== undefined && unit !== '%') throw new ConfigError(`--threshold: '${text}': errors take a percentage (0.1%) or a fraction (0.001)`);
    const limit = unit === '%' ? value / 100 : value;
    if (limit > 1) throw new ConfigError(`--threshold: '${text}': an error rate is at most 100%`);
    return { expr: text.trim(), metric, op: op as Threshold['op'], limit };
  }
  if (metric === 'rps') {
    if (unit !== undefined) throw new ConfigError(`--threshold: '${text}': rps takes a plain number (rps>5000)`);
    return { expr: text.trim(), metric, op: op as Threshold['op'], limit: value };
  }
  const [phase, stat] = metric.includes('.') && PHASES.includes(metric.split('.')[0] as (typeof PHASES)[number]) ? [metric.slice(0, metric.indexOf('.')), metric.slice(metric.indexOf('.') + 1)] : ['total', metric];
  if (!(stat! in LATENCY_STATS)) throw new ConfigError(`--threshold: '${text}': unknown metric '${rawMetric}'; ${EXPECTED}`);
  if (unit === '%') throw new ConfigError(`--threshold: '${text}': a latency takes a duration (200ms, 1s)`);
  return { expr: text.trim(), metric: `${phase}.${LATENCY_STATS[stat!]}`, op: op as Threshold['op'], limit: value * MS_PER[unit ?? 'ms']! };
}

