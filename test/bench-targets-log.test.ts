import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchCli, benchJson } from './bench-fixtures.js';
import { startNghttpd as startNghttpdServer } from './support/nghttpd.js';
import { LatencyHistogram } from '../src/stats/log-linear-histogram.js';
import { parseRequestLog } from '../src/bench/request-log.js';

// -i (many targets, round-robin) and --log-file against nghttpd serving two files and a 404.
let server: Awaited<ReturnType<typeof startNghttpdServer>>;
let dir: string;
before(async () => {
  server = await startNghttpdServer({ files: { 'index.html': '{"ok":true}\n', 'a.txt': 'abcdef\n' } });
  dir = mkdtempSync(join(tmpdir(), 'h2doctor-targets-'));
});
after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('-i: targets round-robin, per-target counts, status and latency; full URLs give the origin', async () => {
  const file = join(dir, 'targets.txt');
  writeFileSync(file, `# h2load's format: one per line\n${server.url}/index.html\n/a.txt\n\n${server.url}/missing?x=1\n`);
  const { code, result: r } = await benchJson(['-i', file, '-c', '2', '-m', '4', '-n', '600']);
  assert.equal(code, 0);
  assert.equal(r.settings.targets, 3);
  assert.deepEqual(r.targets.map((t) => t.target), ['/index.html', '/a.txt', '/missing?x=1']);
  assert.equal(r.targets.reduce((a, t) => a + t.requests, 0), 600);
  // Round-robin on each of 2 connections: each target gets a third, ±1 per connection.
  for (const t of r.targets) assert.ok(Math.abs(t.requests - 200) <= 2, `${t.target}: ${t.requests}`);
  assert.deepEqual(Object.keys(r.targets[0]!.status), ['200']);
  assert.deepEqual(Object.keys(r.targets[2]!.status), ['404']);
  assert.equal(r.targets[2]!.failures, r.targets[2]!.requests);
  assert.equal(r.targets[0]!.failures, 0);
  assert.equal(r.requests.httpErrors, r.targets[2]!.requests);
  assert.equal(r.status['404'], r.targets[2]!.requests);
  for (const t of r.targets) {
    assert.equal(t.latency.count, t.requests);
    assert.ok(t.latency.p50 > 0 && t.latency.p50 <= t.latency.p99);
  }
  // Bodies: index.html is 12 bytes, a.txt 7; nghttpd's 404 page has its own size.
  assert.ok(r.bytes.body >= r.targets[0]!.requests * 12 + r.targets[1]!.requests * 7);
  const text = await benchCli(['-i', file, '-c', '1', '-m', '2', '-n', '30']);
  assert.match(text.out, /per target \(3, round-robin\)/);
  assert.match(text.out, /\/missing\?x=1 +10 +10 +404 ×10/);
});

test('-i with paths only takes the origin from <url>; bad files are one usage line', async () => {
  const paths = join(dir, 'paths.txt');
  writeFileSync(paths, '/index.html\n/a.txt\n');
  const { result: r } = await benchJson([server.url, '-i', paths, '-c', '1', '-m', '1', '-n', '10']);
  assert.deepEqual(r.targets.map((t) => t.requests), [5, 5]);
  const noOrigin = await benchCli(['-i', paths, '-n', '10']);
  assert.equal(noOrigin.code, 2);
  assert.match(noOrigin.err, /holds only paths: give the <url>/);
  const other = join(dir, 'other.txt');
  writeFileSync(other, `${server.url}/index.html\nhttp://127.0.0.1:1/x\n`);
  const mixed = await benchCli(['-i', other, '-n', '10']);
  assert.equal(mixed.code, 2);
  assert.match(mixed.err, /line 2 .* is not on http:\/\/127\.0\.0\.1:\d+ \(every target shares one origin\)/);
  const missing = await benchCli(['-i', join(dir, 'none.txt'), '-n', '10']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /--input-file: cannot read/);
});

test('--log-file: one line per measured request, h2load columns first, agreeing with the JSON', async () => {
  const log = join(dir, 'requests.log');
  const before = Date.now();
  const { result: r } = await benchJson([`${server.url}/index.html`, '-c', '2', '-m', '8', '-n', '2000', '--warmup', '100ms', '--log-file', log]);
  const lines = parseRequestLog(readFileSync(log, 'utf8'));
  assert.equal(lines.length, 2000, 'warmup requests are not logged');
  assert.equal(r.latency.total.count, 2000);
  assert.ok(lines.every((l) => l.status === 200 && l.outcome === 'ok'));
  assert.ok(lines.every((l) => l.startUs >= before * 1000 && l.startUs <= Date.now() * 1000), 'start is µs since the epoch');
  assert.ok(lines.every((l) => l.stream % 2 === 1), 'client streams are odd (RFC 9113 §5.1.1)');
  assert.ok(lines.every((l) => l.queueUs >= 0 && l.ttfbUs >= 0 && l.queueUs + l.ttfbUs <= l.durationUs + 1));
  const ids = new Set(r.perConnection.map((c) => c.id));
  assert.ok(lines.every((l) => ids.has(l.connection)));
  // Stream ids are unique per connection.
  assert.equal(new Set(lines.map((l) => `${l.connection}/${l.stream}`)).size, 2000);
  // The log rebuilds the report's histogram exactly: same rounding to whole µs.
  const h = new LatencyHistogram();
  for (const l of lines) h.recordUs(l.durationUs);
  assert.equal(h.percentileMs(50), r.latency.total.p50);
  assert.equal(h.percentileMs(99), r.latency.total.p99);
  assert.equal(h.maxUs / 1000, r.latency.total.max);
});
