import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateCurve, stageIndexAt } from './stages.js';
import { StagedSchedule } from './schedule.js';

test('a constant stage places request k at k / rate, like --rate', () => {
  const c = new RateCurve([{ durationMs: 1000, target: 100 }], 100);
  for (const k of [0, 1, 50, 99]) assert.ok(Math.abs(c.timeOfCount(k) - k * 10) < 1e-9);
  assert.equal(c.timeOfCount(100), Infinity);
  assert.equal(c.totalCount, 100);
});

test('ramps: counts are the integral of a linear rate, and timeOfCount inverts countBy', () => {
  const c = new RateCurve([{ durationMs: 10_000, target: 100 }, { durationMs: 30_000, target: 1000 }, { durationMs: 10_000, target: 0 }]);
  assert.equal(c.totalCount, 500 + 16_500 + 5000);
  assert.equal(c.countBy(10_000), 500);
  assert.equal(c.rateAt(5000), 50);
  assert.equal(c.rateAt(25_000), 550);
  for (let k = 0; k < c.totalCount; k += 397) {
    const t = c.timeOfCount(k);
    assert.ok(Math.abs(c.countBy(t) - k) < 1e-6, `k=${k} t=${t}`);
  }
  // A falling ramp to 0 still places its last requests before the end.
  assert.ok(c.timeOfCount(c.totalCount - 1) < 50_000);
  assert.deepEqual(c.spans().map((s) => s.expected), [500, 16_500, 5000]);
});

test('stage of a completion time; late completions belong to the last stage', () => {
  const st = [{ durationMs: 100, target: 1 }, { durationMs: 200, target: 1 }];
  assert.deepEqual([0, 99, 100, 299, 300, 1e9].map((t) => stageIndexAt(st, t)), [0, 0, 1, 1, 1, 1]);
});

test('StagedSchedule: warmup at the start rate, then the stages; exactly the curve\'s count', () => {
  const s = new StagedSchedule({ requests: 0, durationMs: 2000, rate: 10, warmupMs: 1000, stages: [{ durationMs: 2000, target: 30 }] }, 0);
  const at: number[] = [];
  s.releaseDue(10_000, (t) => at.push(t));
  // Warmup: 10 req/s for 1 s = 10; ramp 10→30 over 2 s = 40.
  assert.equal(at.length, 50);
  assert.equal(at.filter((t) => t >= 1000).length, 40);
  assert.equal(s.measuredCreated, 40);
  assert.ok(s.exhausted(10_000));
});
