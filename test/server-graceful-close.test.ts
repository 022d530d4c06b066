// Graceful close (RFC 9113 §6.8): a client under load while the server closes sees zero
// failures for requests the server accepted. "Accepted" is judged by the server's handler:
// every request it saw must reach the client complete. Requests the server never saw (sent
// after its GOAWAY, refused with REFUSED_STREAM, or too late to connect) may fail: RFC 9113
// §8.7 says those were not processed and are safe to retry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createTestPki } from './support/certs.js';
import { instrument, type ServerDoctor } from '../src/server/index.js';

const pki = createTestPki();

/** A server whose handler takes 20–80 ms, so streams are in flight when close() starts. */
async function startSlowServer(): Promise<{ url: string; seen: Set<string>; server: http2.Http2SecureServer }> {
  const seen = new Set<string>();
  const server = http2.createSecureServer({ key: pki.key, cert: pki.chain });
  let n = 0;
  server.on('stream', (stream, headers) => {
    const id = String(headers['x-req'] ?? `anon-${n++}`);
    seen.add(id);
    stream.on('error', () => undefined);
    setTimeout(() => {
      if (stream.destroyed) return;
      stream.respond({ ':status': 200 });
      stream.end(`done ${id}`);
    }, 20 + (n++ % 7) * 10);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

type Outcome = 'ok' | string;

/** Keeps `concurrency` requests in flight on one session until the session refuses more. */
function loadOneSession(url: string, prefix: string, concurrency: number, outcomes: Map<string, Outcome>): Promise<void> {
  const client = http2.connect(url, { ca: pki.rootCert });
  client.on('error', () => undefined);
  let next = 0;
  const loop = async (): Promise<void> => {
    for (;;) {
      const id = `${prefix}-${next++}`;
      let req: http2.ClientHttp2Stream;
      try {
        req = client.request({ ':path': '/work', 'x-req': id });
      } catch (err) {
        // The session got GOAWAY or closed: the request was never sent.
        outcomes.set(id, `not sent: ${(err as NodeJS.ErrnoException).code}`);
        return;
      }
      const outcome = await new Promise<Outcome>((resolve) => {
        let status = 0;
        let body = '';
        req.setEncoding('utf8');
        req.on('response', (h) => { status = Number(h[':status']); });
        req.on('data', (d: string) => { body += d; });
        req.on('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code} rst=${req.rstCode}`));
        req.on('close', () => resolve(status === 200 && body === `done ${id}` ? 'ok' : `incomplete status=${status} rst=${req.rstCode}`));
      });
      outcomes.set(id, outcome);
      if (outcome !== 'ok') return;
    }
  };
  return Promise.all(Array.from({ length: concurrency }, loop)).then(() => {
    client.close();
  });
}

test('node clients under load during close: every request the server accepted completes', async () => {
  const { url, seen, server } = await startSlowServer();
  const doctor = instrument(server, { slowRequests: false });
  const outcomes = new Map<string, Outcome>();
  const load = Promise.all([0, 1, 2].map((i) => loadOneSession(url, `c${i}`, 15, outcomes)));
  await new Promise((resolve) => setTimeout(resolve, 400));
  const inFlight = doctor.snapshot().streams.active;
  const result = await doctor.close({ graceMs: 5000 });
  await load;

  assert.ok(inFlight >= 10, `only ${inFlight} streams in flight when close began`);
  assert.equal(result.sessions, 3);
  assert.equal(result.forced, 0);
  assert.ok(seen.size > 45, `server saw ${seen.size}`);
  const failedAccepted = [...seen].filter((id) => outcomes.get(id) !== 'ok').map((id) => `${id}: ${outcomes.get(id)}`);
  assert.deepEqual(failedAccepted, []);
  const snap = doctor.snapshot();
  assert.equal(snap.goaways.sent.NO_ERROR, 3);
  assert.equal(snap.sessions.closed.goaway_sent, 3);
  assert.equal(snap.sessions.active, 0);
  assert.equal(snap.streams.active, 0);
});

test('h2load under load during close: succeeded equals what the server accepted, nothing cut', async () => {
  const { url, seen, server } = await startSlowServer();
  const doctor = instrument(server, { slowRequests: false });
  const h2load = new Promise<string>((resolve) => {
    execFile('h2load', ['-n', '100000', '-c', '4', '-m', '10', `${url}/work`], { timeout: 30_000 }, (_err, stdout) => resolve(stdout));
  });
  await new Promise((resolve) => setTimeout(resolve, 600));
  const result = await doctor.close({ graceMs: 5000 });
  const stdout = await h2load;
  const m = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(stdout);
  assert.ok(m !== null, stdout);
  const succeeded = Number(m[4]);
  assert.equal(result.forced, 0);
  assert.equal(result.streamsCut, 0);
  assert.ok(seen.size > 40, `server saw ${seen.size}`);
  // Every request the handler saw was answered 200 and h2load counted it as succeeded.
  assert.equal(succeeded, seen.size);
});

/** An instrumented server that never answers, and a client with one stream open on it. */
async function oneStreamForever(): Promise<{ doctor: ServerDoctor; client: http2.ClientHttp2Session }> {
  const server = http2.createSecureServer({ key: pki.key, cert: pki.chain });
  server.on('stream', (stream) => { stream.on('error', () => undefined); }); // never answers
  const doctor = instrument(server, { slowRequests: false });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = http2.connect(`https://127.0.0.1:${(server.address() as AddressInfo).port}`, { ca: pki.rootCert });
  client.on('error', () => undefined);
  const req = client.request({ ':path': '/forever' });
  req.on('error', () => undefined);
  await once(req, 'ready');
  // Let the HEADERS reach the server, so the stream is open on its side too.
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { doctor, client };
}

test('graceMs bounds the wait: streams that overrun are cut and reported', async () => {
  const { doctor, client } = await oneStreamForever();
  const started = Date.now();
  const result = await doctor.close({ graceMs: 200 });
  assert.ok(Date.now() - started < 3000);
  assert.deepEqual(result, { sessions: 1, forced: 1, streamsCut: 1 });
  assert.equal(doctor.snapshot().streams.active, 0);
  assert.deepEqual(doctor.snapshot().resets, { sent: {}, received: {} }, 'streams cut with their session are not RST_STREAMs');
  client.destroy();
});

test('an aborted close destroys at once and rejects with AbortError', async () => {
  const { doctor, client } = await oneStreamForever();
  await assert.rejects(doctor.close({ graceMs: 60_000 }, AbortSignal.timeout(100)), { code: 'ERR_ABORTED' });
  client.destroy();
});
