import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyHistogram } from './log-linear-histogram.js';
import { createRandom } from '../random.js';

test('values below 2^S µs are exact; percentiles follow ranks', () => {
  const h = new LatencyHistogram();
  for (let us = 1; us <= 1000; us++) h.recordUs(us);
  assert.equal(h.total, 1000);
  assert.equal(h.percentileUs(50), 500);
  assert.equal(h.percentileUs(99), 990);
  assert.equal(h.percentileUs(100), 1000);
  assert.equal(h.summary().min, 0.001);
  assert.equal(h.summary().max, 1);
  assert.equal(h.meanMs(), 0.5005);
});

test('relative error stays within 2^-(S-1) across the range', () => {
  for (const bits of [6, 11]) {
    const h = new LatencyHistogram(bits);
    for (const us of [3_000, 40_000, 1_234_567, 3_600_000_000, 2 ** 33 + 5]) {
      const one = new LatencyHistogram(bits);
      one.recordUs(us);
      one.recordUs(1); // so min/max clamping does not hide the bucket value
      one.recordUs(2 ** 40);
      const got = one.percentileUs(50);
      assert.ok(Math.abs(got - us) / us <= 2 ** -(bits - 1), `${bits} bits: ${us} → ${got}`);
      h.recordUs(us);
    }
  }
});

test('merging is exact: same percentiles as recording everything in one', () => {
  const random = createRandom(7);
  const all = new LatencyHistogram(), a = new LatencyHistogram(), b = new LatencyHistogram();
  for (let i = 0; i < 20_000; i++) {
    const ms = random() < 0.03 ? 40 + random() : random() * 2;
    all.recordMs(ms);
    (i % 3 === 0 ? a : b).recordMs(ms);
  }
  const merged = LatencyHistogram.from(a.snapshot());
  merged.add(b.snapshot());
  assert.deepEqual(merged.summary(), all.summary());
  assert.throws(() => merged.add(new LatencyHistogram(6)), RangeError);
});

test('an empty histogram summarises to zeros', () => {
  const s = new LatencyHistogram().summary();
  assert.deepEqual(s, { count: 0, min: 0, p50: 0, p90: 0, p99: 0, p999: 0, p9999: 0, max: 0, mean: 0 });
});

test('summary percentiles match percentileUs one by one, also for values far from zero', () => {
  const random = createRandom(11);
  const h = new LatencyHistogram();
  for (let i = 0; i < 5_000; i++) h.recordUs(30_000 + Math.floor(random() * 5_000) + (random() < 0.01 ? 2_000_000 : 0));
  const s = h.summary();
  assert.deepEqual([s.p50, s.p90, s.p99, s.p999, s.p9999], [50, 90, 99, 99.9, 99.99].map((p) => h.percentileUs(p) / 1000));
  assert.ok(s.p50 >= 30 && s.p50 < 35, `p50 ${s.p50}`);
  assert.ok(s.p9999 > 2000, `p99.99 ${s.p9999}`);
  assert.ok(Math.abs(h.percentileUs(0) - h.minUs) <= h.minUs * 2 ** -10, 'p0 is the lowest bucket');
  assert.equal(h.percentileUs(100), h.maxUs);
});

test('an unused histogram holds no buckets, and grows from its first value', () => {
  const h = new LatencyHistogram();
  assert.equal(h.snapshot().counts.length, 0);
  h.recordUs(5);
  h.recordUs(1_500);
  assert.equal(h.snapshot().counts.length, 1_501);
  assert.equal(h.percentileUs(50), 5);
  assert.equal(h.percentileUs(100), 1_500);
  const merged = LatencyHistogram.from(new LatencyHistogram().snapshot());
  merged.add(h.snapshot());
  assert.deepEqual(merged.summary(), h.summary());
});

test('upperQuantileInterpolatedUs: between the two values around (n − 1)·q + 1, each within its bucket', () => {
  const random = createRandom(5);
  for (const n of [1, 2, 20, 20_000]) {
    const h = new LatencyHistogram(7);
    const values: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = Math.floor(random() < 0.97 ? random() * 2000 : 50_000 + random() * 1e6);
      values.push(v);
      h.recordUs(v);
    }
    values.sort((a, b) => a - b);
    for (const q of [0.01, 0.5, 0.9, 0.99, 0.999, 1]) {
      const position = (n - 1) * q;
      const lo = Math.floor(position);
      const exact = values[lo]! + (position - lo) * (values[Math.min(n - 1, lo + 1)]! - values[lo]!);
      const got = h.upperQuantileInterpolatedUs(q);
      assert.ok(Math.abs(got - exact) <= exact * 0.008 + 1, `n ${n}, q ${q}: ${got} vs ${exact}`);
    }
  }
  assert.equal(new LatencyHistogram().upperQuantileInterpolatedUs(0.99), 0);
});
