// Connections the server ends (GOAWAY after N requests, a bare FIN after N), a low stream limit,
// stream resets, flow-control stalls on an upload, and the idle timeout.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants } from 'node:http2';
import { runProbeCli, startH2Server, type Running } from './probe-servers.js';

let goaway: Running, fin: Running, few: Running, resets: Running, smallWindow: Running, idle: Running, single: Running;
const dir = mkdtempSync(join(tmpdir(), 'h2doctor-probe-'));
const body = join(dir, 'body.bin');
writeFileSync(body, Buffer.alloc(100_000, 0x62));
before(async () => {
  [goaway, fin, few, resets, smallWindow, idle, single] = await Promise.all([
    startH2Server({ tls: false, goawayAfter: 5 }),
    startH2Server({ tls: false, finAfter: 5 }),
    startH2Server({ tls: false, maxConcurrentStreams: 5 }),
    startH2Server({ tls: false, resetEvery: { n: 4, code: constants.NGHTTP2_INTERNAL_ERROR } }),
    startH2Server({ tls: false, initialWindowSize: 16_384 }),
    startH2Server({ tls: false, idleCloseMs: 300 }),
    startH2Server({ tls: false, oneConnection: true }),
  ]);
});
after(async () => {
  await Promise.all([goaway, fin, few, resets, smallWindow, idle, single].map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

const json = async (argv: string[]) => {
  const r = await runProbeCli([...argv, '--json']);
  return { ...r, j: JSON.parse(r.out) };
};
// ttfb-tail (info) depends on how loaded the machine is; every other finding is deterministic.
const ids = (j: { findings: { id: string }[] }) => j.findings.map((f) => f.id).filter((id) => id !== 'ttfb-tail').sort();

test('GOAWAY after 5 requests: connection-churn with requests per connection; every request still answered', async () => {
  const { code, j } = await json([goaway.url]);
  assert.equal(code, 1);
  assert.deepEqual(ids(j), ['connection-churn']);
  assert.ok(j.connections.opened >= 4, `opened ${j.connections.opened}`);
  assert.equal(j.requests.succeeded, 20);
  assert.equal(j.connections.requestsPerConnection.reduce((a: number, b: number) => a + b, 0), 20);
  const churn = j.findings[0];
  assert.match(churn.evidence.join('\n'), /connection 1: \d+ requests, GOAWAY NO_ERROR\(0x0\) last-stream-id=\d+/);
});

test('a bare FIN after 5 requests: connection-churn and close-without-goaway; safe requests re-sent', async () => {
  const { code, j } = await json([fin.url]);
  assert.equal(code, 1);
  assert.deepEqual(ids(j), ['close-without-goaway', 'connection-churn']);
  assert.deepEqual(j.connections.requestsPerConnection, [5, 5, 5, 5]);
  assert.equal(j.requests.succeeded, 20);
  assert.ok(j.requests.retried > 0);
  assert.equal(j.connections.list[0].end.by, 'fin');
  assert.equal(j.connections.list[0].end.goaway, null);
});

test('a bare FIN under a POST: nothing says what the server processed, so no re-send; requests-failed', async () => {
  const { code, j } = await json([fin.url, '-X', 'POST', '-n', '8']);
  assert.equal(code, 1);
  assert.deepEqual(ids(j), ['close-without-goaway', 'requests-failed']);
  assert.equal(j.requests.retried, 0);
  assert.equal(j.requests.failed, 3);
  assert.ok(j.requests.list.filter((r: { error: string | null }) => r.error === 'connection closed before the response').length === 3);
});

test('MAX_CONCURRENT_STREAMS=5: low-max-concurrent-streams, read from the SETTINGS as sent', async () => {
  const { code, j } = await json([few.url]);
  assert.equal(code, 0);
  assert.deepEqual(ids(j), ['low-max-concurrent-streams']);
  assert.deepEqual(j.settings.server.find((s: { id: number }) => s.id === 3), { id: 3, name: 'SETTINGS_MAX_CONCURRENT_STREAMS', value: 5 });
  assert.equal(j.requests.succeeded, 20);
});

test('the server resets every 4th stream with INTERNAL_ERROR: stream-resets, requests failed with the code', async () => {
  const { code, j } = await json([resets.url, '-n', '12']);
  assert.equal(code, 0);
  assert.deepEqual(ids(j), ['stream-resets']);
  assert.ok(j.resets.length >= 3);
  assert.equal(j.requests.failed, j.resets.filter((r: { connection: number }) => r.connection === 1).length);
  assert.match(j.findings[0].evidence[0], /^INTERNAL_ERROR\(0x2\) on stream\(s\) /);
  assert.ok(j.requests.list.some((r: { error: string | null }) => /stream reset by the server: INTERNAL_ERROR/.test(r.error ?? '')));
});

test('a 100 kB upload against a 16 KiB stream window: flow-control-stall', async () => {
  const { code, j } = await json([smallWindow.url, '-X', 'POST', '--data', body, '-n', '3', '-H', 'content-type: application/octet-stream']);
  assert.equal(code, 0);
  assert.deepEqual(ids(j), ['flow-control-stall']);
  assert.ok(j.flowControlStalls.some((s: { direction: string; streamId: number }) => s.direction === 'send' && s.streamId !== 0));
  assert.equal(j.requests.succeeded, 3);
});

test('--idle-wait: the server closing idle sessions after 300 ms is measured', async () => {
  const { code, j } = await json([idle.url, '-n', '2', '--idle-wait', '3']);
  assert.equal(code, 0);
  assert.deepEqual(ids(j), ['idle-timeout']);
  assert.ok(j.idle.closedAfterMs >= 200 && j.idle.closedAfterMs < 2500, `closed after ${j.idle.closedAfterMs}`);
  assert.equal(j.idle.end.by, 'goaway');
  assert.match(j.findings[0].fix, /about \d\.\d s here/);
});

test('a check after the requests that cannot connect is recorded; the report still stands', async () => {
  const { code, j } = await json([single.url, '-n', '4']);
  assert.equal(code, 0);
  assert.equal(j.requests.succeeded, 4);
  assert.equal(j.push.afterDisabled, null);
  assert.equal(j.stepErrors.length, 1);
  assert.equal(j.stepErrors[0].step, 'push-disabled');
  assert.match(j.stepErrors[0].error, /connection refused/);
});
