// A server that closes idle connections without GOAWAY (nghttp2#2884; many proxies do):
// the client should close idle sessions first (idleTimeoutMs below the server's), and when
// it does not, a dead connection must cost no failed request.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, type H2Client } from '../src/client/index.js';
import { rootCa, startServer, type TestServer } from './client-fixtures.js';

const SERVER_IDLE_MS = 300;
let server: TestServer;
let serverClosedIdle = 0;

before(async () => {
  server = await startServer();
  server.server.on('secureConnection', (socket) => {
    // TCP close after SERVER_IDLE_MS without traffic, no GOAWAY frame first.
    socket.setTimeout(SERVER_IDLE_MS, () => {
      serverClosedIdle++;
      socket.destroy();
    });
  });
});
after(() => server.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Four requests (GET and POST alternating), each followed by longer idle than the server allows. */
async function fourRequestsWithIdleGaps(client: H2Client): Promise<void> {
  for (let i = 0; i < 4; i++) {
    const res = await client.request({ path: '/', method: i % 2 ? 'POST' : 'GET', body: i % 2 ? 'x' : undefined });
    assert.equal(res.status, 200);
    await res.text();
    await sleep(SERVER_IDLE_MS + 150);
  }
}

test('idleTimeoutMs below the server\'s: the client retires idle sessions first', async () => {
  serverClosedIdle = 0;
  const client = createClient({ endpoints: [{ url: server.url }], tls: { ca: rootCa() }, pool: { idleTimeoutMs: 120, pingIntervalMs: 0 } });
  try {
    await fourRequestsWithIdleGaps(client);
    const ep = client.stats().endpoints[0];
    assert.equal(ep.retired.idle, 4, 'each session closed by the client while idle');
    assert.equal(serverClosedIdle, 0, 'the server never had to close one');
    assert.equal(ep.failures, 0);
  } finally {
    await client.close();
  }
});

test('idleTimeoutMs above the server\'s: the dead connection is noticed, no request fails', async () => {
  serverClosedIdle = 0;
  const client = createClient({ endpoints: [{ url: server.url }], tls: { ca: rootCa() }, pool: { idleTimeoutMs: 60_000, pingIntervalMs: 0 } });
  try {
    await fourRequestsWithIdleGaps(client);
    const ep = client.stats().endpoints[0];
    assert.equal(serverClosedIdle, 4, 'the server closed every connection while idle');
    assert.equal(ep.sessionsOpened, 4);
    assert.equal(ep.retired.closed, 4, 'every session ended by the peer closing it');
    assert.equal(ep.retired.idle, 0);
    assert.equal(ep.failures, 0);
  } finally {
    await client.close();
  }
});
