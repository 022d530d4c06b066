import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decidePush, PushLogLimiter, resolvePushPolicy } from './push-policy.js';
import { ManualClock } from '../clock.js';
import { ConfigError } from '../errors.js';

const open = { pushAllowed: true, pushesThisRequest: 0, pushedBytesThisConnection: 0 };

test('deny is the default and refuses every push', () => {
  assert.deepEqual(resolvePushPolicy(undefined), { mode: 'deny' });
  assert.deepEqual(decidePush(resolvePushPolicy(undefined), open), { allow: false, reason: 'policy' });
});

test('a client that disabled push is refused under every policy', () => {
  for (const option of ['allow', 'log', { limit: { perRequest: 5 } }] as const) {
    assert.deepEqual(decidePush(resolvePushPolicy(option), { ...open, pushAllowed: false }), { allow: false, reason: 'client_disabled' });
  }
});

test('limit refuses past the per-request count and the per-connection bytes', () => {
  const policy = resolvePushPolicy({ limit: { perRequest: 2, bytesPerConnection: 1000 } });
  assert.deepEqual(decidePush(policy, { ...open, pushesThisRequest: 1 }), { allow: true });
  assert.deepEqual(decidePush(policy, { ...open, pushesThisRequest: 2 }), { allow: false, reason: 'per_request_limit' });
  assert.deepEqual(decidePush(policy, { ...open, pushedBytesThisConnection: 999 }), { allow: true });
  assert.deepEqual(decidePush(policy, { ...open, pushedBytesThisConnection: 1000 }), { allow: false, reason: 'bytes_limit' });
});

test('bad push options are a ConfigError', () => {
  assert.throws(() => resolvePushPolicy('sometimes' as never), ConfigError);
  assert.throws(() => resolvePushPolicy({ limit: { perRequest: -1 } }), ConfigError);
  assert.throws(() => resolvePushPolicy({ limit: { bytesPerConnection: 1.5 } }), ConfigError);
});

test('the log limiter writes one line per route per minute with the count', () => {
  const clock = new ManualClock(0);
  const limiter = new PushLogLimiter(clock);
  const first = limiter.record('denied', '/orders', 'nghttp2/1.52', 'policy');
  assert.match(first ?? '', /push denied \(policy\) on route \/orders: 1 attempt in the last 60 s, user-agent "nghttp2\/1.52"/);
  assert.equal(limiter.record('denied', '/orders', 'curl/8', 'policy'), undefined);
  assert.equal(limiter.record('denied', '/orders', 'curl/8', 'policy'), undefined);
  assert.match(limiter.record('denied', '/other', undefined) ?? '', /route \/other: 1 attempt/);
  clock.advance(60_000);
  assert.match(limiter.record('denied', '/orders', 'curl/8', 'policy') ?? '', /: 3 attempts .*"curl\/8"/);
});
