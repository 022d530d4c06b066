import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BenchRecorder, Outcome } from '../bench/recorder.js';
import { buildBenchResult } from '../bench/result.js';
import { resolveBenchOptions } from '../bench/options.js';
import { renderBenchText } from './bench-text.js';
import { createStyle } from './style.js';
import { renderBenchJson } from './bench-json.js';
import { renderBenchProgress } from './bench-progress.js';
import { ConnectError } from '../errors.js';

function sample(rate = 0) {
  const rec = new BenchRecorder(100);
  const conn = rec.openConnection(3, 0, 1, 2);
  for (let i = 0; i < 50; i++) {
    const failed = i === 7;
    rec.recordRequest(conn, 2 * i + 1, 0, i, i + 0.5, failed ? NaN : i + 1, i + (failed ? 30 : 2), failed ? 0 : 200, failed ? Outcome.RESET : Outcome.OK);
  }
  rec.recordReset(conn, 8);
  rec.recordGoaway(conn, 0, 99, 40, 'bye');
  rec.counters.pushPromises = 5;
  const o = resolveBenchOptions({ url: 'https://example.test/x', rate, connections: 1, streams: 4 });
  const self = { loopDelayP50: 0.1, loopDelayP99: 0.5, loopDelayMax: 1, cpuUserMs: 10, cpuSystemMs: 5, wallMs: 60 };
  return buildBenchResult(o, rec, self, undefined, false);
}

test('text report: essentials, marked failures, codes by name, the slowest request first', () => {
  const text = renderBenchText(sample());
  assert.match(text, /requests: 50 total, 49 succeeded, 1 failed \(0 http errors, 1 reset, 0 errored, 0 timeout\)/);
  assert.match(text, /^failed only +1 /m);
  assert.match(text, /RST_STREAM received: CANCEL\(0x8\) ×1/);
  assert.match(text, /GOAWAY: 1 \(NO_ERROR\(0x0\) ×1\); last on conn 3 with last-stream-id 99/);
  assert.match(text, /slowest requests\nconn +stream +outcome[^\n]*\n[^\n]*\n3 +15 +reset/);
  assert.match(text, /warning: the server pushed 5 streams/);
  assert.doesNotMatch(text, /\x1b\[/, 'no colour unless asked');
  assert.match(renderBenchText(sample(), createStyle(true)), /\x1b\[31m/);
});

test('with --rate the total row says it is corrected, and uncorrected is shown', () => {
  const text = renderBenchText(sample(100));
  assert.match(text, /^total \(from intended send\)/m);
  assert.match(text, /^uncorrected \(from send\)/m);
});

test('partial results say so; JSON carries the error', () => {
  const r = sample();
  const partial = { ...r, partial: true, error: { code: new ConnectError('x').code, message: 'connect 127.0.0.1:1: connection refused' } };
  assert.match(renderBenchText(partial), /partial results: the run stopped early \(connect 127\.0\.0\.1:1: connection refused\)/);
  const json = JSON.parse(renderBenchJson(partial));
  assert.equal(json.error.code, 'ERR_CONNECT');
  for (const key of ['p50', 'p90', 'p99', 'p999', 'p9999', 'max', 'mean']) assert.equal(typeof json.latency.queue[key], 'number');
  assert.equal(typeof json.connections.reuseRate, 'number');
  assert.equal(typeof json.push.promises, 'number');
});

test('progress line: elapsed, done, req/s and p99 of the last second', () => {
  const line = renderBenchProgress({ elapsedMs: 2500, done: 1234, recentRequests: 500, recentP99: 3.2, recentSpanMs: 1000, warmup: false }, 10_000);
  assert.equal(line.trimEnd(), '\r2.5 s  done 1234/10000  500 req/s  p99 3.20 ms');
});
