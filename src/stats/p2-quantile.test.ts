import { test } from 'node:test';
import assert from 'node:assert/strict';
import { P2Quantile } from './p2-quantile.js';
import { createRandom } from '../random.js';
import { ConfigError } from '../errors.js';

test('P² tracks the p99 of a uniform stream within a few percent', () => {
  const random = createRandom(7);
  const q = new P2Quantile(0.99);
  for (let i = 0; i < 20_000; i++) q.observe(random() * 1000);
  assert.equal(q.count, 20_000);
  assert.ok(Math.abs(q.value() - 990) < 15, `estimate ${q.value()}`);
});

test('P² tracks the p99 of a long-tailed (exponential) stream', () => {
  const random = createRandom(11);
  const q = new P2Quantile(0.99);
  // Exponential with mean 10 ms: true p99 = 10 × ln(100) ≈ 46.05.
  for (let i = 0; i < 50_000; i++) q.observe(-10 * Math.log(1 - random()));
  assert.ok(Math.abs(q.value() - 46.05) < 4, `estimate ${q.value()}`);
});

test('P² with fewer than five points answers the nearest rank', () => {
  const q = new P2Quantile(0.5);
  assert.ok(Number.isNaN(q.value()));
  q.observe(3);
  q.observe(1);
  q.observe(2);
  assert.equal(q.value(), 2);
});

test('P² rejects a quantile outside (0, 1)', () => {
  assert.throws(() => new P2Quantile(1), ConfigError);
});
