// Decoding does not depend on how TCP splits the bytes: a proxy between a tapped node:http2
// client and a node:http2 server re-slices both directions into pieces of 1–40 bytes, and the
// client's tap must report exactly the frames a tap on the server's socket saw leave it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { once } from 'node:events';
import { createRandom, randomInt, type Random } from '../src/random.js';
import type { WireTap } from '../src/tap/wire-tap.js';
import { TapDecoder, type TapEvent } from '../src/tap/tap-decoder.js';
import type { Frame } from '../src/codec/types.js';
import { connectTapped, listenTapped } from './support/tap.js';

/** Forwards `from` to `to` in random small slices, yielding to the event loop between them. */
function slice(from: net.Socket, to: net.Socket, random: Random, sizes: number[]): void {
  const queue: Buffer[] = [];
  let pumping = false;
  let ended = false;
  const pump = async () => {
    pumping = true;
    while (queue.length > 0) {
      const head = queue[0]!;
      const n = Math.min(head.length, randomInt(random, 1, 40));
      sizes.push(n);
      to.write(head.subarray(0, n));
      if (n === head.length) queue.shift();
      else queue[0] = head.subarray(n);
      await new Promise((resolve) => setImmediate(resolve));
    }
    pumping = false;
    if (ended) to.end();
  };
  // Deliver the whole tail before closing the other side: the test compares every frame.
  from.on('data', (chunk: Buffer) => {
    queue.push(chunk);
    if (!pumping) void pump();
  });
  from.on('end', () => {
    ended = true;
    if (!pumping) to.end();
  });
  from.on('error', () => {});
  from.on('close', () => {
    ended = true;
    if (!pumping) to.end();
    setTimeout(() => to.destroy(), 2000).unref();
  });
}

let server: http2.Http2Server;
let proxy: net.Server;
let proxyPort: number;
const serverTaps: WireTap[] = [];
const sliceSizes: number[] = [];

before(async () => {
  server = http2.createServer({ settings: { maxConcurrentStreams: 50, headerTableSize: 8192 } });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    const path = String(headers[':path']);
    if (stream.pushAllowed) {
      stream.pushStream({ ':path': `${path}.css` }, (err, pushed) => {
        if (err) return;
        pushed.on('error', () => {});
        pushed.respond({ ':status': 200 });
        pushed.end('p{}');
      });
    }
    stream.respond({ ':status': 200, 'x-path': path, 'x-long': 'y'.repeat(3000) });
    stream.end(Buffer.alloc(40_000, path.length));
  });
  const { front, port: frontPort } = await listenTapped(server, serverTaps);
  const random = createRandom(424_242);
  proxy = net.createServer((client) => {
    const upstream = net.connect(frontPort, '127.0.0.1');
    slice(client, upstream, random, sliceSizes);
    slice(upstream, client, random, sliceSizes);
  });
  proxy.on('close', () => front.close());
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  proxyPort = (proxy.address() as net.AddressInfo).port;
});

after(async () => {
  proxy.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/**
 * What one side's tap received equals what the other side's tap sent, except that the closing
 * GOAWAY may still be in the proxy when the receiver closes its socket (a real loss, not the tap's).
 */
function assertDelivered(received: Frame[], sent: Frame[]): void {
  assert.deepEqual(received, sent.slice(0, received.length));
  const lost = sent.slice(received.length).map((f) => f.type);
  assert.ok(lost.length === 0 || (lost.length === 1 && lost[0] === 'GOAWAY'), `frames not delivered: ${lost.join(', ')}`);
}

const framesOf = (events: TapEvent[], dir: 'send' | 'recv') => events.filter((e) => e.dir === dir).map((e) => e.frame);

test('frames through a re-slicing proxy equal the frames the server wrote', async () => {
  const { tap, session } = connectTapped(proxyPort);
  const recvChunks: Buffer[] = [];
  tap.inner.on('data', (c: Buffer) => recvChunks.push(c));
  session.on('stream', (pushed) => pushed.resume());
  await Promise.all(['/a', '/bb', '/ccc', '/dddd'].map(async (path) => {
    const req = session.request({ ':path': path, 'x-client': 'z'.repeat(2000) });
    let bytes = 0;
    req.on('data', (d: Buffer) => (bytes += d.length));
    await once(req, 'end');
    assert.equal(bytes, 40_000);
  }));
  await new Promise<void>((resolve) => session.close(resolve));
  const serverTap = serverTaps.at(-1)!;
  if (!serverTap.destroyed) await once(serverTap, 'close');

  assert.ok(sliceSizes.some((n) => n === 1), 'some slices were a single byte');
  // The kernel may merge slices again when the reader lags (a loaded machine), so count what
  // the tap really got: chunks that ended inside a frame (usually thousands; at least some).
  const replay = new TapDecoder();
  const midFrame = recvChunks.filter((c) => replay.push('recv', c, 0).events.length === 0).length;
  assert.ok(midFrame >= 3, `${midFrame} of ${recvChunks.length} chunks ended inside a frame`);
  assertDelivered(framesOf(tap.events, 'recv'), framesOf(serverTap.events, 'send'));
  assertDelivered(framesOf(serverTap.events, 'recv'), framesOf(tap.events, 'send'));
  assert.equal(framesOf(tap.events, 'recv').filter((f) => f.type === 'PUSH_PROMISE').length, 4);
  assert.ok(framesOf(tap.events, 'recv').filter((f) => f.type === 'DATA').length >= 12);

  // The same bytes decoded in one piece give the same frames again.
  const whole = new TapDecoder().push('recv', Buffer.concat(recvChunks), 0);
  assert.equal(whole.error, undefined);
  assert.deepEqual(whole.events.map((e) => e.frame), framesOf(tap.events, 'recv'));
});
