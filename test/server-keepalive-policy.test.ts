/**
 * instrument({ keepalivePolicy }) against real clients: a node:http2 client sending PINGs by
 * hand, and @grpc/grpc-js with its own keep-alive options. Too many early PINGs get GOAWAY
 * ENHANCE_YOUR_CALM (0xb) with debug data "too_many_pings" (what grpc-go and C-core send);
 * the session then closes gracefully, so a call in flight still finishes (RFC 9113 §6.8).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { frameMessage, GrpcMessageDecoder } from '../src/grpc/index.js';
import { startNodeGrpcServer, type RunningNodeGrpc } from './support/grpc-node-server.js';

const servers: RunningNodeGrpc[] = [];
after(async () => { await Promise.all(servers.map((s) => s.close())); });

async function start(policy: { minTimeMs: number; permitWithoutCalls: boolean; maxPingStrikes: number }): Promise<RunningNodeGrpc> {
  const s = await startNodeGrpcServer({ keepalivePolicy: policy, slowMs: 400 });
  servers.push(s);
  return s;
}

function ping(session: http2.ClientHttp2Session): Promise<void> {
  return new Promise((resolve) => {
    if (session.closed || session.destroyed) return resolve();
    // The ACK of the PING that drew the GOAWAY may never come: do not wait on it for long.
    const timer = setTimeout(resolve, 300);
    session.ping(() => { clearTimeout(timer); resolve(); });
  });
}

interface Goaway { code: number; lastStreamId: number; debug: string }

/** A node:http2 client that records GOAWAYs and, like a gRPC client, lets streams below last-stream-id finish. */
async function connect(url: string): Promise<{ session: http2.ClientHttp2Session; goaways: Goaway[] }> {
  const session = http2.connect(url);
  const goaways: Goaway[] = [];
  session.on('error', () => {});
  session.on('goaway', function onGoaway(this: http2.ClientHttp2Session, code: number, lastStreamId: number, data?: Buffer) {
    goaways.push({ code, lastStreamId, debug: data?.toString() ?? '' });
    // Node destroys a session on any GOAWAY with an error code; keep it to see the graceful close.
    if (code === 0) return;
    const destroy = this.destroy;
    this.destroy = ((..._args: unknown[]) => { this.destroy = destroy; this.close(); return this; }) as typeof destroy;
  });
  await once(session, 'remoteSettings'); // a PING sent before the connection is up is cancelled
  return { session, goaways };
}

function call(session: http2.ClientHttp2Session, path: string, body: Uint8Array): Promise<{ status: string | undefined; message: Buffer }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' });
    const decoder = new GrpcMessageDecoder();
    const parts: Uint8Array[] = [];
    let status: string | undefined;
    stream.on('data', (b: Buffer) => { for (const m of decoder.push(b)) parts.push(m.data); });
    stream.on('trailers', (t) => { status = t['grpc-status'] as string; });
    stream.on('error', reject);
    stream.on('close', () => resolve({ status, message: Buffer.concat(parts) }));
    stream.end(frameMessage(body));
  });
}

describe('keep-alive policy of h2doctor/server', { concurrency: 3 }, () => {
  test('PINGs with no call open: the third strike gets GOAWAY ENHANCE_YOUR_CALM "too_many_pings", counted', async () => {
    const server = await start({ minTimeMs: 5000, permitWithoutCalls: false, maxPingStrikes: 2 });
    const { session, goaways } = await connect(server.url);
    for (let i = 0; i < 6 && goaways.length === 0; i++) await ping(session);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(goaways[0]?.code, http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
    assert.equal(goaways[0]?.debug, 'too_many_pings');
    const k = server.doctor.snapshot().keepalive!;
    assert.deepEqual(k, { pingsReceived: 4, strikes: 3, tooManyPingsGoaways: 1 });
    assert.equal(server.doctor.snapshot().goaways.sent.ENHANCE_YOUR_CALM, 1);
    const text = await server.doctor.registry.metrics();
    assert.match(text, /^h2_keepalive_too_many_pings_total 1$/m);
    assert.match(text, /^h2_keepalive_ping_strikes_total 3$/m);
    session.destroy();
  });

  test('a call in flight at the GOAWAY finishes: last-stream-id covers it and the close waits for it', async () => {
    const server = await start({ minTimeMs: 5000, permitWithoutCalls: true, maxPingStrikes: 2 });
    const { session, goaways } = await connect(server.url);
    const slow = call(session, '/h2doctor.test.Echo/Slow', Buffer.from('still here'));
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 6 && goaways.length === 0; i++) await ping(session);
    const r = await slow;
    assert.equal(goaways[0]?.debug, 'too_many_pings');
    assert.equal(goaways[0]?.lastStreamId, 1);
    assert.equal(r.status, '0');
    assert.equal(r.message.toString(), 'still here');
    assert.equal(server.doctor.snapshot().keepalive!.tooManyPingsGoaways, 1);
    session.destroy();
  });

  test('grpc-js keepalive_time_ms 1000: cut against a 5 s minimum, never against a 500 ms one', async () => {
    const [strict, aligned] = await Promise.all([
      start({ minTimeMs: 5000, permitWithoutCalls: true, maxPingStrikes: 2 }),
      start({ minTimeMs: 500, permitWithoutCalls: true, maxPingStrikes: 2 }),
    ]);
    const opts = { 'grpc.keepalive_time_ms': 1000, 'grpc.keepalive_permit_without_calls': 1 };
    const clients = [strict, aligned].map((s) => new grpc.Client(`127.0.0.1:${s.port}`, grpc.credentials.createInsecure(), opts));
    const unary = (c: grpc.Client): Promise<Buffer> => new Promise((resolve, reject) => {
      c.makeUnaryRequest('/h2doctor.test.Echo/Echo', (b: Buffer) => b, (b: Buffer) => b, Buffer.from('hi'), (err, v) => (err ? reject(err) : resolve(v!)));
    });
    try {
      await Promise.all(clients.map(unary));
      await new Promise((r) => setTimeout(r, 4800));
      const after = await Promise.all(clients.map(unary));
      assert.deepEqual(after.map((b) => b.toString()), ['hi', 'hi']);
      const k = strict.doctor.snapshot().keepalive!;
      assert.ok(k.tooManyPingsGoaways >= 1, JSON.stringify(k));
      assert.ok(strict.sessions() >= 2, `grpc-js reconnected: ${strict.sessions()} sessions`);
      const a = aligned.doctor.snapshot().keepalive!;
      assert.ok(a.pingsReceived >= 3, JSON.stringify(a));
      assert.equal(a.strikes, 0);
      assert.equal(a.tooManyPingsGoaways, 0);
    } finally {
      for (const c of clients) c.close();
    }
  });
});
