/**
 * `bench --grpc` against real gRPC servers that count every call they answer by grpc-status:
 * a node:http2 service framing with h2doctor/grpc (failures in the Trailers-Only form) and
 * Debian's python3-grpcio (C-core). The bench's status counts must equal the servers' exactly,
 * and succeeded + failed must equal -n. A raw node:http2 server then checks the request
 * headers and the statuses a call gets without a grpc-status (HTTP status, RST_STREAM).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { benchCli, benchJson } from './bench-fixtures.js';
import { startNodeGrpcServer, type RunningNodeGrpc } from './support/grpc-node-server.js';
import { startCcoreServer, type RunningGrpc } from './support/grpc-servers.js';
import type { BenchResult } from '../src/bench/result.js';

const ECHO = '/h2doctor.test.Echo/Echo';
const MESSAGE_HEX = '0a03616263'; // field 1, "abc": 5 bytes, echoed back framed (10 bytes)

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'h2doctor-bench-grpc-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function assertCountsAddUp(r: BenchResult, n: number): void {
  assert.equal(r.requests.total, n);
  assert.equal(r.requests.succeeded + r.requests.failed, n);
  const counts = r.grpc!.statusCounts;
  assert.equal(Object.values(counts).reduce((a, b) => a + b, 0), n, 'every call has one status');
  assert.equal(counts.OK ?? 0, r.requests.succeeded);
}

describe('node:http2 gRPC service failing 10 % with UNAVAILABLE', () => {
  let server: RunningNodeGrpc;
  before(async () => {
    server = await startNodeGrpcServer({ failShare: 0.1 });
  });
  after(() => server.close());

  test('statusCounts equal the server counts, in one worker and in two, and merge exactly', async () => {
    const a = await benchJson(['--grpc', '--call', ECHO, '-d', MESSAGE_HEX, server.url, '-c', '4', '-m', '8', '-n', '3000', '--out', join(dir, 'a.json')]);
    assert.equal(a.code, 0, a.err);
    const r = a.result;
    assertCountsAddUp(r, 3000);
    assert.deepEqual(r.grpc, { call: ECHO, statusCounts: { OK: server.counts.OK, UNAVAILABLE: server.counts.UNAVAILABLE } });
    assert.ok(server.counts.UNAVAILABLE! > 150 && server.counts.UNAVAILABLE! < 450, `about 10 % failed: ${server.counts.UNAVAILABLE}`);
    assert.equal(r.requests.failed, server.counts.UNAVAILABLE);
    assert.equal(r.requests.grpcErrors, server.counts.UNAVAILABLE);
    assert.equal(r.status['200'], 3000, 'gRPC failures are HTTP 200');
    // The server echoes the message: every OK call read the 5-byte prefix and the 5 bytes back.
    assert.equal(r.bytes.body, server.counts.OK! * 10);
    assert.equal(r.settings.method, 'POST');

    const before2 = { ...server.counts };
    const b = await benchJson(['--grpc', '--call', ECHO, '--data', MESSAGE_HEX, server.url, '-c', '4', '-m', '8', '-n', '2000', '-t', '2', '--out', join(dir, 'b.json')]);
    assert.equal(b.code, 0, b.err);
    assertCountsAddUp(b.result, 2000);
    assert.equal(b.result.grpc!.statusCounts.UNAVAILABLE, server.counts.UNAVAILABLE! - before2.UNAVAILABLE!);
    assert.equal(b.result.grpc!.statusCounts.OK, server.counts.OK! - before2.OK!);

    const merged = await benchCli(['merge', join(dir, 'a.json'), join(dir, 'b.json'), '--json']);
    assert.equal(merged.code, 0, merged.err);
    const m = JSON.parse(merged.out) as BenchResult;
    assert.deepEqual(m.grpc, { call: ECHO, statusCounts: { OK: server.counts.OK, UNAVAILABLE: server.counts.UNAVAILABLE } });
    assert.equal(m.requests.failed, server.counts.UNAVAILABLE);
  });

  test('the text report shows calls by status name and the status of the slowest calls', async () => {
    const r = await benchCli(['--grpc', '--call', ECHO, server.url, '-c', '2', '-m', '4', '-n', '400']);
    assert.equal(r.code, 0, r.err);
    const line = r.out.split('\n').find((l) => l.startsWith('grpc-status:'));
    assert.match(line ?? '', /^grpc-status: OK ×\d+, UNAVAILABLE ×\d+$/);
    assert.match(r.out, /^h2doctor bench --grpc \/h2doctor\.test\.Echo\/Echo http:/);
    assert.match(r.out, /conn\s+stream\s+outcome\s+status\s+grpc-status/);
    assert.match(r.out, /\d+ grpc errors/);
  });

  test('merging a --grpc result with a plain one is refused', async () => {
    const plain = structuredClone(JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8')) as BenchResult);
    plain.grpc = null;
    writeFileSync(join(dir, 'plain.json'), JSON.stringify(plain));
    const r = await benchCli(['merge', join(dir, 'a.json'), join(dir, 'plain.json')]);
    assert.equal(r.code, 2);
    assert.match(r.err, /only runs of the same kind merge/);
  });
});

describe("C-core server (Debian's python3-grpcio) failing 10 % with UNAVAILABLE", () => {
  let server: RunningGrpc;
  before(async () => {
    server = await startCcoreServer();
  });
  after(() => server.close());

  /** The server's own counts, asked with a grpc-js client. */
  async function serverCounts(): Promise<Record<string, number>> {
    const client = new grpc.Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    try {
      const bytes = await new Promise<Buffer>((resolve, reject) => client.makeUnaryRequest(
        '/h2doctor.test.Echo/Counts', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), (err, value) => (err ? reject(err) : resolve(value!)),
      ));
      return JSON.parse(bytes.toString()) as Record<string, number>;
    } finally {
      client.close();
    }
  }

  test('statusCounts.UNAVAILABLE equals the server count exactly; succeeded + failed = -n', async () => {
    const { code, result: r, err } = await benchJson(['--grpc', '--call', '/h2doctor.test.Echo/Flaky', '-d', MESSAGE_HEX, server.url, '-c', '2', '-m', '10', '-n', '1500', '--timeout', '20s']);
    assert.equal(code, 0, err);
    const counts = await serverCounts();
    assertCountsAddUp(r, 1500);
    assert.ok(counts.UNAVAILABLE! > 0, 'the server failed some calls');
    assert.deepEqual(r.grpc!.statusCounts, { OK: counts.OK, UNAVAILABLE: counts.UNAVAILABLE });
    assert.equal(r.requests.failed, counts.UNAVAILABLE);
  });
});

