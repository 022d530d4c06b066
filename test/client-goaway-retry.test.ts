// RFC 9113 §6.8: a server that sends GOAWAY mid-load promises it processed nothing above the
// last-stream-id; the client must retry those requests on a new session, POSTs included,
// and must not send them twice to the application.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { createClient } from '../src/client/index.js';
import { rootCa, startServer, type TestServer } from './client-fixtures.js';

let server: TestServer;
/** Request ids the application processed, with how many times. */
const processed = new Map<string, number>();
/** GOAWAY last-stream-id per server session, once sent. */
const goawayLast = new WeakMap<http2.ServerHttp2Session, number>();
const perSession = new WeakMap<http2.ServerHttp2Session, number>();
let goaways = 0;

before(async () => {
  server = await startServer((stream, headers) => {
    const session = stream.session as http2.ServerHttp2Session;
    const streamId = stream.id ?? 0;
    const n = (perSession.get(session) ?? 0) + 1;
    perSession.set(session, n);
    if (n === 40 && goaways === 0) {
      // The 20 newest streams were "not processed": announce it, then close gracefully.
      const last = streamId - 40;
      goawayLast.set(session, last);
      goaways++;
      session.goaway(http2.constants.NGHTTP2_NO_ERROR, last);
      setTimeout(() => session.close(), 100);
    }
    setTimeout(() => {
      if (stream.destroyed) return;
      const last = goawayLast.get(session);
      if (last !== undefined && streamId > last) {
        stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
        return;
      }
      const id = String(headers['x-id']);
      processed.set(id, (processed.get(id) ?? 0) + 1);
      stream.respond({ ':status': 200 });
      stream.end(id);
    }, 30);
  });
});
after(() => server.close());

test('GOAWAY mid-load: every request succeeds, POSTs above last-stream-id retried once', async () => {
  const client = createClient({ endpoints: [{ url: server.url }], tls: { ca: rootCa() }, timeoutMs: 10_000 });
  try {
    const results = await Promise.all(
      Array.from({ length: 120 }, async (_, i) => {
        const method = i % 2 === 0 ? 'POST' : 'GET';
        const res = await client.request({ path: `/r/${i}`, method, headers: { 'x-id': String(i) }, body: method === 'POST' ? 'x' : undefined });
        return { status: res.status, text: await res.text() };
      }),
    );
    assert.equal(goaways, 1, 'the server sent its GOAWAY');
    assert.deepEqual(results.map((r) => r.status), Array(120).fill(200));
    assert.deepEqual(results.map((r) => r.text), results.map((_, i) => String(i)));
    for (const [id, count] of processed) assert.equal(count, 1, `request ${id} processed ${count} times`);
    assert.equal(processed.size, 120);
    const stats = client.stats();
    const ep = stats.endpoints[0];
    assert.ok(ep.retired.goaway >= 1, 'the session was retired on GOAWAY');
    assert.ok(ep.sessionsOpened >= 2, 'a new session took the retried requests');
    assert.ok(stats.transparentRetries >= 1, `transparent retries: ${stats.transparentRetries}`);
    assert.equal(stats.retryBudget.retries, 0, 'unprocessed retries do not spend the budget');
    assert.equal(ep.breaker.state, 'closed');
  } finally {
    await client.close();
  }
});
