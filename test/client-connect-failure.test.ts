// Connecting fails: the request fails over or fails fast with the connect error, and the
// pool does not spin reconnecting to a dead endpoint (one attempt per request, not a storm).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createClient } from '../src/client/index.js';
import { ConnectError, NoHealthyEndpointError, TlsError } from '../src/errors.js';
import { createTestPki } from './support/certs.js';
import { rootCa, startServer, type TestServer } from './client-fixtures.js';

let server: TestServer;
let deadUrl: string;

before(async () => {
  server = await startServer();
  // A port nobody listens on: bind, note it, close.
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  deadUrl = `https://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});
after(() => server.close());

test('an untrusted certificate fails fast with TlsError after one connection attempt', async () => {
  const otherRoot = createTestPki({ hosts: ['other.test'] }).rootCert;
  const client = createClient({ endpoints: [{ url: server.url }], tls: { ca: otherRoot } });
  try {
    await assert.rejects(client.request({ path: '/' }), TlsError);
    const ep = client.stats().endpoints[0];
    assert.equal(ep.sessionsOpened, 1);
    assert.equal(ep.connectFailures, 1);
    // Ejected: the next request is refused at once rather than reconnecting.
    await assert.rejects(client.request({ path: '/' }), NoHealthyEndpointError);
    assert.equal(client.stats().endpoints[0].sessionsOpened, 1);
  } finally {
    await client.close();
  }
});

test('a refused connection fails over to the next priority; POST too, since nothing was sent', async () => {
  const client = createClient({
    endpoints: [
      { url: deadUrl, zone: 'a', priority: 0 },
      { url: server.url, zone: 'b', priority: 1 },
    ],
    tls: { ca: rootCa() },
  });
  try {
    const res = await client.request({ path: '/orders', method: 'POST', body: '{}' });
    assert.equal(res.status, 200);
    assert.equal(res.endpoint, server.url);
    assert.equal(res.attempts, 2);
    await res.dump();
    const [dead, live] = client.stats().endpoints;
    assert.equal(dead.connectFailures, 1);
    assert.equal(dead.ejections, 1);
    assert.equal(live.requests, 1);
  } finally {
    await client.close();
  }
});

test('a lone dead endpoint: ConnectError, one connection attempt', async () => {
  const client = createClient({ endpoints: [{ url: deadUrl }], tls: { ca: rootCa() } });
  try {
    await assert.rejects(client.request({ path: '/' }), ConnectError);
    assert.equal(client.stats().endpoints[0].sessionsOpened, 1);
  } finally {
    await client.close();
  }
});
