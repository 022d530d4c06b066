// The pool reuses one session, never exceeds the peer's SETTINGS_MAX_CONCURRENT_STREAMS
// (RFC 9113 §5.1.2; undici#5134 exceeds it), retires sessions after maxRequestsPerSession
// and resumes TLS sessions on reconnect.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { createClient } from '../src/client/index.js';
import { rootCa, startServer, type TestServer } from './client-fixtures.js';

let server: TestServer;
const active = new Map<http2.ServerHttp2Session, number>();
let maxActive = 0;
let refusedByLimit = 0;

before(async () => {
  server = await startServer(
    (stream) => {
      const session = stream.session as http2.ServerHttp2Session;
      const n = (active.get(session) ?? 0) + 1;
      active.set(session, n);
      maxActive = Math.max(maxActive, n);
      stream.on('close', () => {
        active.set(session, (active.get(session) ?? 1) - 1);
        if (stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM) refusedByLimit++;
      });
      setTimeout(() => {
        if (stream.destroyed) return;
        stream.respond({ ':status': 200 });
        stream.end('ok');
      }, 20);
    },
    { maxConcurrentStreams: 5 },
  );
});
after(() => server.close());

test('never more streams per session than the peer allows; queue beyond maxSessions', async () => {
  const client = createClient({ endpoints: [{ url: server.url }], tls: { ca: rootCa() }, pool: { maxSessions: 2 }, timeoutMs: 10_000 });
  try {
    const statuses = await Promise.all(Array.from({ length: 60 }, async () => {
      const r = await client.request({ path: '/' });
      await r.dump();
      return r.status;
    }));
    assert.deepEqual(statuses, Array(60).fill(200));
    assert.ok(maxActive <= 5, `server saw ${maxActive} concurrent streams on one session`);
    assert.equal(refusedByLimit, 0);
    const ep = client.stats().endpoints[0];
    assert.equal(ep.sessionsOpened, 2);
    assert.equal(ep.peerMaxConcurrentStreams, 5);
    assert.equal(ep.retries, 0);
  } finally {
    await client.close();
  }
});

test('one session is reused for sequential traffic', async () => {
  const client = createClient({ endpoints: [{ url: server.url }], tls: { ca: rootCa() } });
  try {
    for (let i = 0; i < 20; i++) await (await client.request({ path: '/' })).text();
    const ep = client.stats().endpoints[0];
    assert.equal(ep.sessionsOpened, 1);
    assert.equal(ep.streams, 20);
    assert.equal(ep.reuseRatio, 0.95);
  } finally {
    await client.close();
  }
});

test('maxRequestsPerSession retires sessions; reconnects resume the TLS session', async () => {
  const client = createClient({ endpoints: [{ url: server.url }], tls: { ca: rootCa() }, pool: { maxRequestsPerSession: 2 } });
  try {
    for (let i = 0; i < 6; i++) await (await client.request({ path: '/' })).text();
    const ep = client.stats().endpoints[0];
    assert.equal(ep.sessionsOpened, 3);
    assert.equal(ep.retired['max-requests'], 3);
    assert.ok(ep.tlsResumed >= 1, `resumed ${ep.tlsResumed} of 2 reconnects`);
  } finally {
    await client.close();
  }
});
