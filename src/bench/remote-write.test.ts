import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BenchRecorder, Outcome } from './recorder.js';
import { cumulativeBuckets, seriesFromSnapshot } from './remote-write.js';

function sample() {
  const rec = new BenchRecorder();
  const conn = rec.openConnection(1, 0, 1, 0);
  const latencies = [0.2, 0.8, 3, 7, 40, 120, 2600, 20_000];
  latencies.forEach((ms, i) => rec.recordRequest(conn, 2 * i + 1, 0, 0, 0, ms / 2, ms, i === 7 ? 0 : 200, i === 7 ? Outcome.TIMEOUT : Outcome.OK));
  rec.recordReset(conn, 7);
  rec.recordGoaway(conn, 0, 5, 1, '');
  return rec.snapshot();
}

test('classic buckets are cumulative and +Inf equals the count', () => {
  const s = sample();
  assert.deepEqual(cumulativeBuckets(s.histograms.total), [1, 2, 2, 3, 4, 4, 5, 5, 6, 6, 6, 6, 7, 7]);
});

test('series: the request counter by outcome, failures by reason, sorted labels with the base on each', () => {
  const series = seriesFromSnapshot(sample(), { instance: 'gen-0', job: 'h2doctor-bench', zone: 'a' });
  const find = (name: string, extra: Record<string, string> = {}) => series.find((x) => x.labels.__name__ === name && Object.entries(extra).every(([k, v]) => x.labels[k] === v));
  assert.equal(find('h2doctor_bench_requests_total', { outcome: 'succeeded' })!.value, 7);
  assert.equal(find('h2doctor_bench_requests_total', { outcome: 'failed' })!.value, 1);
  assert.equal(find('h2doctor_bench_failures_total', { reason: 'timeout' })!.value, 1);
  assert.equal(find('h2doctor_bench_resets_received_total', { code: 'REFUSED_STREAM' })!.value, 1);
  assert.equal(find('h2doctor_bench_goaways_total', { code: 'NO_ERROR' })!.value, 1);
  assert.equal(find('h2doctor_bench_request_duration_seconds_bucket', { le: '+Inf' })!.value, 8);
  assert.equal(find('h2doctor_bench_request_duration_seconds_count')!.value, 8);
  assert.ok(Math.abs(find('h2doctor_bench_request_duration_seconds_sum')!.value - 22.7710) < 1e-6);
  for (const x of series) {
    const names = Object.keys(x.labels);
    assert.deepEqual(names, [...names].sort(), 'labels sorted by name (remote-write spec)');
    assert.equal(x.labels.instance, 'gen-0');
  }
});
