import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRandom, deriveSeed, randomInt } from './random.js';

test('same seed gives the same sequence, different seeds differ', () => {
  const a = createRandom(42), b = createRandom(42), c = createRandom(43);
  const xs = Array.from({ length: 5 }, a), ys = Array.from({ length: 5 }, b), zs = Array.from({ length: 5 }, c);
  assert.deepEqual(xs, ys);
  assert.notDeepEqual(xs, zs);
  for (const x of xs) assert.ok(x >= 0 && x < 1);
});

test('values spread over [0,1) and randomInt stays in bounds', () => {
  const r = createRandom(7);
  const buckets = new Array(10).fill(0);
  for (let i = 0; i < 100_000; i++) buckets[Math.floor(r() * 10)]++;
  for (const n of buckets) assert.ok(n > 9_000 && n < 11_000, `bucket ${n}`);
  for (let i = 0; i < 1000; i++) {
    const v = randomInt(r, 3, 5);
    assert.ok(v >= 3 && v <= 5);
  }
});

test('deriveSeed separates parts', () => {
  assert.notEqual(deriveSeed(1, 'conn', 1, 'up'), deriveSeed(1, 'conn', 1, 'down'));
  assert.equal(deriveSeed(1, 'a', 2), deriveSeed(1, 'a', 2));
});
