import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createH1Server } from 'node:http';
import { createSecureServer, createServer, type Http2Server, type Http2SecureServer, type ServerHttp2Stream } from 'node:http2';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestPki } from './support/certs.js';
import { benchCli, benchJson, freePort, portOf } from './bench-fixtures.js';

// A node:http2 server (h2c and TLS) that tells us what it saw, so the bench's counters can be
// checked against the server's own.
interface Seen {
  streams: number;
  active: number;
  maxActive: number;
  methods: Set<string>;
  headerValues: Set<string>;
  bodies: Set<string>;
}
const seen: Seen = { streams: 0, active: 0, maxActive: 0, methods: new Set(), headerValues: new Set(), bodies: new Set() };

function handler(stream: ServerHttp2Stream, headers: Record<string, string | string[] | undefined>): void {
  seen.streams++;
  seen.active++;
  seen.maxActive = Math.max(seen.maxActive, seen.active);
  seen.methods.add(String(headers[':method']));
  if (headers['x-bench']) seen.headerValues.add(String(headers['x-bench']));
  let body = '';
  stream.on('data', (d) => (body += d));
  stream.on('end', () => {
    if (body) seen.bodies.add(body);
    // Hold each stream a little so concurrency is visible to the server.
    setTimeout(() => {
      seen.active--;
      const status = String(headers[':path']).startsWith('/missing') ? 404 : 200;
      if (!stream.closed) stream.respond({ ':status': status }), stream.end('hello');
    }, 2);
  });
}

