// The tap as a socket: bytes pass unchanged and in order under backpressure both ways, destroy
// and errors propagate, and the socket calls node:http2 and users rely on reach the inner socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { createTap } from '../src/tap/wire-tap.js';

async function listen(onSocket: (s: net.Socket) => void): Promise<{ port: number; server: net.Server }> {
  const server = net.createServer(onSocket);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as net.AddressInfo).port, server };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const pattern = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + (i >> 8)) & 0xff));

test('a reader that does not read pauses the inner socket; all bytes arrive unchanged once it does', async () => {
  const payload = pattern(8 * 1024 * 1024);
  const { port, server } = await listen((s) => s.end(payload));
  try {
    const tap = createTap(net.connect(port, '127.0.0.1'));
    tap.pause();
    await once(tap, 'connect');
    // Wait until the tap's buffer is full and the inner socket was told to stop.
    for (let i = 0; i < 200 && !tap.inner.isPaused(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(tap.inner.isPaused(), true, 'inner socket paused while nobody reads the tap');
    assert.ok(tap.readableLength < payload.length / 4, `tap buffered only ${tap.readableLength} bytes`);
    const chunks: Buffer[] = [];
    tap.on('data', (c: Buffer) => chunks.push(c));
    tap.resume();
    await once(tap, 'end');
    const got = Buffer.concat(chunks);
    assert.equal(got.length, payload.length);
    assert.equal(sha(got), sha(payload));
    assert.equal(tap.bytes.received, payload.length);
    assert.equal(tap.decodeErrors.length, 0, 'not recording');
  } finally {
    server.close();
  }
});

test('writes wait for the inner socket to drain and arrive in order', async () => {
  const payload = pattern(8 * 1024 * 1024);
  let peer!: net.Socket;
  const { port, server } = await listen((s) => {
    peer = s;
    s.pause();
  });
  try {
    const tap = createTap(net.connect(port, '127.0.0.1'));
    let refused = false;
    for (let at = 0; at < payload.length; at += 65_536) {
      if (!tap.write(payload.subarray(at, at + 65_536))) refused = true;
    }
    tap.end();
    await once(tap, 'connect');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(refused, true, 'the tap reports backpressure to its writer');
    assert.ok(tap.writableLength > 0, 'bytes held in the tap while the peer does not read');
    const chunks: Buffer[] = [];
    peer.on('data', (c: Buffer) => chunks.push(c));
    peer.resume();
    await once(peer, 'end');
    assert.equal(sha(Buffer.concat(chunks)), sha(payload));
    assert.equal(tap.bytes.sent, payload.length);
  } finally {
    server.close();
  }
});

test('destroy propagates both ways', async () => {
  const peers: net.Socket[] = [];
  const { port, server } = await listen((s) => peers.push(s.on('error', () => {})));
  try {
    const a = createTap(net.connect(port, '127.0.0.1'));
    await once(a, 'connect');
    a.destroy();
    await once(a.inner, 'close');
    assert.equal(a.inner.destroyed, true);

    const b = createTap(net.connect(port, '127.0.0.1'));
    await once(b, 'connect');
    const closed = once(b, 'close');
    b.inner.destroy();
    await closed;
    assert.equal(b.destroyed, true);

    // The peer closing ends the tap's readable side, then the tap closes.
    const c = createTap(net.connect(port, '127.0.0.1'));
    c.resume();
    await once(c, 'connect');
    for (let i = 0; i < 100 && peers.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    peers[2]!.end();
    await once(c, 'end');
    if (!c.destroyed) await once(c, 'close');
  } finally {
    server.close();
  }
});

test('a refused connection reaches node:http2 as a session error, and socket calls pass through', async () => {
  const { port, server } = await listen(() => {});
  server.close();
  await once(server, 'close');
  const tap = createTap(net.connect(port, '127.0.0.1'));
  const session = http2.connect(`http://127.0.0.1:${port}`, { createConnection: () => tap });
  const [err] = (await once(session, 'error')) as [NodeJS.ErrnoException];
  assert.equal(err.code, 'ECONNREFUSED');

  const { port: livePort, server: live } = await listen(() => {});
  try {
    const idle = createTap(net.connect(livePort, '127.0.0.1'));
    assert.equal(idle.connecting, true);
    await once(idle, 'connect');
    assert.equal(idle.connecting, false);
    assert.equal(idle.remotePort, livePort);
    assert.equal(idle.localAddress, '127.0.0.1');
    assert.equal(idle.setNoDelay(true), idle);
    assert.equal(idle.setKeepAlive(true, 1000), idle);
    let fired = false;
    idle.setTimeout(30, () => (fired = true));
    await once(idle, 'timeout');
    assert.equal(fired, true, 'the inner socket idle timeout surfaces on the tap');
    idle.destroy();
  } finally {
    live.close();
  }
});
