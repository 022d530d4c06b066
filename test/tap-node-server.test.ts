// The wire tap between node:http2 and a real node:http2 server (h2c and TLS): requests work
// through it, and the frames it reports are the ones on the wire — SETTINGS as sent (not
// `remoteSettings`' filled-in defaults), HEADERS with decoded fields, DATA, PUSH_PROMISE,
// RST_STREAM both ways, GOAWAY with code, last-stream-id and debug data (RFC 9113 §6).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Clock } from '../src/clock.js';
import type { Frame } from '../src/codec/types.js';
import { createTestPki } from './support/certs.js';
import { createTap, tapOf, type WireTap } from '../src/tap/wire-tap.js';
import type { TapEvent } from '../src/tap/tap-decoder.js';
import { parseNghttpLog } from '../src/tap/nghttp-log.js';
import { connectTapped, listenTapped } from './support/tap.js';

const run = promisify(execFile);
const { NGHTTP2_CANCEL, NGHTTP2_ENHANCE_YOUR_CALM } = http2.constants;

/** A clock that ticks once per reading: timestamps must come from it, and never go back. */
function tickingClock(): Clock {
  let n = 0;
  return { now: () => n++ };
}

/** Routes shared by the h2c and TLS servers. */
function onStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
  const path = headers[':path'];
  stream.on('error', () => {});
  if (path === '/reset') {
    stream.close(NGHTTP2_ENHANCE_YOUR_CALM);
    return;
  }
  if ((path === '/push' || path === '/push-held') && stream.pushAllowed) {
    stream.pushStream({ ':path': '/pushed.css' }, (err, pushed) => {
      if (err) return;
      pushed.on('error', () => {});
      pushed.respond({ ':status': 200, 'content-type': 'text/css' });
      // '/push-held' keeps the pushed stream open, so the client's cancel is a real RST_STREAM.
      if (path === '/push') pushed.end('body{}');
      else pushed.write('body{');
    });
  }
  stream.respond({ ':status': 200, 'content-type': 'text/plain', 'x-route': String(path) });
  stream.end(`hello ${String(path)}`);
}

interface Response {
  status: number;
  body: string;
}

function request(session: http2.ClientHttp2Session, path: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': path });
    let status = 0;
    let body = '';
    req.setEncoding('utf8');
    req.on('response', (h) => (status = Number(h[':status'])));
    req.on('data', (d: string) => (body += d));
    req.on('end', () => resolve({ status, body }));
    req.on('error', reject);
  });
}

/** Resolves with the first event (already recorded or still to come) that matches. */
function waitForFrame(tap: WireTap, match: (e: TapEvent) => boolean): Promise<TapEvent> {
  const seen = tap.events.find(match);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve) => {
    const off = tap.onFrame((e) => {
      if (match(e)) {
        off();
        resolve(e);
      }
    });
  });
}

const frames = (tap: WireTap, dir: 'send' | 'recv', type: Frame['type']) =>
  tap.events.filter((e) => e.dir === dir && e.frame.type === type).map((e) => e.frame);

function fieldsOf(frame: Frame): Record<string, string> {
  assert.ok(frame.type === 'HEADERS' || frame.type === 'PUSH_PROMISE');
  return Object.fromEntries((frame.headers ?? []).map((h) => [h.name, h.value]));
}

async function closeSession(session: http2.ClientHttp2Session): Promise<void> {
  if (session.closed) return;
  const closed = once(session, 'close');
  session.close();
  await closed;
}

