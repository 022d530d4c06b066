// RFC 9113 §6.7: a peer must answer PING with a PING ACK. A connection whose peer stops
// reading (a black-holed path, a stuck proxy) answers nothing: the client must notice by
// its PING timeout, retire the session, retry idempotent requests on a new connection and
// fail the others quickly instead of at the deadline. Node's own server always answers PING,
// so this server is written with our codec: a raw TCP h2c peer speaking just enough HTTP/2.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { FrameDecoder } from '../src/codec/frame-decoder.js';
import { encodeData, encodeHeaders, encodePing, encodeSettings } from '../src/codec/frame-encoder.js';
import { HpackEncoder } from '../src/codec/hpack/encoder.js';
import { SettingId } from '../src/codec/types.js';
import { createClient } from '../src/client/index.js';
import { ConnectionClosedError } from '../src/errors.js';

let server: net.Server;
let url: string;
/** Connections accepted so far; the ones listed in `blackHoles` never answer anything. */
let connections = 0;
let blackHoles = new Set<number>();
let pingsIgnored = 0;
const sockets = new Set<net.Socket>();

function serve(socket: net.Socket): void {
  const index = ++connections;
  const silent = blackHoles.has(index);
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => {});
  const decoder = new FrameDecoder({ expectPreface: true });
  const hpack = new HpackEncoder();
  socket.write(encodeSettings([{ id: SettingId.MAX_CONCURRENT_STREAMS, value: 100 }]));
  socket.on('data', (chunk: Buffer) => {
    let frames;
    try {
      frames = decoder.push(chunk);
    } catch {
      socket.destroy();
      return;
    }
    for (const frame of frames) {
      if (frame.type === 'SETTINGS' && !frame.ack) socket.write(encodeSettings([], true));
      else if (frame.type === 'PING' && !frame.ack) {
        if (silent) pingsIgnored++;
        else socket.write(encodePing(frame.opaqueData, true));
      } else if (frame.type === 'HEADERS' && !silent) {
        const block = hpack.encode([{ name: ':status', value: '200' }]);
        socket.write(encodeHeaders(frame.streamId, block));
        socket.write(encodeData(frame.streamId, Buffer.from(`conn ${index}`), { endStream: true }));
      }
    }
  });
}

before(async () => {
  server = net.createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test('a peer that never answers PING: session retired, GET retried on a new connection', async () => {
  connections = 0;
  blackHoles = new Set([1]);
  pingsIgnored = 0;
  const client = createClient({ endpoints: [{ url }], pool: { pingIntervalMs: 100, pingTimeoutMs: 200 }, timeoutMs: 5000 });
  try {
    const started = performance.now();
    const res = await client.request({ path: '/stock' });
    const elapsed = performance.now() - started;
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'conn 2');
    assert.ok(elapsed < 4000, `answered after ${elapsed.toFixed(0)} ms, before the 5 s deadline`);
    assert.ok(pingsIgnored >= 1);
    const ep = client.stats().endpoints[0];
    assert.equal(ep.retired['ping-timeout'], 1);
    assert.equal(ep.sessionsOpened, 2);
    assert.equal(client.stats().retries, 1);
  } finally {
    await client.close();
  }
});

test('a POST on a silent connection fails fast with ConnectionClosedError, not at the deadline', async () => {
  connections = 0;
  blackHoles = new Set([1]);
  const client = createClient({ endpoints: [{ url }], pool: { pingIntervalMs: 100, pingTimeoutMs: 200 }, timeoutMs: 5000 });
  try {
    const started = performance.now();
    await assert.rejects(client.request({ path: '/orders', method: 'POST', body: '{}' }), ConnectionClosedError);
    assert.ok(performance.now() - started < 4000);
    // The next request gets a fresh, healthy connection.
    const res = await client.request({ path: '/orders/1' });
    assert.equal(await res.text(), 'conn 2');
  } finally {
    await client.close();
  }
});

test('a peer that answers PING keeps its session', async () => {
  connections = 0;
  blackHoles = new Set();
  const client = createClient({ endpoints: [{ url }], pool: { pingIntervalMs: 50, pingTimeoutMs: 200 } });
  try {
    assert.equal(await (await client.request({ path: '/a' })).text(), 'conn 1');
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(await (await client.request({ path: '/b' })).text(), 'conn 1');
    const ep = client.stats().endpoints[0];
    assert.equal(ep.retired['ping-timeout'], 0);
    assert.equal(ep.sessionsOpened, 1);
  } finally {
    await client.close();
  }
});
