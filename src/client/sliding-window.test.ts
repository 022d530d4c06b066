import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CountSlidingWindow, TimeSlidingWindow, createSlidingWindow } from './sliding-window.js';

const ok = { failed: false, slow: false };
const fail = { failed: true, slow: false };
const slow = { failed: false, slow: true };

test('count window keeps only the last N calls', () => {
  const w = new CountSlidingWindow(4);
  for (const o of [fail, fail, ok, ok]) w.record(o);
  assert.deepEqual(w.snapshot(), { calls: 4, failures: 2, slowCalls: 0, failureRate: 0.5, slowCallRate: 0 });
  w.record(ok);
  w.record(slow);
  // The two failures fell out of the window.
  assert.deepEqual(w.snapshot(), { calls: 4, failures: 0, slowCalls: 1, failureRate: 0, slowCallRate: 0.25 });
});

test('time window expires buckets by the clock', () => {
  const w = new TimeSlidingWindow(10);
  w.record(fail, 0);
  w.record(ok, 5_500);
  assert.equal(w.snapshot(5_999).calls, 2);
  // At 10.0 s the bucket of second 0 leaves the 10-second window.
  const s = w.snapshot(10_000);
  assert.equal(s.calls, 1);
  assert.equal(s.failures, 0);
});

test('time window holds nothing stale after an idle gap longer than itself', () => {
  const w = new TimeSlidingWindow(10);
  for (let i = 0; i < 50; i++) w.record(fail, 1_000 + i);
  // cockatiel#64: a sampling window counted these after a long pause.
  w.record(ok, 3_600_000);
  assert.deepEqual(w.snapshot(3_600_000), { calls: 1, failures: 0, slowCalls: 0, failureRate: 0, slowCallRate: 0 });
});

test('time window: a gap shorter than the window expires only the old seconds', () => {
  const w = new TimeSlidingWindow(3);
  w.record(fail, 0);
  w.record(fail, 1_000);
  w.record(ok, 2_000);
  assert.equal(w.snapshot(2_500).calls, 3);
  assert.equal(w.snapshot(3_000).failures, 1);
  assert.equal(w.snapshot(4_000).failures, 0);
  assert.equal(w.snapshot(4_000).calls, 1);
  assert.equal(w.snapshot(5_000).calls, 0);
});

test('createSlidingWindow picks the kind from the spec and rejects bad sizes', () => {
  assert.ok(createSlidingWindow({ seconds: 5 }) instanceof TimeSlidingWindow);
  assert.ok(createSlidingWindow({ calls: 5 }) instanceof CountSlidingWindow);
  assert.throws(() => createSlidingWindow({ calls: 0 }), RangeError);
  assert.throws(() => createSlidingWindow({ seconds: 1.5 }), RangeError);
});
