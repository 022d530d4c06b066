/**
 * `probe --grpc` against real @grpc/grpc-js servers (test/support/grpc-servers.ts): health,
 * reflection, calls counted by grpc-status and compared with the server's own counts,
 * keep-alive, connection age, detection without the flag, and the time bound.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pki, runProbeCli } from './probe-servers.js';
import { startGrpcJsServer, type RunningGrpc } from './support/grpc-servers.js';
import type { ProbeJsonReport } from '../src/report/probe-json.js';

const servers: Record<string, RunningGrpc> = {};
before(async () => {
  const [permissive, strict, notServing, failing, aging, noHealth, abrupt, tls, oldReflection] = await Promise.all([
    startGrpcJsServer({ serverOptions: { 'grpc.keepalive_permit_without_calls': 1 } }),
    // grpc-js takes these options but, as of 1.14, enforces no ping policy on the server side.
    startGrpcJsServer({ serverOptions: { 'grpc.keepalive_permit_without_calls': 0, 'grpc.http2.min_ping_interval_without_data_ms': 300_000 } }),
    startGrpcJsServer({ health: 'NOT_SERVING' }),
    startGrpcJsServer({ failEvery: 4 }),
    startGrpcJsServer({ serverOptions: { 'grpc.max_connection_age_ms': 1000, 'grpc.max_connection_age_grace_ms': 2000 } }),
    startGrpcJsServer({ health: null, reflection: false }),
    // Ages out after about 1 s and destroys the connection 50 ms later: 400 ms calls are cut.
    startGrpcJsServer({ slowMs: 400, serverOptions: { 'grpc.max_connection_age_ms': 1000, 'grpc.max_connection_age_grace_ms': 50 } }),
    startGrpcJsServer({ tls: { key: pki.key, chain: pki.chain } }),
    startGrpcJsServer({ reflection: 'v1alpha' }),
  ]);
  Object.assign(servers, { permissive, strict, notServing, failing, aging, noHealth, abrupt, tls, oldReflection });
});
after(async () => {
  await Promise.all(Object.values(servers).map((s) => s.close()));
});

function json(out: string): ProbeJsonReport {
  return JSON.parse(out) as ProbeJsonReport;
}

describe('probe --grpc against grpc-js', { concurrency: 3 }, () => {
  test('a healthy permissive server: SERVING, services listed, all OK, keep-alive accepted, no warn or error, within 8 s', async () => {
    const r = await runProbeCli([servers.permissive!.url, '--grpc', '--json']);
    assert.equal(r.code, 0, r.err);
    const j = json(r.out);
    assert.equal(j.grpc!.health, 'SERVING');
    // @grpc/reflection lists the services of the package definition it was given (health.proto).
    assert.deepEqual(j.grpc!.services, ['grpc.health.v1.Health']);
    assert.equal(j.grpc!.reflection!.version, 'v1');
    assert.deepEqual(j.grpc!.statusCounts, { OK: 20 });
    // The server counted the 20 calls plus the health step's own Check.
    assert.deepEqual(servers.permissive!.counts, { OK: 21 });
    assert.equal(j.grpc!.keepalive!.pingsSent, 5);
    assert.equal(j.grpc!.keepalive!.rejected, false);
    assert.equal(j.grpc!.keepalive!.debugData, null);
    assert.equal(j.grpc!.keepalive!.intervalMs, 1000);
    assert.deepEqual(j.findings.filter((f) => f.severity !== 'info').map((f) => f.id), []);
    assert.ok(r.ms <= 8000, `probe took ${r.ms} ms`);
  });

  test('a strict grpc-js server is not reported: grpc-js servers do not enforce a ping policy', async () => {
    const r = await runProbeCli([servers.strict!.url, '--grpc', '--json']);
    const j = json(r.out);
    assert.equal(j.grpc!.keepalive!.rejected, false);
    assert.equal(j.grpc!.keepalive!.pingsAcked, 5);
    assert.ok(!j.findings.some((f) => f.id === 'grpc-keepalive-rejected'));
  });

  test('NOT_SERVING: grpc-health-not-serving and exit 1 under the default --fail-on error', async () => {
    const r = await runProbeCli([servers.notServing!.url, '--grpc']);
    assert.equal(r.code, 1);
    assert.match(r.out, /✖ error\s+grpc-health-not-serving: Health Check says NOT_SERVING/);
    assert.match(r.out, /health \(server\): NOT_SERVING/);
    assert.match(r.err, /grpc-health-not-serving \[ERR_CHECK_FAILED\]/);
  });

  test('calls failed with UNAVAILABLE are counted exactly as the server sent them', async () => {
    const before = { ...servers.failing!.counts };
    const r = await runProbeCli([servers.failing!.url, '--grpc', '--json', '-n', '40', '-m', '8']);
    const j = json(r.out);
    const sent: Record<string, number> = {};
    for (const [k, v] of Object.entries(servers.failing!.counts)) sent[k] = v - (before[k] ?? 0);
    // The health step's Check is one more call on the server's side, counted by its status.
    const healthStatus = j.grpc!.healthDetail!.grpcStatus;
    const expected = { ...j.grpc!.statusCounts };
    expected[healthStatus] = (expected[healthStatus] ?? 0) + 1;
    assert.deepEqual(sent, expected);
    assert.equal(j.grpc!.statusCounts.UNAVAILABLE! + (healthStatus === 'UNAVAILABLE' ? 1 : 0), 41 / 4 | 0);
    const f = j.findings.find((x) => x.id === 'grpc-call-errors')!;
    assert.equal(f.severity, 'warn');
    assert.match(f.evidence[0]!, /^UNAVAILABLE \d+$/);
    assert.match(f.evidence.join('\n'), /shedding load \(test\)/);
  });

  test('--watch: connections closed by age with two GOAWAYs are graceful (info), with the GOAWAYs in the evidence', async () => {
    const r = await runProbeCli([servers.aging!.url, '--grpc', '--watch', '3s', '--json']);
    const j = json(r.out);
    const w = j.grpc!.watch!;
    assert.ok(w.serverCloses >= 1, JSON.stringify(w));
    assert.equal(w.graceful, true);
    assert.equal(w.lost, 0);
    assert.equal(w.goaways[0]!.lastStreamId, 2 ** 31 - 1);
    assert.equal(w.goaways[0]!.debugData, 'max_age');
    const f = j.findings.find((x) => x.id === 'grpc-connection-age')!;
    assert.equal(f.severity, 'info');
    assert.match(f.evidence.join('\n'), /GOAWAY NO_ERROR\(0x0\) last-stream-id=2147483647 "max_age"/);
  });

  test('--watch: a grace period shorter than the calls loses calls in flight: warn, with the reasons', async () => {
    const r = await runProbeCli([servers.abrupt!.url, '--call', '/h2doctor.test.Echo/Slow', '-n', '3', '-m', '1', '--watch', '2500ms', '--json']);
    const j = json(r.out);
    const w = j.grpc!.watch!;
    assert.ok(w.serverCloses >= 1, JSON.stringify(w));
    assert.ok(w.lost >= 1, JSON.stringify(w));
    const f = j.findings.find((x) => x.id === 'grpc-connection-age')!;
    assert.equal(f.severity, 'warn');
    assert.match(f.title, /losing \d+ call\(s\) in flight/);
    assert.match(f.evidence.join('\n'), /connection \d+ stream \d+: /);
  });

  test('over TLS (ALPN h2): the same gRPC checks, chain verified with --ca', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'h2doctor-grpc-'));
    try {
      writeFileSync(join(dir, 'root.pem'), pki.rootCert);
      const r = await runProbeCli([servers.tls!.url, '--grpc', '--ca', join(dir, 'root.pem'), '--json']);
      const j = json(r.out);
      assert.equal(j.alpn, 'h2');
      assert.equal(j.tls!.chain.verified, true);
      assert.equal(j.grpc!.health, 'SERVING');
      assert.deepEqual(j.grpc!.statusCounts, { OK: 20 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('no health service: grpc-health-unimplemented (info), reflection null, calls UNIMPLEMENTED', async () => {
    const r = await runProbeCli([servers.noHealth!.url, '--grpc', '--json']);
    const j = json(r.out);
    assert.equal(j.grpc!.health, 'UNIMPLEMENTED');
    assert.equal(j.grpc!.services, null);
    assert.deepEqual(j.grpc!.statusCounts, { UNIMPLEMENTED: 20 });
    assert.deepEqual(j.findings.map((f) => [f.id, f.severity]).filter(([id]) => id!.startsWith('grpc-')), [['grpc-call-errors', 'error'], ['grpc-health-unimplemented', 'info']]);
  });

  test('reflection falls back to v1alpha; an unknown --grpc-service is SERVICE_UNKNOWN', async () => {
    const r = await runProbeCli([servers.oldReflection!.url, '--grpc', '--grpc-service', 'shop.Nope', '-n', '3', '--json']);
    const j = json(r.out);
    assert.equal(j.grpc!.reflection!.version, 'v1alpha');
    assert.deepEqual(j.grpc!.services, ['grpc.health.v1.Health']);
    assert.equal(j.grpc!.health, 'SERVICE_UNKNOWN');
    assert.deepEqual(j.grpc!.statusCounts, { NOT_FOUND: 3 });
  });

  test('--call sends the given request and counts by status', async () => {
    const r = await runProbeCli([servers.permissive!.url, '--call', '/h2doctor.test.Echo/Echo', '-d', '0a03612e42', '-n', '6', '--json']);
    const j = json(r.out);
    assert.equal(j.grpc!.method, '/h2doctor.test.Echo/Echo');
    assert.deepEqual(j.grpc!.statusCounts, { OK: 6 });
    // Each echoed response is the 5-byte request in a 5-byte prefix.
    assert.ok(j.requests.list.every((q) => q.bytes === 10), JSON.stringify(j.requests.list.map((q) => q.bytes)));
  });

  test('without --grpc, a gRPC server is detected and never called ok on plain GETs', async () => {
    const r = await runProbeCli([`${servers.permissive!.url}/grpc.health.v1.Health/Check`]);
    assert.doesNotMatch(r.out, /✔ ok/);
    assert.match(r.out, /ℹ info\s+grpc-detected: The server speaks gRPC/);
    assert.match(r.out, /415 Unsupported Media Type/);
    assert.match(r.out, /calls to \/grpc.health.v1.Health\/Check: OK 20/);
    assert.doesNotMatch(r.out, /connection-churn/);
  });
});
