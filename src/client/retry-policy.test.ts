import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectError, ConnectionClosedError, DeadlineExceededError, H2ErrorCode, StreamResetError } from '../errors.js';
import { createRandom } from '../random.js';
import { backoffDelay, isIdempotentMethod, isRetryable, isUnprocessed, UNPROCESSED } from './retry-policy.js';

test('idempotent methods per RFC 9110 §9.2.2', () => {
  for (const m of ['GET', 'head', 'PUT', 'DELETE', 'OPTIONS']) assert.ok(isIdempotentMethod(m), m);
  for (const m of ['POST', 'PATCH']) assert.equal(isIdempotentMethod(m), false, m);
});

test('POST is retried only when provably unprocessed', () => {
  const refused = new StreamResetError('refused', { h2Code: H2ErrorCode.REFUSED_STREAM });
  const cancelled = new StreamResetError('cancel', { h2Code: H2ErrorCode.CANCEL });
  const goaway = Object.assign(new ConnectionClosedError('goaway', { lastStreamId: 1 }), { [UNPROCESSED]: true });
  const closed = new ConnectionClosedError('closed');
  assert.ok(isUnprocessed(refused));
  assert.ok(isUnprocessed(goaway));
  assert.ok(isUnprocessed(new ConnectError('refused')));
  assert.equal(isUnprocessed(closed), false);
  assert.ok(isRetryable('POST', refused));
  assert.ok(isRetryable('POST', goaway));
  assert.equal(isRetryable('POST', cancelled), false);
  assert.equal(isRetryable('POST', closed), false);
  assert.ok(isRetryable('GET', closed));
  assert.ok(isRetryable('GET', cancelled));
  assert.equal(isRetryable('GET', new DeadlineExceededError('late')), false);
  assert.equal(isRetryable('GET', new Error('bug')), false);
});

test('full-jitter backoff stays under its exponential ceiling and repeats for a seed', () => {
  const a = createRandom(42);
  const b = createRandom(42);
  for (let retry = 1; retry <= 8; retry++) {
    const d = backoffDelay(retry, a, { baseMs: 10, maxMs: 300 });
    assert.ok(d >= 0 && d <= Math.min(300, 10 * 2 ** (retry - 1)), `retry ${retry}: ${d}`);
    assert.equal(d, backoffDelay(retry, b, { baseMs: 10, maxMs: 300 }));
  }
});
