// recommendedSettings() as a real client sees it (nghttp -v prints the server's SETTINGS),
// session close reasons (idle timeout), PING RTT, and the guarantee that instrumenting one
// server leaves the others in the process alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { createTestPki } from './support/certs.js';
import { getTraceId, instrument, recommendedIdleTimeoutMs, recommendedSettings } from '../src/server/index.js';

const run = promisify(execFile);
const pki = createTestPki();

async function listen(server: http2.Http2SecureServer): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('recommendedSettings: nghttp sees ENABLE_PUSH 0, 128 streams and a 1 MiB window', async () => {
  const server = http2.createSecureServer({ ...recommendedSettings(), key: pki.key, cert: pki.chain });
  server.setTimeout(recommendedIdleTimeoutMs);
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    stream.end('ok');
  });
  const doctor = instrument(server, { slowRequests: false });
  const url = await listen(server);
  try {
    const { stdout } = await run('nghttp', ['-v', '-n', `${url}/`], { timeout: 15_000 });
    const settings = stdout.slice(stdout.indexOf('recv SETTINGS frame'), stdout.indexOf('recv SETTINGS frame') + 600);
    assert.match(settings, /SETTINGS_MAX_CONCURRENT_STREAMS\(0x03\):128/);
    assert.match(settings, /SETTINGS_INITIAL_WINDOW_SIZE\(0x04\):1048576/);
    assert.match(settings, /SETTINGS_ENABLE_PUSH\(0x02\):0/);
    assert.match(settings, /SETTINGS_MAX_HEADER_LIST_SIZE\(0x06\):65536/);
    assert.ok(recommendedIdleTimeoutMs > 90_000, 'outlasts the common client idle timeouts');
  } finally {
    await doctor.close({ graceMs: 500 });
  }
});

test('an idle session closed by the server timeout is counted as idle_timeout', async () => {
  const server = http2.createSecureServer({ key: pki.key, cert: pki.chain });
  server.setTimeout(200);
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    stream.end('ok');
  });
  const doctor = instrument(server, { slowRequests: false });
  const url = await listen(server);
  const client = http2.connect(url, { ca: pki.rootCert });
  client.on('error', () => undefined);
  const req = client.request({ ':path': '/' });
  req.resume();
  await once(req, 'end');
  await once(client, 'close');
  await new Promise((resolve) => setTimeout(resolve, 50));
  const snap = doctor.snapshot();
  assert.equal(snap.sessions.closed.idle_timeout, 1);
  assert.equal(snap.sessions.active, 0);
  await doctor.close({ graceMs: 500 });
});

test('pingIntervalMs records PING round trips into h2_ping_rtt_seconds', async () => {
  const server = http2.createSecureServer({ key: pki.key, cert: pki.chain });
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    stream.end('ok');
  });
  const doctor = instrument(server, { slowRequests: false, pingIntervalMs: 50 });
  const url = await listen(server);
  const client = http2.connect(url, { ca: pki.rootCert });
  const req = client.request({ ':path': '/' });
  req.resume();
  await once(req, 'end');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const text = await doctor.registry.metrics();
  const count = Number(/^h2_ping_rtt_seconds_count (\d+)$/m.exec(text)?.[1]);
  assert.ok(count >= 2, `ping count ${count}`);
  client.close();
  await doctor.close({ graceMs: 500 });
});

test('a server that is not instrumented keeps pushing while another is guarded; detach restores the prototype', async () => {
  const handler = (stream: http2.ServerHttp2Stream) => {
    stream.pushStream({ ':path': '/asset.js' }, (err, pushed) => {
      if (err === null) {
        pushed.respond({ ':status': 200 });
        pushed.end('asset');
      }
      stream.respond({ ':status': 200 });
      stream.end('page');
    });
  };
  const guarded = http2.createSecureServer({ key: pki.key, cert: pki.chain });
  const plain = http2.createSecureServer({ key: pki.key, cert: pki.chain });
  guarded.on('stream', handler);
  plain.on('stream', handler);
  const doctor = instrument(guarded, { push: 'deny', log: () => undefined, slowRequests: false });
  const guardedUrl = await listen(guarded);
  const plainUrl = await listen(plain);
  const pushes = async (url: string) =>
    ((await run('nghttp', ['-v', '-n', `${url}/`], { timeout: 15_000 })).stdout.match(/recv PUSH_PROMISE frame/g) ?? []).length;
  assert.equal(await pushes(guardedUrl), 0);
  assert.equal(await pushes(plainUrl), 1);
  // The wrappers sit on the ServerHttp2Stream prototype while an instrumented server exists.
  let proto: object | undefined;
  plain.once('stream', (stream) => { proto = Object.getPrototypeOf(stream) as object; });
  await pushes(plainUrl);
  assert.ok(Object.prototype.hasOwnProperty.call(proto, 'destroy'));
  await doctor.close({ graceMs: 500 });
  assert.equal(Object.prototype.hasOwnProperty.call(proto, 'destroy'), false, 'removed after the last detach');
  assert.equal(await pushes(plainUrl), 1);
  plain.close();
});

test('instrumenting the same server twice is a ConfigError', async () => {
  const server = http2.createSecureServer({ key: pki.key, cert: pki.chain });
  const doctor = instrument(server, { slowRequests: false });
  assert.throws(() => instrument(server), { code: 'ERR_CONFIG' });
  assert.throws(() => instrument(http2.createSecureServer({ key: pki.key, cert: pki.chain }), { push: 'maybe' as never }), { code: 'ERR_CONFIG' });
  assert.throws(() => instrument(http2.createSecureServer({ key: pki.key, cert: pki.chain }), { pingIntervalMs: 0 }), { code: 'ERR_CONFIG' });
  // Two servers on one registry with the same prefix would collide.
  assert.throws(
    () => instrument(http2.createSecureServer({ key: pki.key, cert: pki.chain }), { metrics: { registry: doctor.registry } }),
    { code: 'ERR_CONFIG', message: /already been registered/ },
  );
  const second = instrument(http2.createSecureServer({ key: pki.key, cert: pki.chain }), { metrics: { registry: doctor.registry, prefix: 'h2_b_' }, slowRequests: false });
  second.detach();
  doctor.detach();
});

test('h2c: curl --http2-prior-knowledge through the compat API, counted and traced', async () => {
  const server = http2.createServer();
  const seen: Array<string | undefined> = [];
  server.on('request', (req, res) => {
    seen.push(getTraceId());
    res.setHeader('x-trace-id', getTraceId() ?? '');
    res.end('ok');
  });
  const doctor = instrument(server, { slowRequests: false });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    // One curl per URL: curl 7.88.1 exits 16 when it re-uses a prior-knowledge h2c
    // connection for a second URL, against a bare node:http2 server too.
    for (const path of ['/a', '/b']) {
      const { stdout } = await run('curl', ['-s', '--http2-prior-knowledge', '-D', '-', '-o', '/dev/null', '-H', 'x-request-id: curl-1', `${url}${path}`], { timeout: 15_000 });
      assert.match(stdout, /^HTTP\/2 200/);
      assert.match(stdout, /x-trace-id: curl-1/);
    }
    assert.deepEqual(seen, ['curl-1', 'curl-1']);
    const snap = doctor.snapshot();
    assert.deepEqual(snap.reuse, { requests: 2, reusedRequests: 0, ratio: 0 });
    assert.equal(snap.sessions.opened, 2);
  } finally {
    await doctor.close({ graceMs: 500 });
  }
});
