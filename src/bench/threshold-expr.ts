import { ConfigError } from '../errors.js';
import { parseDuration, parseProbability } from '../units.js';
import type { BenchResult } from './result.js';

/**
 * `--threshold 'p99<200ms'`, `'errors<0.1%'`, `'rps>5000'`: pass/fail checks on a result, as
 * k6's thresholds are. Metrics:
 *   - latency of every request from its start (`total`): `p50`, `p90`, `p99`, `p99.9`, `p99.99`,
 *     `min`, `max`, `mean`; a phase prefix picks another row: `ttfb.p99`, `queue.p99`;
 *   - `errors`: failed ÷ completed requests (`0.1%` or `0.001`);
 *   - `rps`: completed requests per second.
 * Operators `<`, `<=`, `>`, `>=`. Values are read by src/units.ts: latencies as durations
 * (`us`, `ms`, `s`, `m`; bare = ms), error rates as probabilities (`0.1%` or `0.001`).
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

/** Parses one expression; a ConfigError (one line, saying what was expected) when it is not one. */
export function parseThreshold(text: string): Threshold {
  const m = /^\s*([a-z][a-z0-9.]*)\s*(<=|>=|<|>)\s*(\S+)\s*$/i.exec(text);
  if (!m) throw new ConfigError(`--threshold: '${text}': ${EXPECTED}`);
  const [, rawMetric, rawOp, value] = m;
  const metric = rawMetric!.toLowerCase();
  const op = rawOp as Threshold['op'];
  const expr = text.trim();
  // Values go through src/units.ts, as every other flag's do; its message is replaced by one that names the form.
  const unit = <T>(parse: () => T, expected: string): T => {
    try {
      return parse();
    } catch (err) {
      if (err instanceof ConfigError) throw new ConfigError(`--threshold: '${text}': ${expected}`, { cause: err });
      throw err;
    }
  };
  if (metric === 'errors') return { expr, metric, op, limit: unit(() => parseProbability(value!, '--threshold'), 'errors take a percentage (0.1%) or a fraction (0.001) up to 100%') };
  if (metric === 'rps') {
    if (!/^\d+(\.\d+)?$/.test(value!)) throw new ConfigError(`--threshold: '${text}': rps takes a plain number (rps>5000)`);
    return { expr, metric, op, limit: Number(value) };
  }
  const dot = metric.indexOf('.');
  const prefixed = dot > 0 && (PHASES as readonly string[]).includes(metric.slice(0, dot));
  const [phase, stat] = prefixed ? [metric.slice(0, dot), metric.slice(dot + 1)] : ['total', metric];
  if (!(stat! in LATENCY_STATS)) throw new ConfigError(`--threshold: '${text}': unknown metric '${rawMetric}'; ${EXPECTED}`);
  const limit = unit(() => parseDuration(value!, '--threshold', 'ms'), 'a latency takes a duration (800us, 200ms, 1.5s; bare = ms)');
  return { expr, metric: `${phase}.${LATENCY_STATS[stat!]}`, op, limit };
}
