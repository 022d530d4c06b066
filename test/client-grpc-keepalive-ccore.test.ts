/**
 * client.unary() with keep-alive 1 s against Debian's python3-grpcio (C-core) server with a
 * 5 s minimum and 2 strikes. C-core forgives strikes whenever it writes (ping_abuse_policy:
 * ResetPingStrikes on sending headers or data), so a busy connection is never cut; the cut
 * comes while calls are open and the server writes nothing: here, four calls the server
 * holds 7 s (pings 1 s apart: the first after a write is free, the third strike cuts). C-core then sends GOAWAY ENHANCE_YOUR_CALM "too_many_pings" and closes the
 * connection; the cut calls come back UNAVAILABLE and are retried on a new one. 20,000 calls
 * in all, 100 in flight: none fails, and the interval is doubled.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, type H2Client } from '../src/client/index.js';
import { startCcoreServer, type RunningGrpc } from './support/grpc-servers.js';

let server: RunningGrpc;
let client: H2Client;
before(async () => {
  server = await startCcoreServer({ 'grpc.http2.min_ping_interval_without_data_ms': 5000, 'grpc.http2.max_ping_strikes': 2 });
  client = createClient({ endpoints: [{ url: server.url }], keepalive: { timeMs: 1000 }, timeoutMs: 15_000 });
});
after(async () => {
  await client?.close({ graceMs: 100 });
  await server?.close();
});

test('C-core, 5 s / 2 strikes, keepalive 1 s: 20,000 calls, 0 failed, interval doubled', async () => {
  let failed = 0;
  let first: unknown;
  async function run(total: number, method: string, inFlight: number): Promise<void> {
    let next = 0;
    async function worker(): Promise<void> {
      while (next < total) {
        next++;
        try {
          const r = await client.unary({ method, message: Buffer.from('x') });
          assert.equal(Buffer.from(r.message).toString(), 'x');
        } catch (err) {
          failed++;
          first ??= err;
        }
      }
    }
    await Promise.all(Array.from({ length: inFlight }, worker));
  }
  await run(10_000, '/h2doctor.test.Echo/Echo', 100);
  assert.equal(client.stats().keepalive!.tooManyPingsGoaways, 0, 'C-core does not cut a connection it keeps writing on');
  await run(4, '/h2doctor.test.Echo/Slow', 4);
  await run(9_996, '/h2doctor.test.Echo/Echo', 100);
  assert.equal(failed, 0, String(first));
  const k = client.stats().keepalive!;
  assert.ok(k.tooManyPingsGoaways >= 1, JSON.stringify(k));
  assert.equal(k.timeMs, 1000 * 2 ** k.tooManyPingsGoaways);
  assert.ok(client.stats().grpcRetries <= 8, `retries ${client.stats().grpcRetries}`);
});
