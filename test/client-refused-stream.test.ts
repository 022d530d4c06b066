// RFC 9113 §8.7: REFUSED_STREAM means the server did no work on the stream, so any request,
// POST included, may be retried. The breaker must not count refusals as failures.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { createClient } from '../src/client/index.js';
import { StreamResetError, H2ErrorCode } from '../src/errors.js';
import { rootCa, startServer, type TestServer } from './client-fixtures.js';

let server: TestServer;
let seen = 0;
let refused = 0;
const processed = new Map<string, number>();

before(async () => {
  server = await startServer((stream, headers) => {
    seen++;
    const id = String(headers['x-id']);
    if (id.startsWith('always')) {
      refused++;
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    // Refuse every third stream the server sees.
    if (seen % 3 === 0) {
      refused++;
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    processed.set(id, (processed.get(id) ?? 0) + 1);
    stream.respond({ ':status': 200 });
    stream.end('done');
  });
});
after(() => server.close());

test('refused streams are retried transparently, POSTs included, each processed once', async () => {
  const client = createClient({
    endpoints: [{ url: server.url }],
    tls: { ca: rootCa() },
    breaker: { window: { calls: 20 }, minimumCalls: 5 },
  });
  try {
    const statuses = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const res = await client.request({ path: '/orders', method: 'POST', headers: { 'x-id': String(i) }, body: '{}' });
        await res.dump();
        return res.status;
      }),
    );
    assert.deepEqual(statuses, Array(60).fill(200));
    assert.ok(refused >= 15, `server refused ${refused} streams`);
    assert.equal(processed.size, 60);
    for (const [id, n] of processed) assert.equal(n, 1, `request ${id} processed ${n} times`);
    const stats = client.stats();
    assert.ok(stats.transparentRetries >= refused - 1, `transparent retries ${stats.transparentRetries}`);
    assert.equal(stats.endpoints[0].breaker.state, 'closed', 'refusals are not breaker failures');
  } finally {
    await client.close();
  }
});

test('a stream refused on every attempt fails after maxUnprocessedRetries with the reset error', async () => {
  const client = createClient({ endpoints: [{ url: server.url }], tls: { ca: rootCa() }, retry: { maxAttempts: 3, maxUnprocessedRetries: 4, baseMs: 5 } });
  try {
    const before = refused;
    await assert.rejects(
      client.request({ path: '/x', method: 'POST', headers: { 'x-id': 'always' }, body: 'x' }),
      (err: unknown) => err instanceof StreamResetError && err.h2Code === H2ErrorCode.REFUSED_STREAM,
    );
    assert.equal(refused - before, 5, 'one attempt and four unprocessed retries');
  } finally {
    await client.close();
  }
});
