import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Http2Server } from 'node:http2';
import { performance } from 'node:perf_hooks';
import { benchCli, portOf } from './bench-fixtures.js';

// A server with a fixed capacity: one FIFO worker that takes exactly 1/CAPACITY s per request.
// Below CAPACITY req/s nothing queues; above it the queue, and so latency, grows by
// (rate − CAPACITY) ÷ CAPACITY seconds per second. --find-max-rate must find the knee within 15 %.
const CAPACITY = 300;
const SERVICE_MS = 1000 / CAPACITY;
let server: Http2Server;
let url: string;
let nextFree = 0;
const timers = new Set<NodeJS.Timeout>();

before(async () => {
  server = createServer((_req, res) => {
    const now = performance.now();
    nextFree = Math.max(now, nextFree) + SERVICE_MS;
    const t = setTimeout(() => {
      timers.delete(t);
      if (!res.stream.destroyed) res.end('ok\n');
    }, nextFree - now);
    timers.add(t);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${portOf(server as unknown as import('node:net').Server)}/`;
});
after(async () => {
  for (const t of timers) clearTimeout(t);
  await new Promise((resolve) => server.close(resolve));
});

test('--find-max-rate finds a fixed-capacity server\'s knee within 15 %, printing every step', async () => {
  const r = await benchCli([url, '-c', '2', '-m', '200', '--rate', '150', '--find-max-rate', '--slo', 'p99<50ms', '--slo', 'errors<1%', '--step', '1s', '--json']);
  assert.equal(r.code, 0, r.err);
  const { search } = JSON.parse(r.out) as { search: { rate: number; failedAt: number | null; width: number | null; confirmed: boolean; steps: { rate: number; ok: boolean; phase: string }[] } };
  assert.ok(Math.abs(search.rate - CAPACITY) / CAPACITY <= 0.15, `found ${search.rate} req/s, capacity ${CAPACITY}`);
  assert.ok(search.failedAt !== null && search.failedAt > search.rate);
  assert.ok(search.width !== null && search.width <= 0.05 + 1e-9 || search.steps.length >= 19);
  // Bracketing: every passing rate is below every failing one (the confirmation aside).
  const passed = search.steps.filter((s) => s.ok && s.phase !== 'confirm').map((s) => s.rate);
  const failed = search.steps.filter((s) => !s.ok).map((s) => s.rate);
  assert.ok(Math.max(...passed) < Math.min(...failed));
  assert.equal(search.steps.at(-1)!.phase, 'confirm');
  // Every step printed (stderr with --json), then the answer with its bracket.
  const stepLines = r.err.split('\n').filter((l) => /^step +\d+ /.test(l));
  assert.equal(stepLines.length, search.steps.length);
  assert.match(r.err, /max rate keeping p99<50ms, errors<1%: \d+ req\/s \(held at \d+, failed at \d+ req\/s: the knee is within [\d.]+ % above; /);
});

test('--find-max-rate needs --slo; --slo alone and --stages with it are usage errors', async () => {
  for (const args of [['--find-max-rate'], ['--slo', 'p99<1s'], ['--find-max-rate', '--slo', 'p99<1s', '--stages', '1s:10'], ['--find-max-rate', '--slo', 'p99']]) {
    const r = await benchCli([url, ...args]);
    assert.equal(r.code, 2, args.join(' '));
  }
});
