import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchCli, benchJson, startNghttpd } from './bench-fixtures.js';

// Against a real peer (nghttpd, h2c prior knowledge): the counters must add up exactly.
let server: Awaited<ReturnType<typeof startNghttpd>>;
before(async () => {
  server = await startNghttpd();
});
after(async () => {
  await server.stop();
});

test('closed loop: every request succeeds, one connection per -c, exact counts', async () => {
  const { code, result: r } = await benchJson([server.url, '-c', '4', '-m', '8', '-n', '5000']);
  assert.equal(code, 0);
  assert.equal(r.requests.total, 5000);
  assert.equal(r.requests.succeeded, 5000);
  assert.equal(r.requests.failed, 0);
  assert.deepEqual(r.status, { '200': 5000 });
  assert.equal(r.connections.opened, 4);
  assert.equal(r.connections.reconnects, 0);
  assert.equal(r.connections.reuseRate, 1 - 4 / 5000);
  assert.equal(r.latency.total.count, 5000);
  assert.equal(r.latency.ttfb.count, 5000);
  assert.equal(r.bytes.body, 5000 * 12);
  assert.ok(r.latency.total.p50 > 0 && r.latency.total.p50 <= r.latency.total.p99);
  assert.ok(r.latency.total.p99 <= r.latency.total.max);
  assert.equal(r.perConnection.length, 4);
  assert.equal(r.perConnection.reduce((a, c) => a + c.requests, 0), 5000);
  assert.ok(r.slowest.length >= 5);
  assert.ok(r.rps > 0 && r.durationMs > 0);
});

test('--requests-per-connection 1: a new connection per request, reuse 0', async () => {
  const { result: r } = await benchJson([server.url, '-c', '2', '-m', '1', '-n', '40', '--requests-per-connection', '1']);
  assert.equal(r.requests.succeeded, 40);
  assert.equal(r.connections.opened, 40);
  assert.equal(r.connections.reuseRate, 0);
  assert.equal(r.connections.requestsPerConnection, 1);
  // Requests waited for the new connection: the queue phase shows the connect cost.
  assert.ok(r.latency.queue.p50 > 0);
});

test('--requests-per-connection 25 with 2 workers: merged counts are exact', async () => {
  const { result: r } = await benchJson([server.url, '-c', '2', '-m', '5', '-n', '1000', '--requests-per-connection', '25', '-t', '2']);
  assert.equal(r.requests.total, 1000);
  assert.equal(r.requests.succeeded, 1000);
  assert.equal(r.connections.opened, 40);
  assert.equal(r.latency.total.count, 1000);
  assert.equal(r.settings.workers, 2);
  // Connection ids from the two workers never collide.
  assert.equal(new Set(r.perConnection.map((c) => c.id)).size, r.perConnection.length);
});

test('text report names the essentials and the per-connection table; --out writes the JSON', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'h2doctor-bench-out-')), 'result.json');
  const r = await benchCli([server.url, '-c', '2', '-m', '4', '-n', '500', '--interval', '50ms', '--out', out]);
  const saved = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(saved.requests.succeeded, 500);
  assert.ok(saved.intervals.length >= 1);
  assert.equal(saved.intervals.reduce((a: number, i: { requests: number }) => a + i.requests, 0), 500);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /requests: 500 total, 500 succeeded, 0 failed/);
  assert.match(r.out, /status codes: 200 ×500/);
  assert.match(r.out, /^queue \(wait for a stream\)/m);
  assert.match(r.out, /slowest requests/);
  assert.match(r.out, /per connection/);
  assert.match(r.out, /intervals/);
  assert.match(r.out, /self-check: event-loop delay/);
  assert.equal(r.err, '', 'no progress line when not a TTY');
});

test('--duration and --rate: open loop at a fixed rate, schedule lag reported', async () => {
  const { result: r } = await benchJson([server.url, '-c', '2', '-m', '4', '-d', '1s', '--rate', '200']);
  // 200 req/s for 1 s: exactly 200 intended sends.
  assert.equal(r.requests.total, 200);
  assert.equal(r.requests.succeeded, 200);
  assert.ok(r.selfCheck.scheduleLagMs !== null && r.selfCheck.scheduleLagMs.count === 200);
  assert.equal(r.settings.rate, 200);
});
