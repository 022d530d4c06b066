// An upstream that is down gives the client a prompt reset and the proxy keeps serving;
// opening and closing many connections leaves no file descriptors behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readdirSync } from 'node:fs';
import { startChaos } from '../src/chaos/start-chaos.js';
import type { FaultEvent } from '../src/chaos/fault-log.js';
import { freePort } from './support/net.js';

function connectAndSend(port: number): Promise<{ error?: string; echoed: boolean; ms: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const s = net.connect(port, '127.0.0.1');
    let error: string | undefined, echoed = false;
    s.on('error', (e: NodeJS.ErrnoException) => (error = e.code));
    s.on('data', () => {
      echoed = true;
      s.end();
    });
    s.on('close', () => resolve({ error, echoed, ms: performance.now() - t0 }));
    s.write('hi');
  });
}

test('upstream down: prompt reset, logged; the same route serves once the upstream is up', async () => {
  const port = await freePort();
  const events: FaultEvent[] = [];
  const px = await startChaos({ upstream: `127.0.0.1:${port}`, log: (e) => events.push(e) });
  const proxyPort = Number(px.url.split(':').pop());
  try {
    const down = await connectAndSend(proxyPort);
    assert.equal(down.error, 'ECONNRESET');
    assert.ok(down.ms < 2000, `reset after ${down.ms} ms`);
    assert.equal(events[0]!.fault, 'upstream-down');
    assert.match(events[0]!.detail!, /connection refused/);
    assert.equal(px.stats().routes[px.route().name]!.upstreamFailures, 1);

    const server = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    const up = await connectAndSend(proxyPort);
    assert.equal(up.echoed, true);
    assert.equal(up.error, undefined);
    server.close();
  } finally {
    await px.close();
  }
});

test('1,000 connections through the proxy leave no fd growth', async () => {
  const server = net.createServer((s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const px = await startChaos({ upstream: `127.0.0.1:${(server.address() as net.AddressInfo).port}`, faults: ['latency 1ms'] });
  const proxyPort = Number(px.url.split(':').pop());
  const fds = () => readdirSync('/proc/self/fd').length;
  try {
    await connectAndSend(proxyPort); // warm up lazily opened handles
    await new Promise((r) => setTimeout(r, 50));
    const before = fds();
    for (let batch = 0; batch < 20; batch++) {
      const results = await Promise.all(Array.from({ length: 50 }, () => connectAndSend(proxyPort)));
      assert.ok(results.every((r) => r.echoed));
    }
    let afterCount = fds();
    for (let i = 0; i < 40 && afterCount > before; i++) {
      await new Promise((r) => setTimeout(r, 50));
      afterCount = fds();
    }
    assert.ok(afterCount <= before, `fds ${before} → ${afterCount}`);
    const s = px.stats().routes[px.route().name]!;
    assert.equal(s.connections, 1001);
    assert.equal(s.active, 0);
  } finally {
    await px.close();
    server.close();
  }
});
