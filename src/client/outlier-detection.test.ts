import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutlierDetector, type EjectionReason, type OutlierTarget } from './outlier-detection.js';

function clock(): { now(): number; t: number } {
  const c = { t: 0, now: () => c.t };
  return c;
}

function target(url: string, log: Array<[string, EjectionReason, number]>): OutlierTarget {
  return {
    url,
    consecutiveFailures: 0,
    ejectionLevel: 0,
    outlierEjectedUntil: 0,
    intervalSuccesses: 0,
    intervalTotal: 0,
    canServeIgnoringOutlier: () => true,
    ejected: (reason, durationMs) => log.push([url, reason, durationMs]),
  };
}

test('consecutive failures eject; a success in between resets the count; ejection time grows and decays', () => {
  const c = clock();
  const log: Array<[string, EjectionReason, number]> = [];
  const [a, b] = [target('a', log), target('b', log)];
  const d = new OutlierDetector({ consecutiveFailures: 3, baseEjectionMs: 1000, maxEjectionMs: 2500, successRate: false }, [a, b], c);
  d.record(a, true);
  d.record(a, true);
  d.record(a, false);
  d.record(a, true);
  d.record(a, true);
  assert.deepEqual(log, []);
  d.record(a, true);
  assert.deepEqual(log, [['a', 'consecutive-failures', 1000]]);
  assert.equal(a.outlierEjectedUntil, 1000);
  c.t = 1000;
  for (let i = 0; i < 3; i++) d.record(a, true);
  assert.deepEqual(log[1], ['a', 'consecutive-failures', 2000]);
  c.t = 3000;
  for (let i = 0; i < 3; i++) d.record(a, true);
  assert.deepEqual(log[2], ['a', 'consecutive-failures', 2500], 'capped by maxEjectionMs');
  // Quiet for three base periods after the ejection ended: the multiplier decays to 1 again.
  c.t = 5500 + 3000;
  for (let i = 0; i < 3; i++) d.record(a, true);
  assert.deepEqual(log[3], ['a', 'consecutive-failures', 1000]);
});

test('maxEjectionPercent and the last endpoint that can serve are never exceeded', () => {
  const c = clock();
  const log: Array<[string, EjectionReason, number]> = [];
  const ts = ['a', 'b', 'c'].map((u) => target(u, log));
  const d = new OutlierDetector({ consecutiveFailures: 1, maxEjectionPercent: 50, successRate: false }, ts, c);
  d.record(ts[0], true);
  d.record(ts[1], true);
  d.record(ts[2], true);
  assert.deepEqual(log.map((l) => l[0]), ['a'], 'floor(3 × 50 %) = 1 ejected at a time');
  const two = ['x', 'y'].map((u) => target(u, []));
  const d2 = new OutlierDetector({ consecutiveFailures: 1, maxEjectionPercent: 100, successRate: false }, two, c);
  assert.equal(d2.eject(two[0], 'consecutive-failures'), true);
  assert.equal(d2.eject(two[1], 'consecutive-failures'), false, 'the last endpoint that can serve stays');
});

test('success rate: an endpoint far below its peers is ejected at the end of the interval', () => {
  const c = clock();
  const log: Array<[string, EjectionReason, number]> = [];
  const ts = ['a', 'b', 'c', 'd', 'e'].map((u) => target(u, log));
  const d = new OutlierDetector({ consecutiveFailures: 1000, maxEjectionPercent: 50, successRate: { minimumHosts: 5, requestVolume: 50, intervalMs: 1000 } }, ts, c);
  for (let i = 0; i < 100; i++) {
    for (const t of ts) d.record(t, t.url === 'e' ? i % 2 === 0 : i % 50 === 0);
  }
  assert.deepEqual(log, []);
  c.t = 1000;
  d.record(ts[0], false);
  assert.deepEqual(log.map((l) => [l[0], l[1]]), [['e', 'success-rate']]);
});
