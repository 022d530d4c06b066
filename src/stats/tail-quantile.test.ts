import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRandom } from '../random.js';
import { ConfigError } from '../errors.js';
import { percentile } from './percentile.js';
import { TailQuantile } from './tail-quantile.js';

const exact = (values: number[], p: number) => percentile(values, p)!;
/** The exact quantile interpolated between the values around position (n − 1)·p + 1 (numpy's default). */
function interpolated(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * p;
  const lo = Math.floor(position);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (position - lo) * (sorted[hi]! - sorted[lo]!);
}

const random = createRandom(11);
const distributions: Record<string, () => number> = {
  'uniform 0–10 ms': () => random() * 10,
  'log-normal around 2 ms': () => Math.exp(Math.log(2) + 0.8 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())),
  'bimodal: 98 % at 0.3 ms, 2 % at 3 s': () => (random() < 0.98 ? 0.3 + random() * 0.05 : 3000 + random() * 100),
  'sub-millisecond': () => random() * 0.2,
};

test('the estimate is within the bucket precision of the exact interpolated quantile, at every size', () => {
  for (const [name, draw] of Object.entries(distributions)) {
    for (const p of [0.5, 0.99, 0.999]) {
      const values: number[] = [];
      for (const n of [1, 7, 100, 1000, 20_000]) {
        while (values.length < n) values.push(draw());
        const q = new TailQuantile(p);
        for (const v of values) q.observe(v);
        const truth = interpolated(values, p);
        assert.ok(Math.abs(q.value() - truth) <= truth * 0.008 + 0.0005, `${name}, p${p * 100}, n ${n}: ${q.value()} vs exact ${truth}`);
      }
    }
  }
});

test('between refreshes the cached estimate lags by at most seen/512 values', () => {
  const q = new TailQuantile(0.99);
  for (let i = 0; i < 10_000; i++) {
    q.observe(1);
    q.value();
  }
  // The load turns slow: 2 % of requests take 100 ms. The p99 follows within a refresh or two.
  const values = new Array<number>(10_000).fill(1);
  for (let i = 0; i < 10_000; i++) {
    const v = i % 50 === 0 ? 100 : 1;
    values.push(v);
    q.observe(v);
    q.value();
  }
  assert.equal(exact(values, 0.99), 1);
  for (let i = 0; i < 20_000; i++) {
    const v = i % 20 === 0 ? 100 : 1;
    values.push(v);
    q.observe(v);
  }
  const truth = exact(values, 0.99);
  assert.equal(truth, 100);
  for (let i = 0; i < 100; i++) q.value();
  assert.ok(Math.abs(q.value() - 100) <= 100 * 0.008, `p99 ${q.value()}`);
});

test('on few values the p99 sits between the two largest, not on the largest (nearest rank would be the maximum)', () => {
  const q = new TailQuantile(0.99);
  for (let i = 1; i <= 20; i++) q.observe(i * 10);
  // Position 19.81 of 20: 190 + 0.81 × (200 − 190).
  assert.ok(Math.abs(q.value() - 198.1) <= 198.1 * 0.008, `p99 ${q.value()}`);
  assert.ok(q.value() < 200);
  assert.equal(exact([...Array(20).keys()].map((i) => (i + 1) * 10), 0.99), 200);
});

test('edges: empty, zero and negative, beyond 35 minutes, bad p', () => {
  const q = new TailQuantile(0.99);
  assert.ok(Number.isNaN(q.value()));
  q.observe(-5);
  q.observe(0);
  assert.ok(q.value() < 0.001);
  const long = new TailQuantile(0.5);
  long.observe(1e12);
  assert.ok(long.value() > 2_000_000 && Number.isFinite(long.value()));
  for (const p of [0, 1, -1, Number.NaN]) assert.throws(() => new TailQuantile(p), ConfigError);
});
