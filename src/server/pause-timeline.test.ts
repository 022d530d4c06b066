import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PauseTimeline } from './pause-timeline.js';

test('overlapping sums the pauses that touch the window', () => {
  const t = new PauseTimeline(10);
  t.record({ start: 0, end: 5, value: 5, kind: 'minor' });
  t.record({ start: 10, end: 40, value: 30, kind: 'major' });
  t.record({ start: 50, end: 52, value: 2, kind: 'minor' });
  assert.deepEqual(t.overlapping(4, 45), { count: 2, totalMs: 35, maxMs: 30 });
  assert.deepEqual(t.overlapping(60, 70), { count: 0, totalMs: 0, maxMs: 0 });
});

test('the ring keeps only the newest entries', () => {
  const t = new PauseTimeline(2);
  for (let i = 0; i < 5; i++) t.record({ start: i * 10, end: i * 10 + 1, value: 1, kind: 'minor' });
  assert.equal(t.size, 2);
  assert.equal(t.overlapping(0, 25).count, 0);
  assert.equal(t.overlapping(0, 100).count, 2);
});