describe('what a call looks like on the wire, and statuses without grpc-status', () => {
  let server: http2.Http2Server;
  let url: string;
  const seen: Record<string, string | string[] | undefined>[] = [];
  const bodies = new Set<string>();
  let n = 0;
  before(async () => {
    server = http2.createServer();
    server.on('stream', (stream, headers) => {
      if (seen.length < 5) seen.push(headers);
      const chunks: Buffer[] = [];
      stream.on('data', (b: Buffer) => chunks.push(b));
      stream.on('error', () => {});
      stream.on('end', () => {
        bodies.add(Buffer.concat(chunks).toString('hex'));
        switch (n++ % 5) {
          case 0: // OK: headers, one message, trailers
            stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
            stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
            stream.end(Buffer.from([0, 0, 0, 0, 0]));
            return;
          case 1: // Trailers-Only
            stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '5', 'grpc-message': 'no such sku' }, { endStream: true });
            return;
          case 2: // 200 and a body, but no grpc-status at all: UNKNOWN
            stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
            stream.end(Buffer.from([0, 0, 0, 0, 0]));
            return;
          case 3: // a proxy's 503 without grpc-status: UNAVAILABLE (http-grpc-status-mapping.md)
            stream.respond({ ':status': 503, 'content-type': 'text/plain' });
            stream.end('overloaded');
            return;
          default: // RST_STREAM(INTERNAL_ERROR) before any status: INTERNAL
            stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test('request headers, framed message, deadline and metadata; one status per call', async () => {
    const { code, result: r, err } = await benchJson(['--grpc', '--call', '/shop.Inventory/Reserve', '-d', '082a', url, '-c', '1', '-m', '1', '-n', '500', '--timeout', '4s', '-H', 'x-tenant: acme']);
    assert.equal(code, 0, err);
    const h = seen[0]!;
    assert.equal(h[':method'], 'POST');
    assert.equal(h[':path'], '/shop.Inventory/Reserve');
    assert.equal(h['content-type'], 'application/grpc');
    assert.equal(h.te, 'trailers');
    assert.equal(h['grpc-timeout'], '4000000u');
    assert.equal(h['x-tenant'], 'acme');
    assert.deepEqual([...bodies], ['0000000002082a'], 'every call carries the same framed message');
    assert.deepEqual(r.grpc!.statusCounts, { OK: 100, UNKNOWN: 100, NOT_FOUND: 100, INTERNAL: 100, UNAVAILABLE: 100 });
    assert.equal(r.requests.failed, 400);
    assert.equal(r.requests.grpcErrors, 300, 'Trailers-Only, no grpc-status, HTTP 503');
    assert.equal(r.requests.reset, 100);
    assert.ok(r.slowest.every((s) => typeof s.grpcStatus === 'string'));
  });

  test('without --timeout no grpc-timeout is sent', async () => {
    seen.length = 0;
    const { code, err } = await benchJson(['--grpc', '--call', '/shop.Inventory/Reserve', url, '-c', '1', '-m', '1', '-n', '5']);
    assert.equal(code, 0, err);
    assert.equal(seen[0]!['grpc-timeout'], undefined);
    assert.ok(bodies.has('0000000000'), 'no -d: an empty message, framed');
  });
});
