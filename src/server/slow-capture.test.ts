import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { monotonicClock } from '../clock.js';
import { SlowCapture } from './slow-capture.js';
import type { StreamRecord } from './records.js';
import type { SlowRequest } from './slow-requests.js';
import { createServerStats } from './stats.js';

/** What judge() reads of a request's record. */
function record(n: number, startedAt: number): StreamRecord {
  return {
    traceId: `t${n}`, route: '/r', method: 'GET', startedAt,
    session: { id: 1 }, streamsOpenAtStart: 1, requestsBefore: n,
  } as unknown as StreamRecord;
}

function capture() {
  const stats = createServerStats();
  const slow = new SlowCapture({ threshold: 0 }, monotonicClock, stats, () => undefined);
  const seen: SlowRequest[] = [];
  slow.subscribe((r) => seen.push(r));
  const judge = (n: number) => {
    const end = monotonicClock.now();
    slow.judge(record(n, end - 5), end, 200, 0, 1);
  };
  return { slow, stats, seen, judge };
}

test('slow requests wait for the runtime timeline to settle, then publish in the order they ended', async () => {
  const { slow, stats, seen, judge } = capture();
  const settleMs = slow.runtime!.settleMs;
  try {
    for (let n = 0; n < 3; n++) judge(n);
    await sleep(settleMs / 2);
    for (let n = 3; n < 5; n++) judge(n);
    assert.equal(seen.length, 0, 'nothing is published before its timeline settles');
    await sleep(settleMs / 2 + 25);
    assert.deepEqual(seen.map((r) => r.session.requestsBefore), [0, 1, 2], 'the first three, once due');
    await sleep(settleMs / 2 + 25);
    assert.deepEqual(seen.map((r) => r.session.requestsBefore), [0, 1, 2, 3, 4]);
    assert.equal(stats.slowRequests, 5);
    assert.ok(seen.every((r) => r.gc !== undefined && r.eventLoopDelayMaxMs !== undefined), 'each got its runtime evidence');
    // The queue empties and a later capture arms the timer again.
    judge(5);
    await sleep(settleMs + 25);
    assert.equal(seen.length, 6);
  } finally {
    slow.stop();
  }
});

test('stop() publishes what is still waiting, at once and in order, and nothing later', async () => {
  const { slow, seen, judge } = capture();
  for (let n = 0; n < 4; n++) judge(n);
  assert.equal(seen.length, 0);
  slow.stop();
  assert.deepEqual(seen.map((r) => r.session.requestsBefore), [0, 1, 2, 3]);
  await sleep(slow.runtime!.settleMs + 25);
  assert.equal(seen.length, 4, 'no second publication');
});

test('a listener that stops the capture while the queue is being published loses nothing', async () => {
  const stats = createServerStats();
  const slow = new SlowCapture({ threshold: 0 }, monotonicClock, stats, () => undefined);
  const seen: number[] = [];
  slow.subscribe((r) => {
    seen.push(r.session.requestsBefore);
    if (seen.length === 1) slow.stop();
  });
  const end = monotonicClock.now();
  for (let n = 0; n < 3; n++) slow.judge(record(n, end - 5), end, 200, 0, 1);
  await sleep(slow.runtime!.settleMs + 25);
  assert.deepEqual(seen, [0, 1, 2]);
});
