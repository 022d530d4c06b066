import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { checkThreshold, evaluateThresholds } from './thresholds.js';
import { parseThreshold } from './threshold-expr.js';
import type { BenchResult } from './result.js';

test('parses latency, error and rate thresholds into one unit each', () => {
  assert.deepEqual(parseThreshold('p99<200ms'), { expr: 'p99<200ms', metric: 'total.p99', op: '<', limit: 200 });
  assert.equal(parseThreshold('p99.9 <= 1.5s').limit, 1500);
  assert.equal(parseThreshold('p99.9<1s').metric, 'total.p999');
  assert.equal(parseThreshold('ttfb.p50<800us').limit, 0.8);
  assert.equal(parseThreshold('ttfb.p50<800us').metric, 'ttfb.p50');
  assert.equal(parseThreshold('mean<20').limit, 20);
  assert.equal(parseThreshold('errors<0.1%').limit, 0.001);
  assert.equal(parseThreshold('errors<=0.02').limit, 0.02);
  assert.deepEqual(parseThreshold('rps>5000'), { expr: 'rps>5000', metric: 'rps', op: '>', limit: 5000 });
});

test('a bad expression is one ConfigError line that says what was expected', () => {
  for (const bad of ['p99', 'p99<', 'p98<1ms', 'errors<5ms', 'rps>5k', 'p99<10%', 'errors<150%', 'p99 ~ 1ms', 'ttfb.p98<1ms']) {
    assert.throws(() => parseThreshold(bad), (e: unknown) => e instanceof ConfigError && !e.message.includes('\n') && e.message.startsWith('--threshold:'), bad);
  }
  assert.throws(() => parseThreshold('latency<1ms'), /expected METRIC<VALUE/);
});

test('operators compare strictly or not', () => {
  const t = parseThreshold('p99<=10ms');
  assert.equal(checkThreshold(t, 10), true);
  assert.equal(checkThreshold({ ...t, op: '<' }, 10), false);
  assert.equal(checkThreshold({ ...t, op: '>' }, 10.1), true);
  assert.equal(checkThreshold({ ...t, op: '>=' }, 9.9), false);
});

test('evaluates against a result: value in the metric unit, empty runs fail', () => {
  const lat = { count: 100, min: 1, p50: 2, p90: 3, p99: 9, p999: 12, p9999: 12, max: 12, mean: 2.5 };
  const r = { requests: { total: 100, failed: 2 }, rps: 4000, latency: { total: lat, ttfb: { ...lat, p99: 4 }, queue: lat } } as unknown as BenchResult;
  const out = evaluateThresholds(['p99<10ms', 'ttfb.p99<3ms', 'errors<1%', 'rps>3000'].map(parseThreshold), r);
  assert.deepEqual(out, [
    { expr: 'p99<10ms', ok: true, value: 9 },
    { expr: 'ttfb.p99<3ms', ok: false, value: 4 },
    { expr: 'errors<1%', ok: false, value: 0.02 },
    { expr: 'rps>3000', ok: true, value: 4000 },
  ]);
  const empty = { ...r, requests: { total: 0, failed: 0 } } as unknown as BenchResult;
  assert.equal(evaluateThresholds([parseThreshold('p99<10ms')], empty)[0]!.ok, false);
});
