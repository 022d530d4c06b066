// A request's deadline and its AbortSignal reset the stream with CANCEL (RFC 9113 §8.7), so
// the server stops working on it; neither is retried past the deadline.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '../src/client/index.js';
import { AbortError, DeadlineExceededError, StreamResetError } from '../src/errors.js';
import { rootCa, startServer, type TestServer } from './client-fixtures.js';
import { waitFor } from './support/wait.js';

let server: TestServer;
const resetCodes: number[] = [];

before(async () => {
  server = await startServer((stream, headers) => {
    stream.on('close', () => resetCodes.push(stream.rstCode ?? -1));
    if (headers[':path'] === '/slow-body') {
      stream.respond({ ':status': 200 });
      stream.write('partial');
      return; // never ends
    }
    // '/hang': never answers
  });
});
after(() => server.close());

test('timeoutMs fires: DeadlineExceededError and the server sees RST_STREAM(CANCEL)', async () => {
  const client = createClient({ endpoints: [{ url: server.url }], tls: { ca: rootCa() } });
  try {
    resetCodes.length = 0;
    await assert.rejects(client.request({ path: '/hang', timeoutMs: 200 }), DeadlineExceededError);
    await waitFor(() => resetCodes.length === 1);
    assert.deepEqual(resetCodes, [8]);
    assert.equal(client.stats().endpoints[0].inFlight, 0);
  } finally {
    await client.close();
  }
});

test('an AbortSignal cancels the stream with CANCEL and rejects with AbortError', async () => {
  const client = createClient({ endpoints: [{ url: server.url }], tls: { ca: rootCa() } });
  try {
    resetCodes.length = 0;
    const ac = new AbortController();
    const pending = client.request({ path: '/hang', signal: ac.signal, timeoutMs: 5000 });
    setTimeout(() => ac.abort(), 100);
    await assert.rejects(pending, AbortError);
    await waitFor(() => resetCodes.length === 1);
    assert.deepEqual(resetCodes, [8]);
    assert.equal(client.stats().retries, 0, 'an aborted request is not retried');
  } finally {
    await client.close();
  }
});

test('the deadline also covers reading the body', async () => {
  const client = createClient({ endpoints: [{ url: server.url }], tls: { ca: rootCa() } });
  try {
    resetCodes.length = 0;
    const res = await client.request({ path: '/slow-body', timeoutMs: 300 });
    assert.equal(res.status, 200);
    await assert.rejects(res.text(), (err: unknown) => err instanceof DeadlineExceededError || err instanceof StreamResetError);
    await waitFor(() => resetCodes.length === 1);
    assert.deepEqual(resetCodes, [8]);
  } finally {
    await client.close();
  }
});
