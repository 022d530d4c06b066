// The push guard against real clients: nghttp (which accepts pushes, so a PUSH_PROMISE on the
// wire would show in its -v trace), curl (which disables push, RFC 9113 §6.5.2) and a
// node:http2 client; through the stream API and the compat API.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { createTestPki } from './support/certs.js';
import { instrument, PushDeniedError, type InstrumentOptions, type ServerDoctor } from '../src/server/index.js';

const run = promisify(execFile);
const pki = createTestPki();

interface Running {
  url: string;
  doctor: ServerDoctor;
  server: http2.Http2SecureServer;
  /** What push callbacks received, in order. */
  pushResults: Array<{ error: Error | null }>;
  logs: string[];
}
const running: Running[] = [];
after(async () => {
  for (const r of running) await r.doctor.close({ graceMs: 500 }).catch(() => undefined);
});

/** Starts a TLS server whose handler tries `pushes` pushes of `pushBytes` each, then answers. */
async function start(api: 'stream' | 'compat', options: InstrumentOptions, pushes = 1, pushBytes = 100): Promise<Running> {
  const pushResults: Running['pushResults'] = [];
  const logs: string[] = [];
  const server = http2.createSecureServer({ key: pki.key, cert: pki.chain });
  if (api === 'stream') {
    server.on('stream', (stream) => {
      let pending = pushes;
      const respond = () => {
        if (--pending > 0) return;
        stream.respond({ ':status': 200, 'content-type': 'text/plain' });
        stream.end('page');
      };
      if (pushes === 0) { pending = 1; respond(); return; }
      for (let i = 0; i < pushes; i++) {
        stream.pushStream({ ':path': `/asset-${i}.js` }, (err, pushed) => {
          pushResults.push({ error: err });
          if (err === null) {
            pushed.on('error', () => undefined);
            pushed.respond({ ':status': 200 });
            pushed.end(Buffer.alloc(pushBytes, 0x61));
          }
          respond();
        });
      }
    });
  } else {
    server.on('request', (_req, res) => {
      let pending = pushes;
      const respond = () => {
        if (--pending > 0) return;
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('page');
      };
      if (pushes === 0) { pending = 1; respond(); return; }
      for (let i = 0; i < pushes; i++) {
        res.createPushResponse({ ':path': `/asset-${i}.js` }, (err, pushRes) => {
          pushResults.push({ error: err });
          if (err === null) {
            pushRes.stream.on('error', () => undefined);
            pushRes.writeHead(200);
            pushRes.end(Buffer.alloc(pushBytes, 0x61));
          }
          respond();
        });
      }
    });
  }
  const doctor = instrument(server, { log: (line) => logs.push(line), slowRequests: false, ...options });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const r = { url: `https://127.0.0.1:${port}`, doctor, server, pushResults, logs };
  running.push(r);
  return r;
}

async function nghttp(url: string): Promise<string> {
  const { stdout } = await run('nghttp', ['-v', '-n', url], { timeout: 15_000 });
  return stdout;
}

const pushPromises = (trace: string) => (trace.match(/recv PUSH_PROMISE frame/g) ?? []).length;

for (const api of ['stream', 'compat'] as const) {
  test(`${api} API, push 'deny': nghttp receives no PUSH_PROMISE and the callback gets PushDeniedError`, async () => {
    const limit = Error.stackTraceLimit;
    const s = await start(api, { push: 'deny' });
    const trace = await nghttp(`${s.url}/orders/1`);
    assert.match(trace, /recv \(stream_id=\d+\) :status: 200/);
    assert.equal(pushPromises(trace), 0);
    assert.equal(s.pushResults.length, 1);
    const err = s.pushResults[0].error;
    assert.ok(err instanceof PushDeniedError);
    assert.equal(err.code, 'ERR_PUSH_DENIED');
    // No stack trace: a handler that pushes on every response meets the guard on every request,
    // and capturing a stack (~8 µs) was most of the guard's cost (see stream-hooks.ts).
    assert.ok(err.stack !== undefined && !/\n\s+at /.test(err.stack), err.stack);
    assert.match(err.message, /denied by the push guard \(policy\)/);
    assert.equal(Error.stackTraceLimit, limit, 'the stack limit is restored');
    const snap = s.doctor.snapshot();
    assert.equal(snap.pushes.attempted, 1);
    assert.deepEqual(snap.pushes.denied, { policy: 1 });
    assert.equal(snap.pushes.sent, 0);
  });

  test(`${api} API, push 'allow': nghttp does receive the PUSH_PROMISE (the check above can fail)`, async () => {
    const s = await start(api, { push: 'allow' }, 1, 300);
    const trace = await nghttp(`${s.url}/orders/1`);
    assert.equal(pushPromises(trace), 1);
    assert.equal(s.pushResults[0].error, null);
    const snap = s.doctor.snapshot();
    assert.equal(snap.pushes.sent, 1);
    assert.equal(snap.pushes.bytes, 300);
  });
}

