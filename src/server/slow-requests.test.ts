import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SlowRequestLog, type SlowRequest } from './slow-requests.js';
import { ConfigError } from '../errors.js';
import { createRandom } from '../random.js';

function request(n: number): SlowRequest {
  return {
    traceId: `t${n}`, route: '/', method: 'GET', status: 200, receivedAt: n, firstByteMs: 1, durationMs: n, rstCode: 0,
    session: { id: 1, streamsOpenAtStart: 1, requestsBefore: 0 }, eventLoopDelayMaxMs: undefined, gc: undefined, thresholdMs: 0,
  };
}

test('a fixed threshold judges from the first request', () => {
  const log = new SlowRequestLog({ threshold: 50 });
  assert.equal(log.judge(49), undefined);
  assert.equal(log.judge(51), 50);
});

test('p99 waits for minSamples, then flags about 1 % of requests', () => {
  const random = createRandom(3);
  const log = new SlowRequestLog({ threshold: 'p99', minSamples: 100 });
  let slow = 0;
  for (let i = 0; i < 100; i++) assert.equal(log.judge(random() * 10), undefined);
  for (let i = 0; i < 10_000; i++) if (log.judge(random() * 10) !== undefined) slow++;
  assert.ok(slow > 50 && slow < 200, `slow ${slow}`);
  assert.ok(Math.abs(log.thresholdMs()! - 9.9) < 0.2);
  assert.ok(log.judge(100) !== undefined);
});

test('the ring keeps the newest `keep`, oldest first', () => {
  const log = new SlowRequestLog({ threshold: 0, keep: 3 });
  for (let i = 1; i <= 5; i++) log.add(request(i));
  assert.deepEqual(log.list().map((r) => r.traceId), ['t3', 't4', 't5']);
  assert.equal(log.total, 5);
});

test('bad slowRequests options are a ConfigError', () => {
  assert.throws(() => new SlowRequestLog({ threshold: -1 }), ConfigError);
  assert.throws(() => new SlowRequestLog({ threshold: 'p50' as never }), ConfigError);
  assert.throws(() => new SlowRequestLog({ keep: 0 }), ConfigError);
});

test('p99 on a short history: the slowest request coming first does not silence the rest of the load', () => {
  const log = new SlowRequestLog({ threshold: 'p99', minSamples: 20 });
  // The slowest of the load is among the first 20 (not judged yet); the rest climb towards it.
  log.judge(500);
  for (let i = 0; i < 19; i++) log.judge(10 + i);
  let slow = 0;
  // None of these sets a record: a nearest-rank p99 (the maximum, 500, below 100 values) would call none slow.
  for (let i = 0; i < 30; i++) if (log.judge(420 + i * 2) !== undefined) slow++;
  assert.ok(slow > 0, 'requests near the top are called slow, not only a new record');
  assert.ok(log.thresholdMs()! < 500);
});
