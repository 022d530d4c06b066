/**
 * gRPC bad input: one clear line and a non-zero exit, never a hang or a stack trace. A
 * node:http2 server stands in for a broken gRPC server (a malformed length prefix), a grpc-js
 * server answers a message larger than --max-message, and a plain HTTP/2 server is not gRPC.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { runProbeCli, startH2Server, type Running } from './probe-servers.js';
import { startGrpcJsServer, type RunningGrpc } from './support/grpc-servers.js';
import type { ProbeJsonReport } from '../src/report/probe-json.js';

/** Answers every call 200 application/grpc with a body whose prefix has compressed flag 0x7f, then grpc-status 0. */
function startMalformedServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => { sessions.add(s); s.on('close', () => sessions.delete(s)); });
  server.on('stream', (stream) => {
    stream.on('error', () => {});
    stream.resume();
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(Buffer.from([0x7f, 0, 0, 0, 2, 8, 1]));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => { server.close(() => r()); for (const s of sessions) s.destroy(); }),
  })));
}

/** A plain HTTP/2 server that answers 415 to everything: a hint of gRPC that the health Check must refute. */
function start415Server(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http2.createServer((req, res) => {
    res.writeHead(415, { 'content-type': 'text/plain' });
    res.end('unsupported');
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => { sessions.add(s); s.on('close', () => sessions.delete(s)); });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => { server.close(() => r()); for (const s of sessions) s.destroy(); }),
  })));
}

let unsupported: { url: string; close(): Promise<void> };
let plain: Running, grpcJs: RunningGrpc, malformed: { url: string; close(): Promise<void> };
before(async () => {
  [plain, grpcJs, malformed, unsupported] = await Promise.all([startH2Server({ tls: false }), startGrpcJsServer({ bigBytes: 64 * 1024 }), startMalformedServer(), start415Server()]);
});
after(async () => {
  await Promise.all([plain.close(), grpcJs.close(), malformed.close(), unsupported.close()]);
});

function oneLine(err: string): void {
  assert.equal(err.trim().split('\n').length, 1, err);
  assert.doesNotMatch(err, /\bat .*:\d+:\d+/);
}

describe('probe --grpc bad input', { concurrency: 3 }, () => {
  test('--grpc against a server that does not speak gRPC: no-grpc, exit 1, one line on stderr', async () => {
    const r = await runProbeCli([plain.url, '--grpc']);
    assert.equal(r.code, 1);
    oneLine(r.err);
    assert.match(r.err, /no-grpc \[ERR_CHECK_FAILED\]/);
    assert.match(r.out, /✖ error\s+no-grpc: The server does not speak gRPC here\n\s+\/grpc.health.v1.Health\/Check was answered with :status 200, content-type application\/json and no grpc-status/);
    assert.ok(r.ms < 3000, `no keep-alive wait for a non-gRPC server (${r.ms} ms)`);
  });

  test('a malformed length prefix: every call INTERNAL with the reason, exit 1', async () => {
    const r = await runProbeCli([malformed.url, '--grpc', '--json']);
    assert.equal(r.code, 1);
    oneLine(r.err);
    const j = JSON.parse(r.out) as ProbeJsonReport;
    assert.deepEqual(j.grpc!.statusCounts, { INTERNAL: 20 });
    const f = j.findings.find((x) => x.id === 'grpc-call-errors')!;
    assert.equal(f.severity, 'error');
    assert.match(f.evidence[1]!, /^20× INTERNAL: malformed gRPC length prefix: compressed flag 0x7f is not 0 or 1$/);
  });

  test('a message above --max-message: RESOURCE_EXHAUSTED, exit 1', async () => {
    const r = await runProbeCli([grpcJs.url, '--call', '/h2doctor.test.Echo/Big', '--max-message', '16kb', '-n', '4']);
    assert.equal(r.code, 1);
    oneLine(r.err);
    assert.match(r.out, /grpc-call-errors: 4 of 4 gRPC calls to \/h2doctor.test.Echo\/Big ended with a non-OK status/);
    assert.match(r.out, /4× RESOURCE_EXHAUSTED: gRPC message of 65536 bytes is above the 16384-byte limit \(--max-message\)/);
  });

  test('without --grpc, a plain server answering 415 stays in plain mode (the health Check refutes the hint)', async () => {
    const r = await runProbeCli([`${unsupported.url}/pkg.Svc/Method`, '--json']);
    const j = JSON.parse(r.out) as ProbeJsonReport;
    assert.equal(j.grpc, null);
    assert.ok(!j.findings.some((f) => f.id.startsWith('grpc-') || f.id === 'no-grpc'));
    assert.equal(j.requests.sent, 20);
    assert.equal(j.requests.list[0]!.status, 415);
  });

  test('usage errors exit 2 with one line', async () => {
    for (const [argv, re] of [
      [['--call', 'grpc.health.v1.Health/Check'], /--call: 'grpc.health.v1.Health\/Check' is not a gRPC method: it must start with '\/'/],
      [['--call', '/grpc.health.v1.Health'], /--call: .* the method name is missing/],
      [['--call', '/a.B/C', '-d', 'xyz'], /--data: 'xyz' is neither hex bytes .* nor @file/],
      [['--call', '/a.B/C', '-d', 'abc'], /--data: 'abc' is neither hex/],
      [['--call', '/a.B/C', '-d', '@/nonexistent/req.bin'], /--data: cannot read '\/nonexistent\/req.bin'/],
      [['--call', '/a.B/C', '-d', '00'.repeat(40), '--max-message', '32'], /--data: the request is 40 bytes, above --max-message 32/],
      [['--grpc', '-d', '0a00'], /--data with --grpc needs --call/],
      [['--grpc', '--max-message', 'huge'], /--max-message: 'huge' is not a size/],
      [['--watch', '10s'], /--watch needs --grpc/],
    ] as [string[], RegExp][]) {
      const r = await runProbeCli([grpcJs.url, ...argv]);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.err, re);
      assert.equal(r.err.trim().split('\n')[0]!.startsWith('h2doctor: '), true);
    }
  });
});
