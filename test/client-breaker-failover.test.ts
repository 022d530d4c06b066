// The per-endpoint breaker feeds failover: an endpoint that answers 5xx, or answers slowly
// (resilience4j's slow-call rate, which no Node library has), is ejected while its breaker
// is open and traffic goes to the next priority. State changes are events.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, type ClientEvents } from '../src/client/index.js';
import { BreakerOpenError } from '../src/errors.js';
import { rootCa, startServer, type TestServer } from './client-fixtures.js';

let failing: TestServer;
let slow: TestServer;
let healthy: TestServer;

before(async () => {
  failing = await startServer((stream) => {
    stream.respond({ ':status': 503 });
    stream.end('down');
  });
  slow = await startServer((stream) => {
    setTimeout(() => {
      if (stream.destroyed) return;
      stream.respond({ ':status': 200 });
      stream.end('slow');
    }, 120);
  });
  healthy = await startServer((stream) => {
    stream.respond({ ':status': 200 });
    stream.end('healthy');
  });
});
after(async () => {
  await Promise.all([failing.close(), slow.close(), healthy.close()]);
});

async function drain(client: ReturnType<typeof createClient>, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await client.request({ path: '/' });
    out.push(await res.text());
  }
  return out;
}

test('5xx past the failure rate opens the breaker and moves traffic to the next priority', async () => {
  const client = createClient({
    endpoints: [{ url: failing.url, priority: 0 }, { url: healthy.url, priority: 1 }],
    tls: { ca: rootCa() },
    breaker: { window: { calls: 10 }, minimumCalls: 5, failureRate: 0.5, openMs: 60_000 },
  });
  const events: Array<ClientEvents['breaker']> = [];
  const off = client.on('breaker', (e) => events.push(e));
  try {
    const bodies = await drain(client, 10);
    assert.deepEqual(bodies.slice(0, 5), Array(5).fill('down'), 'minimumCalls 5: five answers before deciding');
    assert.deepEqual(bodies.slice(5), Array(5).fill('healthy'));
    assert.deepEqual(events.map((e) => [e.endpoint, e.from, e.to]), [[failing.url, 'closed', 'open']]);
    const stats = client.stats();
    assert.equal(stats.endpoints[0].breaker.state, 'open');
    assert.equal(stats.endpoints[0].breaker.opens, 1);
    assert.equal(stats.failovers, 1);
    off();
  } finally {
    await client.close();
  }
});

test('slow calls open the breaker even though every answer is 200', async () => {
  const client = createClient({
    endpoints: [{ url: slow.url, priority: 0 }, { url: healthy.url, priority: 1 }],
    tls: { ca: rootCa() },
    breaker: { window: { calls: 10 }, minimumCalls: 3, slowCallMs: 50, slowCallRate: 0.5, openMs: 60_000 },
  });
  try {
    const bodies = await drain(client, 6);
    assert.deepEqual(bodies, ['slow', 'slow', 'slow', 'healthy', 'healthy', 'healthy']);
    assert.equal(client.stats().endpoints[0].breaker.state, 'open');
  } finally {
    await client.close();
  }
});

test('with every breaker open: BreakerOpenError at once, or the fallback when given', async () => {
  const client = createClient({
    endpoints: [{ url: failing.url }],
    tls: { ca: rootCa() },
    breaker: { window: { calls: 4 }, minimumCalls: 2, openMs: 60_000 },
  });
  try {
    const before = failing.streams;
    await drain(client, 2);
    await assert.rejects(client.request({ path: '/' }), BreakerOpenError);
    assert.equal(failing.streams - before, 2, 'rejected at once: the server saw only the first two');
    const answer = await client.request({ path: '/', fallback: (err) => ({ cached: true, why: err.code }) });
    assert.deepEqual(answer, { cached: true, why: 'ERR_BREAKER_OPEN' });
  } finally {
    await client.close();
  }
});
