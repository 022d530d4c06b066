import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../clock.js';
import { ConfigError } from '../errors.js';
import { RetryBudget } from './retry-budget.js';

test('retries are capped at ratio × recent requests plus the per-second floor', () => {
  const clock = new ManualClock();
  const b = new RetryBudget({ ratio: 0.2, minPerSecond: 1, ttlMs: 10_000 }, clock);
  for (let i = 0; i < 100; i++) b.recordRequest();
  // 20 from the ratio + 10 from the floor (1/s × 10 s).
  let granted = 0;
  while (b.tryWithdraw()) granted++;
  assert.equal(granted, 30);
  assert.equal(b.snapshot().refused, 1);
  assert.equal(b.snapshot().available, 0);
});

test('the budget refills as old requests and retries leave the window', () => {
  const clock = new ManualClock();
  const b = new RetryBudget({ ratio: 0.5, minPerSecond: 0, ttlMs: 2_000 }, clock);
  for (let i = 0; i < 4; i++) b.recordRequest();
  assert.ok(b.tryWithdraw());
  assert.ok(b.tryWithdraw());
  assert.equal(b.tryWithdraw(), false);
  clock.advance(2_000);
  assert.equal(b.tryWithdraw(), false, 'requests expired too: nothing deposits');
  b.recordRequest();
  b.recordRequest();
  assert.ok(b.tryWithdraw());
  assert.deepEqual(b.snapshot(), { requests: 2, retries: 1, available: 0, refused: 2 });
});

test('bad options are a ConfigError', () => {
  assert.throws(() => new RetryBudget({ ratio: -1 }), ConfigError);
  assert.throws(() => new RetryBudget({ ttlMs: 10 }), ConfigError);
});
