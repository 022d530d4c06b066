import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { benchCli, startNghttpd } from './bench-fixtures.js';
import { LatencyHistogram } from '../src/stats/log-linear-histogram.js';
import { parseRequestLog } from '../src/bench/request-log.js';
import type { BenchResult } from '../src/bench/result.js';

// Two bench processes at once against one nghttpd, each writing --out JSON and a --log-file;
// `bench merge` must equal their sum exactly and its percentiles must match a histogram built
// from every logged request.
const run = promisify(execFile);
const bin = new URL('../bin/h2doctor.js', import.meta.url).pathname;
let server: Awaited<ReturnType<typeof startNghttpd>>;
let dir: string;
before(async () => {
  server = await startNghttpd();
  dir = mkdtempSync(join(tmpdir(), 'h2doctor-merge-'));
});
after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Bucket index distance between two values (µs) in the report's histogram layout. */
function bucketsApart(aUs: number, bUs: number): number {
  const h = new LatencyHistogram();
  return Math.abs(h.indexOf(Math.round(aUs)) - h.indexOf(Math.round(bUs)));
}

test('two processes at once: merge sums counts exactly; p50/p99 within one bucket of the logged requests', async () => {
  const files = ['a', 'b'].map((n) => ({ json: join(dir, `${n}.json`), log: join(dir, `${n}.log`) }));
  const runs = await Promise.all([
    run(process.execPath, [bin, 'bench', server.url, '-c', '2', '-m', '4', '-n', '3000', '--out', files[0]!.json, '--log-file', files[0]!.log, '--json']),
    run(process.execPath, [bin, 'bench', server.url, '-c', '3', '-m', '2', '-n', '2000', '-t', '2', '--out', files[1]!.json, '--log-file', files[1]!.log, '--json']),
  ]);
  const [a, b] = runs.map((r) => JSON.parse(r.stdout) as BenchResult);
  assert.equal(a!.requests.total, 3000);
  assert.equal(b!.requests.total, 2000);
  assert.match(a!.histograms!.total.hdr, /^HISTF/);

  const merged = await benchCli(['merge', files[0]!.json, files[1]!.json, '--json']);
  assert.equal(merged.code, 0, merged.err);
  const m = JSON.parse(merged.out) as BenchResult;
  assert.equal(m.requests.total, 5000);
  assert.equal(m.requests.succeeded, a!.requests.succeeded + b!.requests.succeeded);
  assert.deepEqual(m.status, { '200': 5000 });
  assert.equal(m.bytes.body, a!.bytes.body + b!.bytes.body);
  assert.equal(m.bytes.in, a!.bytes.in + b!.bytes.in);
  assert.equal(m.connections.opened, a!.connections.opened + b!.connections.opened);
  assert.equal(m.latency.total.count, 5000);
  assert.equal(m.latency.ttfb.count, a!.latency.ttfb.count + b!.latency.ttfb.count);
  assert.equal(m.latency.total.max, Math.max(a!.latency.total.max, b!.latency.total.max));
  assert.equal(m.latency.total.min, Math.min(a!.latency.total.min, b!.latency.total.min));
  assert.equal(m.settings.connections, 5);
  // rps over the union of the two spans: at least the longer run, at most first start to last end.
  // (Epoch milliseconds in JSON carry about 0.3 µs of rounding, hence the 1 µs slack.)
  const start = Math.min(a!.startedAtMs!, b!.startedAtMs!);
  const end = Math.max(a!.endedAtMs!, b!.endedAtMs!);
  assert.ok(m.durationMs <= end - start + 1e-3, `${m.durationMs} > ${end - start}`);
  assert.ok(m.durationMs >= Math.max(a!.durationMs, b!.durationMs) - 1e-3, `${m.durationMs} < ${a!.durationMs}, ${b!.durationMs}`);
  assert.ok(Math.abs(m.rps - (5000 * 1000) / m.durationMs) < 1e-3);

  // Every request is in the logs, once.
  const lines = files.flatMap((f) => parseRequestLog(readFileSync(f.log, 'utf8')));
  assert.equal(lines.length, 5000);
  const fromLog = new LatencyHistogram();
  for (const l of lines) fromLog.recordUs(l.durationUs);
  for (const [q, reported] of [[50, m.latency.total.p50], [99, m.latency.total.p99]] as const) {
    const logged = fromLog.percentileUs(q);
    assert.ok(bucketsApart(logged, reported * 1000) <= 1, `p${q}: merged ${reported} ms, log ${logged / 1000} ms`);
  }

  // The text report of a merge reads like one run's.
  const text = await benchCli(['merge', files[0]!.json, files[1]!.json]);
  assert.match(text.out, /requests: 5000 total, 5000 succeeded, 0 failed/);
  assert.match(text.out, /merged 2 runs/);

  // Thresholds judge the merged result.
  const judged = await benchCli(['merge', files[0]!.json, files[1]!.json, '--json', '--threshold', 'p50<1us', '--threshold', 'errors<1%']);
  assert.equal(judged.code, 1);
  assert.deepEqual(JSON.parse(judged.out).thresholds.map((t: { ok: boolean }) => t.ok), [false, true]);
});

test('merge rejects a file that is not a mergeable result, in one line, exit 2', async () => {
  const bad = join(dir, 'bad.json');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(bad, '{"requests":{}}');
  const r = await benchCli(['merge', bad]);
  assert.equal(r.code, 2);
  assert.match(r.err, /not a mergeable 'bench --json' result/);
  assert.equal(r.err.trim().split('\n').filter((l) => !l.startsWith('Try ')).length, 1);
  const missing = await benchCli(['merge', join(dir, 'nope.json')]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /cannot read/);
  const none = await benchCli(['merge']);
  assert.equal(none.code, 2);
});
