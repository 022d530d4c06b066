import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { benchCli, freePort, startNghttpd } from './bench-fixtures.js';
import type { BenchResult } from '../src/bench/result.js';

// --prometheus-remote-write against a real Prometheus (Debian's 2.42, remote-write receiver on,
// loopback, storage in a temporary folder): two bench processes push at once, and PromQL over
// the HTTP API sums their request counts exactly.
const run = promisify(execFile);
const bin = new URL('../bin/h2doctor.js', import.meta.url).pathname;
let server: Awaited<ReturnType<typeof startNghttpd>>;
let prometheus: ChildProcess;
let promUrl: string;
let dir: string;

before(async () => {
  server = await startNghttpd();
  dir = mkdtempSync(join(tmpdir(), 'h2doctor-prometheus-'));
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\n');
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--web.enable-remote-write-receiver',
  ], { stdio: 'ignore' });
  let spawnError: Error | undefined;
  prometheus.on('error', (err) => (spawnError = err));
  for (const deadline = Date.now() + 60_000; ; ) {
    if (spawnError || prometheus.exitCode !== null) throw new Error(`prometheus did not start: ${spawnError?.message ?? `exit ${prometheus.exitCode}`}`);
    const ready = await fetch(`${promUrl}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error('prometheus not ready within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
});
after(async () => {
  await server.stop();
  if (prometheus.exitCode === null && prometheus.signalCode === null) {
    const exited = once(prometheus, 'exit');
    prometheus.kill();
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

async function query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const r = await fetch(`${promUrl}/api/v1/query?${new URLSearchParams({ query: promql })}`);
  const body = (await r.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  assert.equal(body.status, 'success', JSON.stringify(body));
  return body.data.result;
}

test('two generators push at once; PromQL sums their requests exactly, histograms give a P99', async () => {
  const write = `${promUrl}/api/v1/write`;
  const common = ['bench', server.url, '-c', '2', '-m', '8', '-d', '1500ms', '--interval', '200ms', '--json', '--prometheus-remote-write', write, '--prometheus-label', 'run=two-generators'];
  const outs = await Promise.all([
    run(process.execPath, [bin, ...common, '--rate', '400']),
    run(process.execPath, [bin, ...common, '--rate', '300', '-t', '2']),
  ]);
  const [a, b] = outs.map((o) => JSON.parse(o.stdout) as BenchResult);
  for (const o of outs) assert.doesNotMatch(o.stderr, /remote write .* failed/);
  assert.equal(a!.requests.total, 600);
  assert.equal(b!.requests.total, 450);

  const total = await query('sum(h2doctor_bench_requests_total{run="two-generators"})');
  assert.equal(total[0]!.value[1], '1050');
  const succeeded = await query('sum(h2doctor_bench_requests_total{run="two-generators",outcome="succeeded"})');
  assert.equal(Number(succeeded[0]!.value[1]), a!.requests.succeeded + b!.requests.succeeded);
  // Each generator is its own instance (host-pid) and pushed live, not only at the end.
  const instances = await query('count by (instance) (h2doctor_bench_requests_total{run="two-generators",outcome="succeeded"})');
  assert.equal(instances.length, 2);
  const pushes = await query('count_over_time(h2doctor_bench_requests_total{run="two-generators",outcome="succeeded"}[10m])');
  for (const p of pushes) assert.ok(Number(p.value[1]) >= 3, `only ${p.value[1]} pushes from ${p.metric.instance}`);
  const opened = await query('sum(h2doctor_bench_connections_opened_total{run="two-generators"})');
  assert.equal(Number(opened[0]!.value[1]), a!.connections.opened + b!.connections.opened);
  const count = await query('sum(h2doctor_bench_request_duration_seconds_count{run="two-generators"})');
  assert.equal(count[0]!.value[1], '1050');

  // The docs' merged-P99 query: histogram_quantile over summed classic buckets.
  const p99 = await query('histogram_quantile(0.99, sum by (le) (h2doctor_bench_request_duration_seconds_bucket{run="two-generators"}))');
  const seconds = Number(p99[0]!.value[1]);
  assert.ok(seconds > 0 && seconds <= 10, `P99 ${seconds} s`);
});

test('bad --prometheus-* values are usage errors; an unreachable receiver is a warning, not a failure', async () => {
  const bad = await benchCli([server.url, '-n', '10', '--prometheus-remote-write', 'localhost:9090']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--prometheus-remote-write: 'localhost:9090' is not an http/);
  const label = await benchCli([server.url, '-n', '10', '--prometheus-remote-write', write(), '--prometheus-label', '__name__=x']);
  assert.equal(label.code, 2);
  const alone = await benchCli([server.url, '-n', '10', '--prometheus-label', 'a=b']);
  assert.equal(alone.code, 2);
  const port = await freePort();
  const down = await benchCli([server.url, '-n', '100', '--prometheus-remote-write', `http://127.0.0.1:${port}/api/v1/write`]);
  assert.equal(down.code, 0);
  assert.match(down.out, /requests: 100 total/);
  assert.match(down.err, /^warning: prometheus remote write to .* failed: /m);
});

function write(): string {
  return `${promUrl}/api/v1/write`;
}
