import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { IDLE_PING_INTERVAL_MS, PingStrikes, resolveKeepalivePolicy } from './keepalive-policy.js';

test('grpc-go defaults: 5 min, no PINGs without calls, 2 strikes; the third strike is the one too many', () => {
  const policy = resolveKeepalivePolicy({})!;
  assert.deepEqual(policy, { minTimeMs: 300_000, permitWithoutCalls: false, maxPingStrikes: 2 });
  const s = new PingStrikes(policy);
  assert.equal(s.struck(0, false), false); // the first PING is never a strike
  assert.equal(s.struck(1000, false), true);
  assert.equal(s.struck(2000, false), true);
  assert.equal(s.exceeded(), false);
  assert.equal(s.struck(3000, false), true);
  assert.equal(s.exceeded(), true);
});

test('PINGs at or past minTimeMs are fine while a call is open; idle PINGs need 2 h unless permitted', () => {
  const strict = new PingStrikes({ minTimeMs: 5000, permitWithoutCalls: false, maxPingStrikes: 2 });
  strict.struck(0, false);
  assert.equal(strict.struck(5000, false), false);
  assert.equal(strict.struck(10_000 + 60_000, true), true); // idle, 1 min after the last
  assert.equal(strict.struck(70_000 + IDLE_PING_INTERVAL_MS, true), false);
  const permit = new PingStrikes({ minTimeMs: 5000, permitWithoutCalls: true, maxPingStrikes: 2 });
  permit.struck(0, true);
  assert.equal(permit.struck(5000, true), false);
  assert.equal(permit.struck(6000, true), true);
});

test('maxPingStrikes 0 never closes (C-core meaning); bad options are ConfigErrors', () => {
  const s = new PingStrikes({ minTimeMs: 5000, permitWithoutCalls: true, maxPingStrikes: 0 });
  for (let t = 0; t < 100; t++) s.struck(t, false);
  assert.equal(s.strikes, 99);
  assert.equal(s.exceeded(), false);
  assert.throws(() => resolveKeepalivePolicy({ minTimeMs: -1 }), ConfigError);
  assert.throws(() => resolveKeepalivePolicy({ maxPingStrikes: 1.5 }), ConfigError);
  assert.equal(resolveKeepalivePolicy(undefined), undefined);
});

test('afterGoaway: drain by default, close on request (grpc-go, C-core); anything else is a ConfigError', () => {
  assert.equal(resolveKeepalivePolicy({})!.afterGoaway, undefined);
  assert.equal(resolveKeepalivePolicy({ afterGoaway: 'close' })!.afterGoaway, 'close');
  assert.throws(() => resolveKeepalivePolicy({ afterGoaway: 'later' as 'close' }), ConfigError);
});