test('push limit: one push per request allowed, the second denied', async () => {
  const s = await start('stream', { push: { limit: { perRequest: 1 } } }, 2);
  const trace = await nghttp(`${s.url}/`);
  assert.equal(pushPromises(trace), 1);
  assert.deepEqual(s.pushResults.map((r) => r.error?.constructor.name ?? 'ok').sort(), ['PushDeniedError', 'ok']);
  assert.deepEqual(s.doctor.snapshot().pushes.denied, { per_request_limit: 1 });
});

test('push limit: bytes per connection are spent, later pushes on that connection denied', async () => {
  const s = await start('compat', { push: { limit: { bytesPerConnection: 1000 } } }, 1, 1500);
  // nghttp fetches the page twice on one connection (-m 2): the first push spends the budget.
  const { stdout } = await run('nghttp', ['-v', '-n', '-m', '2', `${s.url}/`], { timeout: 15_000 });
  assert.equal(pushPromises(stdout), 1);
  assert.deepEqual(s.doctor.snapshot().pushes.denied, { bytes_limit: 1 });
});

test("push 'allow' to curl, which disabled push: refused as client_disabled, never sent", async () => {
  const s = await start('stream', { push: 'allow' });
  const { stdout } = await run('curl', ['-sk', '--http2', '-o', '/dev/null', '-w', '%{http_code} %{http_version}', `${s.url}/`], { timeout: 15_000 });
  assert.equal(stdout, '200 2');
  assert.ok(s.pushResults[0].error instanceof PushDeniedError);
  assert.match(s.pushResults[0].error!.message, /client disabled/);
  assert.deepEqual(s.doctor.snapshot().pushes.denied, { client_disabled: 1 });
});

test('node client: deny sends nothing; allow sends a push the client cancels, counted as cancelled', async () => {
  const denied = await start('stream', { push: 'deny' });
  const allowed = await start('stream', { push: 'allow' }, 1, 1_000_000);
  for (const s of [denied, allowed]) {
    const client = http2.connect(s.url, { ca: pki.rootCert });
    let pushesSeen = 0;
    client.on('stream', (pushed) => {
      pushesSeen++;
      // Refuse the push the way browsers did: RST_STREAM(CANCEL) on the promised stream.
      pushed.close(http2.constants.NGHTTP2_CANCEL);
    });
    const req = client.request({ ':path': '/' });
    req.resume();
    await once(req, 'close');
    // Let the RST_STREAM reach the server before reading its counters.
    await new Promise((resolve) => setTimeout(resolve, 100));
    client.close();
    assert.equal(pushesSeen, s === denied ? 0 : 1);
  }
  assert.equal(denied.doctor.snapshot().pushes.sent, 0);
  const snap = allowed.doctor.snapshot();
  assert.equal(snap.pushes.sent, 1);
  assert.equal(snap.pushes.cancelled, 1);
  assert.deepEqual(snap.resets.received, { CANCEL: 1 });
  // The server wrote the whole body into node:http2, so the byte count is what the handler pushed.
  assert.equal(snap.pushes.bytes, 1_000_000);
});

test('denials are logged once per route per minute with route, user agent and count', async () => {
  const s = await start('stream', { push: 'deny' });
  for (let i = 0; i < 3; i++) await nghttp(`${s.url}/orders/${i + 1}`);
  assert.equal(s.logs.length, 1);
  assert.match(s.logs[0], /push denied \(policy\) on route \/orders\/:id: 1 attempt .*user-agent "nghttp2\//);
  assert.equal(s.doctor.snapshot().pushes.denied.policy, 3);
});
