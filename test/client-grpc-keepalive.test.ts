/**
 * client.unary() with gRPC keep-alive against a server that enforces a keep-alive policy
 * (h2doctor/server's keepalivePolicy on node:http2: 5 s minimum, 2 strikes). A client
 * pinging every second is cut with GOAWAY ENHANCE_YOUR_CALM "too_many_pings"; it doubles its
 * interval as grpc-go and C-core do, reconnects, and no call fails.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createClient, GrpcStatusError, type H2Client } from '../src/client/index.js';
import { startNodeGrpcServer, type RunningNodeGrpc } from './support/grpc-node-server.js';

const servers: RunningNodeGrpc[] = [];
const clients: H2Client[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.close({ graceMs: 100 })));
  await Promise.all(servers.map((s) => s.close()));
});

/** `total` calls, `inFlight` at a time; returns how many failed, and the first failure. */
async function callMany(client: H2Client, total: number, inFlight: number): Promise<{ failed: number; first: unknown }> {
  let next = 0;
  let failed = 0;
  let first: unknown;
  const message = Buffer.from('ping-pong');
  async function worker(): Promise<void> {
    while (next < total) {
      next++;
      try {
        const r = await client.unary({ method: '/h2doctor.test.Echo/Echo', message, timeoutMs: 10_000 });
        if (Buffer.from(r.message).toString() !== 'ping-pong') throw new Error('wrong echo');
      } catch (err) {
        failed++;
        first ??= err;
      }
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { failed, first };
}

describe('client.unary and gRPC keep-alive', { concurrency: 2 }, () => {
  test('20,000 calls, 100 in flight, keepalive 1 s vs a 5 s / 2-strike policy: 0 failed, interval doubled', async () => {
    const server = await startNodeGrpcServer({ keepalivePolicy: { minTimeMs: 5000, permitWithoutCalls: false, maxPingStrikes: 2 } });
    servers.push(server);
    const registry = new Registry();
    const client = createClient({ endpoints: [{ url: server.url }], keepalive: { timeMs: 1000, timeoutMs: 5000 }, timeoutMs: 10_000, grpcMetrics: { registry } });
    clients.push(client);
    const started = Date.now();
    let result = await callMany(client, 20_000, 100);
    // On a fast machine 20,000 calls can end before the fourth PING: keep the connection busy
    // until the server has cut it once (bounded), then check nothing failed throughout.
    while (client.stats().keepalive!.tooManyPingsGoaways === 0 && Date.now() - started < 20_000) {
      const more = await callMany(client, 2000, 100);
      result = { failed: result.failed + more.failed, first: result.first ?? more.first };
    }
    assert.equal(result.failed, 0, String(result.first));
    const k = client.stats().keepalive!;
    assert.ok(k.tooManyPingsGoaways >= 1, JSON.stringify(k));
    assert.equal(k.timeMs, 1000 * 2 ** k.tooManyPingsGoaways);
    assert.equal(server.doctor.snapshot().keepalive!.tooManyPingsGoaways, k.tooManyPingsGoaways);
    assert.ok(server.sessions() >= 2, `reconnected: ${server.sessions()} sessions`);
    assert.ok((server.counts.OK ?? 0) >= 20_000);
    const text = await registry.metrics();
    const calls = /^grpc_client_handled_total\{grpc_type="unary",grpc_service="h2doctor.test.Echo",grpc_method="Echo",grpc_code="OK"\} (\d+)$/m.exec(text);
    assert.ok(calls && Number(calls[1]) >= 20_000, text.slice(0, 400));
    assert.match(text, new RegExp(`^grpc_client_keepalive_too_many_pings_total ${k.tooManyPingsGoaways}$`, 'm'));
    assert.match(text, /^grpc_client_handling_seconds_count\{grpc_type="unary",grpc_service="h2doctor.test.Echo",grpc_method="Echo"\} \d+$/m);
  });

  test('UNAVAILABLE is retried within the budget; other statuses reject with GrpcStatusError at once', async () => {
    const server = await startNodeGrpcServer({ failShare: 0.2 });
    servers.push(server);
    // The breaker counts UNAVAILABLE: at 20 % it would open at its default 50 % only by
    // chance, so give it room here and test its classification below.
    const client = createClient({ endpoints: [{ url: server.url }], retry: { maxAttempts: 5, budget: 1, baseMs: 1 }, breaker: { failureRate: 0.9 } });
    clients.push(client);
    const r = await callMany(client, 500, 20);
    // Every UNAVAILABLE the server sent was retried, except the last of each failed call
    // (a call fails after 5 tries, or earlier if the breaker opened: chance, rare at 20 %).
    assert.ok(r.failed <= 2, String(r.first));
    const unavailable = server.counts.UNAVAILABLE ?? 0;
    const retries = client.stats().grpcRetries;
    assert.ok(retries <= unavailable && retries >= unavailable - r.failed * 5, `${retries} retries, ${unavailable} UNAVAILABLE, ${r.failed} failed`);
    assert.ok(client.stats().grpcRetries > 50);
    assert.equal(server.counts.OK, 500 - r.failed);
    // A fresh client: the first one's breaker has counted the UNAVAILABLEs and may be open.
    const registry = new Registry();
    const fresh = createClient({ endpoints: [{ url: server.url }], grpcMetrics: { registry } });
    clients.push(fresh);
    for (let i = 0; i < 30; i++) {
      await assert.rejects(fresh.unary({ method: '/h2doctor.test.Echo/Nope', message: new Uint8Array(0) }), { statusName: 'UNIMPLEMENTED' });
    }
    assert.equal(fresh.stats().endpoints[0]!.breaker.state, 'closed'); // UNIMPLEMENTED is the caller's problem
    await assert.rejects(fresh.unary({ method: '/h2doctor.test.Echo/Nope', message: new Uint8Array(0) }), (err: unknown) => {
      assert.ok(err instanceof GrpcStatusError);
      assert.equal(err.code, 'ERR_GRPC_STATUS');
      assert.equal(err.statusName, 'UNIMPLEMENTED');
      assert.equal(err.grpcCode, 12);
      return true;
    });
    assert.equal(server.counts.UNIMPLEMENTED, 31);
    assert.match(await registry.metrics(), /^grpc_client_handled_total\{grpc_type="unary",grpc_service="h2doctor.test.Echo",grpc_method="Nope",grpc_code="Unimplemented"\} 31$/m);
  });
});