let h2c: Http2Server;
let tlsServer: Http2SecureServer;
let pki: ReturnType<typeof createTestPki>;
let dir: string;
before(async () => {
  pki = createTestPki();
  dir = mkdtempSync(join(tmpdir(), 'h2doctor-bench-node-'));
  writeFileSync(join(dir, 'ca.pem'), pki.rootCert);
  writeFileSync(join(dir, 'body.json'), '{"order":42}');
  h2c = createServer({ settings: { maxConcurrentStreams: 3 } });
  h2c.on('stream', handler);
  tlsServer = createSecureServer({ key: pki.key, cert: pki.chain, settings: { maxConcurrentStreams: 100 } });
  tlsServer.on('stream', handler);
  await new Promise<void>((r) => h2c.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
});
after(() => {
  h2c.close();
  tlsServer.close();
});

test("never more streams than the server's MAX_CONCURRENT_STREAMS; the wait shows as queue time", async () => {
  seen.maxActive = 0;
  const { result: r } = await benchJson([`http://127.0.0.1:${portOf(h2c)}/`, '-c', '1', '-m', '10', '-n', '200']);
  assert.equal(r.requests.succeeded, 200);
  assert.ok(seen.maxActive <= 3, `server saw ${seen.maxActive} concurrent streams`);
  // 10 users share 3 slots: most requests waited for one.
  assert.ok(r.latency.queue.p50 >= 1, `queue p50 ${r.latency.queue.p50}`);
  assert.ok(r.warnings.some((w) => /MAX_CONCURRENT_STREAMS/.test(w)));
});

test('TLS with ALPN h2, --ca, -H, --data (POST), TLS time recorded', async () => {
  const { result: r } = await benchJson([`https://localhost:${portOf(tlsServer)}/`, '-c', '2', '-m', '2', '-n', '20', '--ca', join(dir, 'ca.pem'), '-H', 'x-bench: yes', '--data', join(dir, 'body.json')]);
  assert.equal(r.requests.succeeded, 20);
  assert.equal(r.connections.tlsMs.count, 2);
  assert.ok(r.connections.tlsMs.p50 > 0);
  assert.ok(seen.methods.has('POST'));
  assert.ok(seen.headerValues.has('yes'));
  assert.ok(seen.bodies.has('{"order":42}'));
});

test('TLS without the CA fails verification: one line, exit 1; --insecure works', async () => {
  const bad = await benchCli([`https://localhost:${portOf(tlsServer)}/`, '-n', '5']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /^h2doctor: .*TLS.*\[ERR_TLS\]\n$/);
  assert.equal(bad.out, '');
  const ok = await benchJson([`https://127.0.0.1:${portOf(tlsServer)}/`, '-n', '5', '-c', '1', '--insecure']);
  assert.equal(ok.result.requests.succeeded, 5);
});

test('4xx responses are failed requests (http errors), kept in latency and marked', async () => {
  const { result: r } = await benchJson([`http://127.0.0.1:${portOf(h2c)}/missing`, '-c', '1', '-m', '2', '-n', '10']);
  assert.deepEqual(r.status, { '404': 10 });
  assert.equal(r.requests.failed, 10);
  assert.equal(r.requests.httpErrors, 10);
  assert.equal(r.latency.failed.count, 10);
  assert.equal(r.latency.total.count, 10);
  assert.equal(r.slowest[0]!.outcome, 'http-error');
});

test('an HTTP/1.1-only server: one clear line, exit 1', async () => {
  const h1 = createH1Server((_q, s) => s.end('hi'));
  await new Promise<void>((r) => h1.listen(0, '127.0.0.1', r));
  try {
    const r = await benchCli([`http://127.0.0.1:${portOf(h1)}/`, '-n', '5']);
    assert.equal(r.code, 1);
    assert.match(r.err, /^h2doctor: .*(HTTP\/1|not an HTTP\/2|not HTTP\/2).*\[ERR_NOT_H2\]\n$/);
  } finally {
    h1.close();
  }
});

test('an unreachable server: one line, exit 1, no report', async () => {
  const port = await freePort();
  const r = await benchCli([`http://127.0.0.1:${port}/`, '-n', '5']);
  assert.equal(r.code, 1);
  assert.equal(r.err, `h2doctor: connect 127.0.0.1:${port}: connection refused [ERR_CONNECT]\n`);
  assert.equal(r.out, '');
});

test('the server dying mid-run: partial results printed, then the error, exit 1', async () => {
  const dying = createServer();
  let n = 0;
  dying.on('stream', (stream) => {
    if (++n === 300) {
      // Kill every connection and stop listening: reconnects are refused.
      dying.close();
      for (const s of sessions) s.destroy();
      return;
    }
    stream.respond({ ':status': 200 });
    stream.end('ok');
  });
  const sessions = new Set<import('node:http2').ServerHttp2Session>();
  dying.on('session', (s) => (sessions.add(s), s.on('close', () => sessions.delete(s))));
  await new Promise<void>((r) => dying.listen(0, '127.0.0.1', r));
  const r = await benchCli([`http://127.0.0.1:${portOf(dying)}/`, '-c', '2', '-m', '4', '-n', '5000', '--json']);
  assert.equal(r.code, 1);
  assert.match(r.err, /^h2doctor: .*\[ERR_CONNECT\]\n$/);
  const result = JSON.parse(r.out);
  assert.equal(result.partial, true);
  assert.ok(result.requests.succeeded >= 250 && result.requests.succeeded < 300, String(result.requests.succeeded));
  // In-flight requests either failed with the connection or were put back after its GOAWAY.
  assert.ok(result.requests.errored + result.requests.retried >= 1, JSON.stringify(result.requests));
  assert.equal(result.error.code, 'ERR_CONNECT');
});

test('bad flags are usage errors (exit 2, one line)', async () => {
  const cases: [string[], RegExp][] = [
    [[], /missing <url>/],
    [['not a url'], /is not a valid URL/],
    [['http://x/', '-c', '0'], /--connections: '0' must be 1 or more/],
    [['http://x/', '--push', 'maybe'], /--push: 'maybe' must be accept, cancel or refuse/],
    [['http://x/', '--rate', 'fast'], /--rate: 'fast'/],
    [['http://x/', '-H', 'nocolon'], /--header: 'nocolon'/],
    [['http://x/', '-n', '10', '-d', '1s'], /cannot be used together/],
    [['http://x/', '--data', '/nonexistent/file'], /--data: cannot read/],
    [['http://x/', '-c', '2', '-t', '3'], /--workers \(3\) cannot exceed connections/],
    [['http://x/', '--window', '10'], /--window/],
    [['http://x/', '--bogus'], /Unknown option '--bogus'/i],
  ];
  for (const [argv, re] of cases) {
    const r = await benchCli(argv);
    assert.equal(r.code, 2, `${argv.join(' ')} → ${r.err}`);
    assert.match(r.err, re);
    assert.equal(r.err.split('\n')[0]!.startsWith('h2doctor: '), true);
  }
});

test('interrupted (SIGINT → abort): the partial report is printed, exit 1, no hang', async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 300);
  const r = await benchCli([`http://127.0.0.1:${portOf(h2c)}/`, '-c', '2', '-m', '3', '-d', '20s', '--json'], controller.signal);
  assert.equal(r.code, 1);
  const result = JSON.parse(r.out);
  assert.equal(result.partial, true);
  assert.ok(result.requests.succeeded > 0);
  assert.equal(result.requests.errored, 0, 'requests cut off by the abort are not counted as errors');
});

test('TLS with 2 workers: merged exactly, one TLS handshake per connection', async () => {
  const { result: r } = await benchJson([`https://127.0.0.1:${portOf(tlsServer)}/`, '-c', '2', '-m', '3', '-n', '60', '-t', '2', '--insecure']);
  assert.equal(r.requests.succeeded, 60);
  assert.equal(r.connections.opened, 2);
  assert.equal(r.connections.tlsMs.count, 2);
});

test('--timeout: requests with no response are reset with CANCEL and counted as timeouts', async () => {
  const silent = createServer();
  const rstCodes: number[] = [];
  silent.on('stream', (stream) => {
    stream.on('error', () => {});
    stream.on('close', () => rstCodes.push(stream.rstCode));
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  try {
    const { code, result: r } = await benchJson([`http://127.0.0.1:${portOf(silent)}/`, '-c', '1', '-m', '4', '-n', '4', '--timeout', '200ms']);
    assert.equal(code, 0);
    assert.equal(r.requests.timeout, 4);
    assert.equal(r.requests.failed, 4);
    assert.equal(r.resets.sent, 4);
    assert.ok(r.latency.total.min >= 200);
    await new Promise((res) => setTimeout(res, 100));
    assert.deepEqual(rstCodes, [8, 8, 8, 8]);
  } finally {
    silent.close();
  }
});
