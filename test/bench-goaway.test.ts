import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, constants, type Http2Server } from 'node:http2';
import { benchJson, portOf } from './bench-fixtures.js';

// A server that retires each connection with GOAWAY(NO_ERROR) after 50 streams, and one that
// refuses every 10th stream with RST_STREAM(REFUSED_STREAM). RFC 9113 §6.8: streams above the
// GOAWAY's last-stream-id were not processed and may be retried on a new connection.
const GOAWAY_AFTER = 50;
const goawayServer: Http2Server = createServer();
const perSession = new WeakMap<object, number>();
let goawaysSent = 0;
goawayServer.on('stream', (stream) => {
  stream.on('error', () => {});
  const session = stream.session!;
  const n = (perSession.get(session) ?? 0) + 1;
  perSession.set(session, n);
  stream.respond({ ':status': 200 });
  stream.end('ok');
  if (n === GOAWAY_AFTER) {
    goawaysSent++;
    session.goaway(constants.NGHTTP2_NO_ERROR, stream.id);
    setTimeout(() => session.close(), 50);
  }
});

const resetServer: Http2Server = createServer();
let resetSeq = 0;
resetServer.on('stream', (stream) => {
  stream.on('error', () => {}); // node reports our own REFUSED_STREAM back as a stream error
  if (++resetSeq % 10 === 0) {
    stream.close(constants.NGHTTP2_REFUSED_STREAM);
    return;
  }
  stream.respond({ ':status': 200 });
  stream.end('ok');
});

before(async () => {
  await new Promise<void>((r) => goawayServer.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => resetServer.listen(0, '127.0.0.1', r));
});
after(() => {
  goawayServer.close();
  resetServer.close();
});

test('GOAWAY: new streams stop, the connection is replaced, nothing is lost', async () => {
  goawaysSent = 0;
  const { code, result: r } = await benchJson([`http://127.0.0.1:${portOf(goawayServer)}/`, '-c', '2', '-m', '4', '-n', '500']);
  assert.equal(code, 0);
  assert.equal(r.requests.total, 500);
  assert.equal(r.requests.succeeded, 500);
  assert.equal(r.goaways.length, goawaysSent);
  assert.ok(r.goaways.length >= 500 / GOAWAY_AFTER - 2, `goaways ${r.goaways.length}`);
  assert.ok(r.goaways.every((g) => g.codeName === 'NO_ERROR(0x0)' && g.lastStreamId > 0));
  assert.equal(r.connections.opened, r.connections.reconnects + 2);
  assert.ok(r.connections.opened >= 500 / GOAWAY_AFTER);
  // Requests that raced the GOAWAY were retried, not failed.
  assert.equal(r.requests.failed, 0);
});

test('RST_STREAM(REFUSED_STREAM) on every 10th stream: counted by code, kept in latency as failed', async () => {
  resetSeq = 0;
  const { result: r } = await benchJson([`http://127.0.0.1:${portOf(resetServer)}/`, '-c', '1', '-m', '5', '-n', '300']);
  assert.equal(r.requests.total, 300);
  assert.equal(r.requests.reset, 30);
  assert.equal(r.requests.succeeded, 270);
  assert.deepEqual(r.resets.byCode, { 'REFUSED_STREAM(0x7)': 30 });
  assert.equal(r.resets.received, 30);
  assert.equal(r.latency.failed.count, 30);
  assert.equal(r.latency.total.count, 300);
  assert.equal(r.perConnection[0]!.resets, 30);
});

test('PING from the server is acknowledged (RFC 9113 §6.7); warmup requests are not counted', async () => {
  const pingServer: Http2Server = createServer();
  const rtts: number[] = [];
  pingServer.on('session', (session) => {
    session.once('remoteSettings', () => session.ping((err, duration) => !err && rtts.push(duration)));
  });
  let served = 0;
  pingServer.on('stream', (stream) => {
    served++;
    stream.respond({ ':status': 200 });
    stream.end('ok');
  });
  await new Promise<void>((r) => pingServer.listen(0, '127.0.0.1', r));
  try {
    const { result: r } = await benchJson([`http://127.0.0.1:${portOf(pingServer)}/`, '-c', '2', '-m', '2', '-n', '200', '--warmup', '300ms']);
    assert.equal(r.requests.total, 200);
    assert.ok(served > 200, `warmup requests ran too (${served} served)`);
    assert.equal(rtts.length, 2, 'both connections answered the PING');
    // The warmup connections carry on into the measurement and are counted once.
    assert.equal(r.connections.opened, 2);
    assert.equal(r.settings.warmupMs, 300);
  } finally {
    pingServer.close();
  }
});
