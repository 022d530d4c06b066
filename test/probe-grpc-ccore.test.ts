/**
 * Keep-alive enforcement against a C-core server (Debian's python3-grpcio, run with
 * /usr/bin/python3): with default options it answers PINGs about 1 s apart with no call
 * active by GOAWAY ENHANCE_YOUR_CALM "too_many_pings" (2 strikes allowed, 5 min minimum
 * interval); with the policy relaxed it does not.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runProbeCli } from './probe-servers.js';
import { startCcoreServer, type RunningGrpc } from './support/grpc-servers.js';
import type { ProbeJsonReport } from '../src/report/probe-json.js';

let strict: RunningGrpc, permissive: RunningGrpc;
before(async () => {
  [strict, permissive] = await Promise.all([
    startCcoreServer(),
    startCcoreServer({ 'grpc.keepalive_permit_without_calls': 1, 'grpc.http2.min_ping_interval_without_data_ms': 10, 'grpc.http2.max_ping_strikes': 0 }),
  ]);
});
after(async () => {
  await Promise.all([strict?.close(), permissive?.close()]);
});

describe('probe --grpc against C-core', { concurrency: 2 }, () => {
  test('default policy: grpc-keepalive-rejected with the GOAWAY debug data in the evidence', async () => {
    const r = await runProbeCli([strict.url, '--grpc', '--json']);
    const j = JSON.parse(r.out) as ProbeJsonReport;
    assert.equal(j.grpc!.health, 'SERVING');
    assert.deepEqual(j.grpc!.statusCounts, { OK: 20 });
    const k = j.grpc!.keepalive!;
    assert.equal(k.rejected, true);
    assert.equal(k.debugData, 'too_many_pings');
    assert.ok(k.pingsSent >= 3 && k.pingsSent <= 5, `GOAWAY after ${k.pingsSent} PINGs`);
    const f = j.findings.find((x) => x.id === 'grpc-keepalive-rejected')!;
    assert.equal(f.severity, 'warn');
    assert.match(f.evidence[0]!, /GOAWAY ENHANCE_YOUR_CALM\(0xb\) .*debug data "too_many_pings"/);
    assert.equal(j.grpc!.services, null); // this server offers no reflection
    assert.ok(r.ms <= 8000, `probe took ${r.ms} ms`);
  });

  test('permit without calls, 10 ms minimum, unlimited strikes: no finding', async () => {
    const r = await runProbeCli([permissive.url, '--grpc', '--json']);
    const j = JSON.parse(r.out) as ProbeJsonReport;
    assert.equal(r.code, 0, r.err);
    assert.equal(j.grpc!.keepalive!.rejected, false);
    assert.equal(j.grpc!.keepalive!.pingsAcked, 5);
    assert.deepEqual(j.findings.filter((f) => f.severity !== 'info').map((f) => f.id), []);
  });
});
