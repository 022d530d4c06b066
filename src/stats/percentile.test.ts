import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentile, summariseTail } from './percentile.js';

test('nearest-rank percentiles', () => {
  const v = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1 unsorted
  assert.equal(percentile(v, 0.5), 50);
  assert.equal(percentile(v, 0.99), 99);
  assert.equal(percentile([7], 0.99), 7);
  assert.equal(percentile([], 0.5), null);
  assert.deepEqual(summariseTail([3, 1, 2]), { p50: 2, p99: 3, max: 3 });
});
