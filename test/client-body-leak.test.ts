// Unconsumed response bodies: nothing in Node notices them (undici#1108, #3895). The client
// resets such a stream with CANCEL after bodyTimeoutMs, or when the response object is
// garbage-collected unread, counts the leak per path and warns once per path.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createClient, type H2Client } from '../src/client/index.js';
import { rootCa, startServer, type TestServer } from './client-fixtures.js';
import { waitFor } from './support/wait.js';

let server: TestServer;
const resetCodes: number[] = [];

before(async () => {
  server = await startServer((stream, headers) => {
    stream.on('close', () => resetCodes.push(stream.rstCode ?? -1));
    stream.respond({ ':status': 200 });
    // 200 KB: more than the stream's 64 KB window, so an unread body stalls the server.
    stream.end(Buffer.alloc(200_000, 0x61));
    void headers;
  });
});
after(() => server.close());

test('a body not read within bodyTimeoutMs is reset with CANCEL, counted, warned once per path', async () => {
  const warnings: string[] = [];
  const client = createClient({ endpoints: [{ url: server.url }], tls: { ca: rootCa() }, bodyTimeoutMs: 150, onWarning: (m) => warnings.push(m) });
  try {
    resetCodes.length = 0;
    const leaked1 = await client.request({ path: '/report' });
    const leaked2 = await client.request({ path: '/report' });
    const read = await client.request({ path: '/read' });
    assert.equal((await read.text()).length, 200_000);
    assert.equal(leaked1.status, 200);
    await waitFor(() => client.stats().leaks === 2, 3000);
    assert.deepEqual(client.stats().leaksByPath, { '/report': 2 });
    assert.equal(warnings.length, 1, 'one warning per path');
    assert.match(warnings[0], /\/report .*reset \(CANCEL\)/);
    await waitFor(() => resetCodes.filter((c) => c === 8).length === 2, 3000);
    await waitFor(() => client.stats().endpoints[0].inFlight === 0 && client.stats().endpoints[0].queued === 0, 3000);
    // The reset freed the stream slots: the session goes idle.
    const session = (client as unknown as { endpoints: Array<{ pool: { openSessions(): Array<{ active: number }> } }> }).endpoints[0].pool.openSessions()[0];
    await waitFor(() => session.active === 0, 3000);
    // Reading a reset body says why instead of hanging.
    await assert.rejects(leaked2.text(), /reset unread/);
  } finally {
    await client.close();
  }
});

test('a response garbage-collected unread is reset and counted', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const warnings: string[] = [];
  const client: H2Client = createClient({ endpoints: [{ url: server.url }], tls: { ca: rootCa() }, bodyTimeoutMs: 0, onWarning: (m) => warnings.push(m) });
  try {
    resetCodes.length = 0;
    await (async () => {
      const res = await client.request({ path: '/forgotten' });
      assert.equal(res.status, 200);
    })();
    const until = Date.now() + 5000;
    while (client.stats().leaks === 0 && Date.now() < until) {
      gc();
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(client.stats().leaks, 1);
    assert.deepEqual(client.stats().leaksByPath, { '/forgotten': 1 });
    assert.match(warnings[0], /garbage-collected unread/);
    await waitFor(() => resetCodes.includes(8), 3000);
  } finally {
    await client.close();
  }
});

test('a consumed body is not a leak', async () => {
  const client = createClient({ endpoints: [{ url: server.url }], tls: { ca: rootCa() }, bodyTimeoutMs: 50 });
  try {
    const a = await client.request({ path: '/a' });
    await a.dump();
    const b = await client.request({ path: '/b' });
    b.body.resume();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(client.stats().leaks, 0);
  } finally {
    await client.close();
  }
});