describe('tap over h2c against a node:http2 server', () => {
  let server: http2.Http2Server;
  let port: number;
  let serverSession: http2.ServerHttp2Session | undefined;
  /** Taps on the server's accepted sockets (role server). */
  const serverTaps: WireTap[] = [];
  let front: net.Server;
  let frontPort: number;

  before(async () => {
    server = http2.createServer({ settings: { maxConcurrentStreams: 7 } });
    server.on('stream', onStream);
    server.on('session', (s) => (serverSession = s));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as net.AddressInfo).port;
    // The same server behind a server-side tap: accepted sockets are wrapped before node:http2 sees them.
    ({ front, port: frontPort } = await listenTapped(server, serverTaps));
  });

  after(async () => {
    front.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('requests work through the tap, and it reports HEADERS, DATA and timestamps from the clock', async () => {
    const inner = net.connect(port, '127.0.0.1');
    const tap = createTap(inner, { record: true, clock: tickingClock() });
    const session = http2.connect(`http://127.0.0.1:${port}`, { createConnection: () => tap });
    const [a, b] = await Promise.all([request(session, '/a'), request(session, '/b')]);
    assert.deepEqual([a, b], [{ status: 200, body: 'hello /a' }, { status: 200, body: 'hello /b' }]);
    // node:http2 wraps the tap in its JS stream socket: addresses are read from the tap.
    assert.equal(tapOf(session), tap);
    assert.equal(tapOf(session)!.remotePort, port);
    assert.equal(tap.remoteAddress, '127.0.0.1');

    const sent = frames(tap, 'send', 'HEADERS');
    assert.deepEqual(sent.map((f) => [f.streamId, fieldsOf(f)[':method'], fieldsOf(f)[':path']]), [[1, 'GET', '/a'], [3, 'GET', '/b']]);
    const got = frames(tap, 'recv', 'HEADERS');
    assert.deepEqual(got.map((f) => [f.streamId, fieldsOf(f)[':status'], fieldsOf(f)['x-route']]), [[1, '200', '/a'], [3, '200', '/b']]);
    const data = frames(tap, 'recv', 'DATA').filter((f) => f.type === 'DATA' && f.data.length > 0);
    assert.deepEqual(data.map((f) => f.type === 'DATA' && [f.streamId, Buffer.from(f.data).toString()]), [[1, 'hello /a'], [3, 'hello /b']]);
    // The client's first frame after the preface is its SETTINGS (RFC 9113 §3.4).
    assert.equal(tap.events.find((e) => e.dir === 'send')!.frame.type, 'SETTINGS');
    const ts = tap.events.map((e) => e.t);
    assert.deepEqual(ts, [...ts].sort((x, y) => x - y));
    assert.ok(ts.every((t) => Number.isInteger(t) && t > 0), 'timestamps come from the injected clock');

    await closeSession(session);
    if (!inner.destroyed) await once(inner, 'close');
    assert.equal(tap.bytes.sent, inner.bytesWritten, 'every byte node:http2 wrote reached the socket');
    assert.equal(tap.bytes.received, inner.bytesRead, 'every byte the socket read reached node:http2');
    assert.equal(frames(tap, 'send', 'GOAWAY').length, 1, 'session.close() sends GOAWAY');
  });

  test('SETTINGS are reported as sent on the wire, matching nghttp, not remoteSettings', async () => {
    const { tap, session } = connectTapped(port);
    const [remote] = (await once(session, 'remoteSettings')) as [http2.Settings];
    const wire = frames(tap, 'recv', 'SETTINGS').find((f) => f.type === 'SETTINGS' && !f.ack);
    assert.ok(wire && wire.type === 'SETTINGS');
    assert.ok(wire.settings.some((s) => s.id === 0x3 && s.value === 7), 'MAX_CONCURRENT_STREAMS=7 is on the wire');
    assert.ok(wire.settings.length < Object.keys(remote).length, 'remoteSettings fills in values the server never sent');
    await closeSession(session);

    // nghttp2's own view of the same server's SETTINGS.
    const { stdout } = await run('nghttp', ['-nv', `http://127.0.0.1:${port}/`], { timeout: 10_000 });
    const theirs = parseNghttpLog(stdout).find((f) => f.dir === 'recv' && f.type === 'SETTINGS' && (f.flags & 1) === 0);
    assert.deepEqual(wire.settings, theirs?.settings);
    assert.equal(wire.length, theirs?.length);
  });

  test('PUSH_PROMISE with the promised path, and the client cancelling the push with RST_STREAM', async () => {
    const { tap, session } = connectTapped(port);
    session.on('stream', (pushed) => {
      pushed.on('error', () => {});
      pushed.close(NGHTTP2_CANCEL);
    });
    assert.equal((await request(session, '/push-held')).body, 'hello /push-held');
    const promise = await waitForFrame(tap, (e) => e.dir === 'recv' && e.frame.type === 'PUSH_PROMISE');
    assert.ok(promise.frame.type === 'PUSH_PROMISE');
    assert.equal(promise.frame.streamId, 1);
    assert.equal(promise.frame.promisedStreamId, 2);
    assert.equal(fieldsOf(promise.frame)[':path'], '/pushed.css');
    const rst = await waitForFrame(tap, (e) => e.dir === 'send' && e.frame.type === 'RST_STREAM');
    assert.deepEqual(rst.frame.type === 'RST_STREAM' && [rst.frame.streamId, rst.frame.errorCode], [2, NGHTTP2_CANCEL]);
    await closeSession(session);
  });

  test('a server reset shows as a received RST_STREAM with its code', async () => {
    const { tap, session } = connectTapped(port);
    await assert.rejects(request(session, '/reset'), /ERR_HTTP2_STREAM_ERROR|ENHANCE_YOUR_CALM/);
    const rst = await waitForFrame(tap, (e) => e.dir === 'recv' && e.frame.type === 'RST_STREAM');
    assert.deepEqual(rst.frame.type === 'RST_STREAM' && [rst.frame.streamId, rst.frame.errorCode], [1, NGHTTP2_ENHANCE_YOUR_CALM]);
    await closeSession(session);
  });

  test('a server GOAWAY shows with its code, last-stream-id and debug data', async () => {
    const { tap, session } = connectTapped(port);
    session.on('error', () => {});
    await request(session, '/a');
    await request(session, '/b');
    const sending = serverSession!;
    sending.goaway(NGHTTP2_ENHANCE_YOUR_CALM, 3, Buffer.from('too_many_pings'));
    const goaway = await waitForFrame(tap, (e) => e.dir === 'recv' && e.frame.type === 'GOAWAY');
    assert.ok(goaway.frame.type === 'GOAWAY');
    assert.equal(goaway.frame.lastStreamId, 3);
    assert.equal(goaway.frame.errorCode, NGHTTP2_ENHANCE_YOUR_CALM);
    assert.equal(Buffer.from(goaway.frame.debugData).toString(), 'too_many_pings');
    if (!session.destroyed) await new Promise((resolve) => session.once('close', resolve));
    // node:http2 keeps a server session that sent GOAWAY open after the client has gone (seen
    // with and without the tap); close it so the server can shut down.
    sending.destroy();
  });

  test('a server-side tap sees exactly the frames the client-side tap sent, and the same byte counts', async () => {
    const { tap, session } = connectTapped(frontPort);
    session.on('stream', (pushed) => pushed.on('error', () => {}).resume());
    assert.equal((await request(session, '/push')).status, 200);
    assert.equal((await request(session, '/a')).body, 'hello /a');
    await closeSession(session);
    const serverTap = serverTaps.at(-1)!;
    if (!serverTap.destroyed) await once(serverTap, 'close');

    const strip = (events: TapEvent[], dir: 'send' | 'recv') => events.filter((e) => e.dir === dir).map((e) => e.frame);
    assert.deepEqual(strip(serverTap.events, 'recv'), strip(tap.events, 'send'));
    assert.deepEqual(strip(serverTap.events, 'send'), strip(tap.events, 'recv'));
    assert.equal(serverTap.bytes.received, tap.bytes.sent);
    assert.equal(serverTap.bytes.sent, tap.bytes.received);
    assert.ok(strip(serverTap.events, 'send').some((f) => f.type === 'PUSH_PROMISE'));
  });
});

describe('tap over TLS against a node:http2 server', () => {
  const pki = createTestPki();
  let server: http2.Http2SecureServer;
  let port: number;

  before(async () => {
    server = http2.createSecureServer({ key: pki.key, cert: pki.chain, settings: { maxConcurrentStreams: 7 } });
    server.on('stream', onStream);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as net.AddressInfo).port;
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('requests work, frames decode, and tlsFacts reads ALPN h2 and the chain from the TLS socket', async () => {
    const inner = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.rootCert, ALPNProtocols: ['h2'] });
    const tap = createTap(inner, { record: true });
    assert.equal(tap.tlsFacts()?.alpn, false, 'no ALPN before the handshake');
    const secured = once(tap, 'secureConnect');
    const session = http2.connect(`https://localhost:${port}`, { createConnection: () => tap });
    assert.deepEqual(await request(session, '/push'), { status: 200, body: 'hello /push' });
    await secured;
    assert.equal(session.alpnProtocol, 'h2c', 'node:http2 only sees the tap');

    const facts = tap.tlsFacts();
    assert.ok(facts);
    assert.equal(facts.alpn, 'h2');
    assert.equal(facts.authorized, true);
    assert.equal(facts.authorizationError, null);
    assert.match(facts.version ?? '', /^TLSv1\.[23]$/);
    assert.ok(facts.cipher);
    assert.equal(facts.resumed, false);
    assert.deepEqual(facts.peerChain.slice(0, 2).map((c) => c.subject), ['CN=localhost', 'CN=h2doctor test intermediate']);
    assert.equal(facts.peerChain[0]!.issuer, 'CN=h2doctor test intermediate');
    assert.equal(Buffer.from(facts.peerChain[0]!.raw, 'base64').length > 100, true);

    const wire = frames(tap, 'recv', 'SETTINGS').find((f) => f.type === 'SETTINGS' && !f.ack);
    assert.ok(wire?.type === 'SETTINGS' && wire.settings.some((s) => s.id === 0x3 && s.value === 7));
    assert.equal(fieldsOf(frames(tap, 'recv', 'PUSH_PROMISE')[0]!)[':path'], '/pushed.css');
    assert.equal(fieldsOf(frames(tap, 'recv', 'HEADERS')[0]!)[':status'], '200');
    await closeSession(session);
  });

  test('a server-side tap on an accepted TLS socket serves node:http2 and reads the TLS facts', async () => {
    const h2 = http2.createServer();
    h2.on('stream', onStream);
    let serverTap: WireTap | undefined;
    const front = tls.createServer({ key: pki.key, cert: pki.chain, ALPNProtocols: ['h2'] }, (socket) => {
      serverTap = createTap(socket, { role: 'server', record: true });
      h2.emit('connection', serverTap);
    });
    front.listen(0, '127.0.0.1');
    await once(front, 'listening');
    try {
      const frontPort = (front.address() as net.AddressInfo).port;
      const session = http2.connect(`https://localhost:${frontPort}`, { ca: pki.rootCert });
      assert.deepEqual(await request(session, '/tls'), { status: 200, body: 'hello /tls' });
      await closeSession(session);
      assert.ok(serverTap);
      assert.equal(serverTap.tlsFacts()?.alpn, 'h2');
      assert.deepEqual(serverTap.tlsFacts()?.peerChain, [], 'the client sent no certificate');
      const request1 = serverTap.events.find((e) => e.dir === 'recv' && e.frame.type === 'HEADERS');
      assert.equal(request1 && fieldsOf(request1.frame)[':path'], '/tls');
      const response1 = serverTap.events.find((e) => e.dir === 'send' && e.frame.type === 'HEADERS');
      assert.equal(response1 && fieldsOf(response1.frame)[':status'], '200');
    } finally {
      front.close();
      h2.close();
    }
  });

  test('createTap on plain TCP has no TLS facts', () => {
    const socket = new net.Socket();
    assert.equal(createTap(socket).tlsFacts(), null);
    socket.destroy();
  });
});
