// RFC 9113 §6.8 with a peer that does not help: it sends GOAWAY with a last-stream-id below
// streams it already received and then simply never answers those streams (no RST_STREAM).
// node (nghttp2) closes them on the client when the GOAWAY arrives; the client must see that
// they were not processed and send them again on a new connection, POSTs included.
// Node's own server always resets such streams, so this peer is written with our codec.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '../src/client/index.js';
import { startRawPeer, type RawPeer } from './client-fixtures.js';

let peer: RawPeer;
/** Streams seen on connection 1, in order. */
const firstConnStreams: number[] = [];
let secondConnStreams = 0;

before(async () => {
  peer = await startRawPeer({
    onRequest: (conn, streamId) => {
      if (conn.index !== 1) {
        secondConnStreams++;
        conn.respond(streamId, 200, `conn ${conn.index}`);
        return;
      }
      firstConnStreams.push(streamId);
      if (firstConnStreams.length < 6) return;
      // All six are here: keep the first three, disown the rest.
      const last = firstConnStreams[2];
      conn.goaway(last);
      for (const id of firstConnStreams) if (id <= last) conn.respond(id, 200, 'conn 1');
    },
  });
});
after(() => peer.close());

test('streams above a GOAWAY\'s last-stream-id are retried on a new connection', async () => {
  const client = createClient({ endpoints: [{ url: peer.url }], timeoutMs: 5000 });
  try {
    const results = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const method = i % 2 === 0 ? 'POST' : 'GET';
        const res = await client.request({ path: `/r/${i}`, method, body: method === 'POST' ? 'x' : undefined });
        return { status: res.status, text: await res.text(), attempts: res.attempts };
      }),
    );
    assert.deepEqual(results.map((r) => r.status), Array(6).fill(200));
    assert.equal(results.filter((r) => r.text === 'conn 1').length, 3);
    assert.equal(results.filter((r) => r.text === 'conn 2').length, 3);
    assert.ok(results.filter((r) => r.text === 'conn 2').every((r) => r.attempts === 2));
    assert.equal(secondConnStreams, 3, 'each disowned request sent once more, no more');
    const stats = client.stats();
    assert.equal(stats.transparentRetries, 3);
    assert.equal(stats.retryBudget.retries, 0);
    assert.equal(stats.endpoints[0].retired.goaway, 1);
    assert.equal(stats.endpoints[0].sessionsOpened, 2);
  } finally {
    await client.close();
  }
});
