// RFC 9113 §6.7: a peer must answer PING with a PING ACK. A connection whose peer stops
// reading (a black-holed path, a stuck proxy) answers nothing: the client must notice by
// its PING timeout, retire the session, retry idempotent requests on a new connection and
// fail the others quickly instead of at the deadline. Node's own server always answers PING,
// so this server is written with our codec: a raw TCP h2c peer speaking just enough HTTP/2.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { createClient } from '../src/client/index.js';
import { ConnectionClosedError } from '../src/errors.js';
import { startRawPeer, type RawPeer } from './client-fixtures.js';

let peer: RawPeer;
/** Connection indexes (per server, 1-based) that answer nothing: no response, no PING ACK. */
let blackHoles = new Set<number>();
/** Connection index → connections counted before the current test began. */
let base = 0;

before(async () => {
  peer = await startRawPeer({
    answerPings: (conn) => !blackHoles.has(conn.index - base),
    onRequest: (conn, streamId) => {
      if (!blackHoles.has(conn.index - base)) conn.respond(streamId, 200, `conn ${conn.index - base}`);
    },
  });
});
after(() => peer.close());

function reset(silent: number[]): void {
  base = peer.connections();
  blackHoles = new Set(silent);
}

test('a peer that never answers PING: session retired, GET retried on a new connection', async () => {
  reset([1]);
  const ignoredBefore = peer.pingsIgnored();
  const client = createClient({ endpoints: [{ url: peer.url }], pool: { pingIntervalMs: 100, pingTimeoutMs: 200 }, timeoutMs: 5000 });
  try {
    const started = performance.now();
    const res = await client.request({ path: '/stock' });
    const elapsed = performance.now() - started;
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'conn 2');
    assert.ok(elapsed < 4000, `answered after ${elapsed.toFixed(0)} ms, before the 5 s deadline`);
    assert.ok(peer.pingsIgnored() > ignoredBefore);
    const ep = client.stats().endpoints[0];
    assert.equal(ep.retired['ping-timeout'], 1);
    assert.equal(ep.sessionsOpened, 2);
    assert.equal(client.stats().retries, 1);
  } finally {
    await client.close();
  }
});

test('a POST on a silent connection fails fast with ConnectionClosedError, not at the deadline', async () => {
  reset([1]);
  const client = createClient({ endpoints: [{ url: peer.url }], pool: { pingIntervalMs: 100, pingTimeoutMs: 200 }, timeoutMs: 5000 });
  try {
    const started = performance.now();
    await assert.rejects(client.request({ path: '/orders', method: 'POST', body: '{}' }), ConnectionClosedError);
    assert.ok(performance.now() - started < 4000);
    // The next request gets a fresh, healthy connection.
    const res = await client.request({ path: '/orders/1' });
    assert.equal(await res.text(), 'conn 2');
  } finally {
    await client.close();
  }
});

test('a peer that answers PING keeps its session', async () => {
  reset([]);
  const client = createClient({ endpoints: [{ url: peer.url }], pool: { pingIntervalMs: 50, pingTimeoutMs: 200 } });
  try {
    assert.equal(await (await client.request({ path: '/a' })).text(), 'conn 1');
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(await (await client.request({ path: '/b' })).text(), 'conn 1');
    const ep = client.stats().endpoints[0];
    assert.equal(ep.retired['ping-timeout'], 0);
    assert.equal(ep.sessionsOpened, 1);
  } finally {
    await client.close();
  }
});
