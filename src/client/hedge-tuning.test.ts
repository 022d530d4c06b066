import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveHedgeOptions } from './hedge-tuning.js';
import { HedgePolicy, AUTO_MIN_SAMPLES } from './hedge-policy.js';
import { ConfigError } from '../errors.js';

test('the hedge delay sits past P95 × headroom and P99, in whole 10 ms', () => {
  const latenciesMs = Array.from({ length: 100 }, (_, i) => (i < 95 ? 10 + i / 10 : 40));
  const { options, measured, reasons } = deriveHedgeOptions({ latenciesMs, requestsPerSecond: 50 });
  assert.equal(measured.p95, 19.4);
  assert.equal(measured.p99, 40);
  assert.equal(options.delayMs, 40);
  assert.equal(options.maxHedges, 1);
  assert.equal(options.maxRate, 0.1);
  assert.equal(reasons.length, 3);
  assert.equal(deriveHedgeOptions({ latenciesMs: Array(30).fill(1), requestsPerSecond: 1 }).options.delayMs, 5, 'at least minDelayMs');
  assert.throws(() => deriveHedgeOptions({ latenciesMs: [1, 2], requestsPerSecond: 1 }), ConfigError);
});

test("'auto' waits for enough answers, then hedges at the endpoint's P95", () => {
  const policy = new HedgePolicy({ delayMs: 'auto' }, { now: () => 0 });
  const endpoint = { hedgeLatency: undefined };
  for (let i = 0; i < AUTO_MIN_SAMPLES - 1; i++) policy.observe(endpoint, 10);
  assert.equal(policy.delayFor(endpoint), undefined);
  for (let i = 0; i < 1000; i++) policy.observe(endpoint, i % 100);
  const delay = policy.delayFor(endpoint)!;
  assert.ok(delay >= 85 && delay <= 100, `P95 of 0..99 is about 95, got ${delay}`);
  assert.throws(() => new HedgePolicy({ delayMs: 0 }, { now: () => 0 }), ConfigError);
});

test('the rate cap: maxRate of recent requests plus the floor per second', () => {
  const policy = new HedgePolicy({ delayMs: 10, maxRate: 0.1, minPerSecond: 0 }, { now: () => 0 });
  for (let i = 0; i < 100; i++) policy.recordRequest();
  let granted = 0;
  for (let i = 0; i < 20; i++) if (policy.tryHedge()) granted++;
  assert.equal(granted, 10);
  assert.equal(policy.refused, 10);
});
