import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BenchRecorder, Outcome } from './recorder.js';
import { buildBenchResult } from './result.js';
import { resolveBenchOptions } from './options.js';

function fill(rec: BenchRecorder, idBase: number, n: number): void {
  const conn = rec.openConnection(idBase, 0, 1.5, 0);
  for (let i = 0; i < n; i++) {
    const start = 100 + i;
    const total = i === n - 1 ? 50 : 1 + (i % 5) / 10;
    const outcome = i % 10 === 0 ? Outcome.RESET : Outcome.OK;
    rec.recordRequest(conn, 2 * i + 1, 100, start, start + 0.1, outcome === Outcome.RESET ? NaN : start + total / 2, start + total, outcome === Outcome.RESET ? 0 : 200, outcome);
    if (outcome === Outcome.RESET) rec.recordReset(conn, 7);
  }
}

test('outcomes, histograms and the slowest list add up', () => {
  const rec = new BenchRecorder(10);
  fill(rec, 0, 100);
  assert.equal(rec.completed(), 100);
  assert.equal(rec.counters.reset, 10);
  assert.equal(rec.counters.ok, 90);
  assert.equal(rec.total.total, 100);
  assert.equal(rec.ttfb.total, 90, 'no TTFB for reset requests');
  assert.equal(rec.failed.total, 10);
  assert.equal(rec.slowest.length, 10);
  assert.equal(rec.slowest[0]!.totalMs, 50);
  assert.ok(rec.slowest.every((s, i, a) => i === 0 || a[i - 1]!.totalMs >= s.totalMs));
  assert.equal(rec.status.get(200), 90);
  assert.equal(rec.resets.get(7), 10);
  assert.ok(rec.intervals.size >= 10);
});

test('merge of two snapshots equals recording into one', () => {
  const one = new BenchRecorder(10);
  fill(one, 0, 100);
  fill(one, 1, 50);
  const a = new BenchRecorder(10), b = new BenchRecorder(10);
  fill(a, 0, 100);
  fill(b, 1, 50);
  const merged = new BenchRecorder(10);
  merged.merge(structuredClone(a.snapshot()));
  merged.merge(structuredClone(b.snapshot()));
  assert.deepEqual(merged.total.summary(), one.total.summary());
  assert.deepEqual(merged.counters, one.counters);
  assert.deepEqual([...merged.resets], [...one.resets]);
  assert.deepEqual(merged.slowest, one.slowest);
  assert.equal(merged.connections.size, 2);
  const o = resolveBenchOptions({ url: 'http://127.0.0.1/' });
  const self = { loopDelayP50: 0, loopDelayP99: 0, loopDelayMax: 0, cpuUserMs: 1, cpuSystemMs: 1, wallMs: 100 };
  const r = buildBenchResult(o, merged, self, undefined, false);
  assert.equal(r.requests.total, 150);
  assert.equal(r.requests.failed, 15);
  assert.deepEqual(r.resets.byCode, { 'REFUSED_STREAM(0x7)': 15 });
  assert.equal(r.connections.opened, 2);
  assert.equal(r.partial, false);
});
