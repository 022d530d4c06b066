import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { benchCli } from './bench-fixtures.js';

// A server with a fixed capacity: one FIFO worker that takes exactly 1/CAPACITY s per request.
// Below CAPACITY req/s nothing queues; above it the queue, and so latency, grows by
// (rate − CAPACITY) ÷ CAPACITY seconds per second. --find-max-rate must find the knee within 15 %.
// The server runs in its own process, so the bench's event loop and its own do not delay each other.
const CAPACITY = 200;
const SERVER = `
const { createServer } = require('node:http2');
const { performance } = require('node:perf_hooks');
let nextFree = 0;
const server = createServer((req, res) => {
  const now = performance.now();
  nextFree = Math.max(now, nextFree) + 1000 / ${CAPACITY};
  setTimeout(() => { if (!res.stream.destroyed) res.end('ok\\n'); }, nextFree - now);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;
let child: ChildProcess;
let url: string;

before(async () => {
  child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  url = `http://127.0.0.1:${Number(chunk.toString().trim())}/`;
});
after(async () => {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill();
    await exited;
  }
});

test('--find-max-rate finds a fixed-capacity server\'s knee within 15 %, printing every step', async () => {
  // A step fails once the queue wait at its end passes the SLO: rate > CAPACITY × (1 + 0.12 s ÷ 1.5 s),
  // 8 % above the knee; a stall of the machine shorter than 120 ms does not fail a step.
  const r = await benchCli([url, '-c', '2', '-m', '200', '--rate', '100', '--find-max-rate', '--slo', 'p99<120ms', '--slo', 'errors<1%', '--step', '1500ms', '--json']);
  assert.equal(r.code, 0, r.err);
  const { search } = JSON.parse(r.out) as { search: { rate: number; failedAt: number | null; width: number | null; confirmed: boolean; steps: { rate: number; ok: boolean; phase: string; rerun: boolean }[] } };
  assert.ok(Math.abs(search.rate - CAPACITY) / CAPACITY <= 0.15, `found ${search.rate} req/s, capacity ${CAPACITY}`);
  assert.ok(search.failedAt !== null && search.failedAt > search.rate);
  assert.ok(search.width !== null && search.width <= 0.05 + 1e-9 || search.steps.length >= 19);
  // Bracketing: every passing rate is below every failing one (the confirmation aside).
  const passed = search.steps.filter((s) => s.ok && s.phase !== 'confirm').map((s) => s.rate);
  const failed = search.steps.filter((s) => !s.ok && !s.rerun).map((s) => s.rate);
  assert.ok(Math.max(...passed) < Math.min(...failed));
  assert.equal(search.steps.at(-1)!.phase, 'confirm');
  // Every step printed (stderr with --json), then the answer with its bracket.
  const stepLines = r.err.split('\n').filter((l) => /^step +\d+ /.test(l));
  assert.equal(stepLines.length, search.steps.length);
  assert.match(r.err, /max rate keeping p99<120ms, errors<1%: \d+ req\/s \(held at \d+, failed at \d+ req\/s: the knee is within [\d.]+ % above; /);
});

test('--find-max-rate needs --slo; --slo alone and --stages with it are usage errors', async () => {
  for (const args of [['--find-max-rate'], ['--slo', 'p99<1s'], ['--find-max-rate', '--slo', 'p99<1s', '--stages', '1s:10'], ['--find-max-rate', '--slo', 'p99']]) {
    const r = await benchCli([url, ...args]);
    assert.equal(r.code, 2, args.join(' '));
  }
});
