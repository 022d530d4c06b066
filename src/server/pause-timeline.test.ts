import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRandom } from '../random.js';
import { PauseTimeline, type Pause } from './pause-timeline.js';

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

test('the binary-searched answer equals a full scan, in order, wrapped and out of order', () => {
  const random = createRandom(20);
  const scan = (pauses: readonly Pause[], from: number, to: number) => {
    const hit = pauses.filter((p) => p.end >= from && p.start <= to);
    return { count: hit.length, maxMs: Math.max(0, ...hit.map((p) => p.value)) };
  };
  for (const ordered of [true, false]) {
    const t = new PauseTimeline(50);
    const all: Pause[] = [];
    let at = 0;
    for (let i = 0; i < 180; i++) {
      // Gaps and lengths vary, now and then one pause outlasts many later windows.
      at += random() * 20;
      const length = random() < 0.05 ? 200 * random() : 5 * random();
      const start = ordered ? at : 3600 * random();
      const pause = { start, end: start + length, value: length, kind: `p${i}` };
      t.record(pause);
      all.push(pause);
      const held = all.slice(-50);
      for (let q = 0; q < 5; q++) {
        const from = at * random();
        const to = from + 100 * random();
        const got = t.overlapping(from, to);
        const want = scan(held, from, to);
        assert.equal(got.count, want.count);
        assert.equal(got.maxMs, want.maxMs);
      }
    }
  }
});
