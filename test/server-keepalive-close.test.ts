/**
 * keepalivePolicy.afterGoaway 'close': the connection closes right after the too_many_pings
 * GOAWAY, as grpc-go (the goAway's closeConn) and C-core (grpc_chttp2_exceeded_ping_strikes)
 * close it. The GOAWAY names the last stream received (RFC 9113 §6.8), so a call in flight on
 * it was processed, not refused, and ends without its answer: the client sees UNAVAILABLE.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { once } from 'node:events';
import { frameMessage } from '../src/grpc/index.js';
import { startNodeGrpcServer, type RunningNodeGrpc } from './support/grpc-node-server.js';

let server: RunningNodeGrpc | undefined;
after(async () => { await server?.close(); });

test('afterGoaway close: GOAWAY ENHANCE_YOUR_CALM too_many_pings with the last stream received, then the connection ends with the call unanswered', async () => {
  server = await startNodeGrpcServer({ keepalivePolicy: { minTimeMs: 5000, permitWithoutCalls: false, maxPingStrikes: 2, afterGoaway: 'close' }, slowMs: 2000 });
  const session = http2.connect(server.url);
  session.on('error', () => {});
  const goaways: { code: number; lastStreamId: number; debug: string }[] = [];
  session.on('goaway', (code: number, lastStreamId: number, data?: Buffer) => goaways.push({ code, lastStreamId, debug: data?.toString() ?? '' }));
  await once(session, 'remoteSettings');
  const stream = session.request({ ':method': 'POST', ':path': '/h2doctor.test.Echo/Slow', 'content-type': 'application/grpc', te: 'trailers' });
  let trailers: http2.IncomingHttpHeaders | undefined;
  stream.on('trailers', (t) => { trailers = t; });
  stream.on('error', () => {});
  stream.end(frameMessage(Buffer.from('caught')));
  const streamClosed = new Promise<void>((resolve) => stream.on('close', () => resolve()));
  await new Promise((r) => setTimeout(r, 50));
  const t0 = Date.now();
  for (let i = 0; i < 6 && goaways.length === 0 && !session.destroyed; i++) {
    await new Promise<void>((resolve) => { const t = setTimeout(resolve, 200); session.ping(() => { clearTimeout(t); resolve(); }); });
  }
  await streamClosed;
  const closedAfterMs = Date.now() - t0;
  assert.equal(goaways[0]?.code, http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
  assert.equal(goaways[0]?.debug, 'too_many_pings');
  assert.equal(goaways[0]?.lastStreamId, 1, 'the call in flight was received: it is at or below last-stream-id');
  assert.equal(trailers, undefined, 'the slow call never got its status: the connection closed under it');
  // Closed long before the 2 s handler would have answered (a drain would have waited for it).
  assert.ok(closedAfterMs < 1500, `stream closed ${closedAfterMs} ms after the first PING`);
  assert.equal(server.doctor.snapshot().keepalive!.tooManyPingsGoaways, 1);
  session.destroy();
});
