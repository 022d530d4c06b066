// HTTP/2 frame faults of `h2doctor chaos` (RFC 9113 §6.4 RST_STREAM, §6.8 GOAWAY, §6.9
// WINDOW_UPDATE, §6.5.3 SETTINGS ACK, §6.7 PING), observed on the wire by the tap on the
// client's socket, and by nghttp -v against nghttpd.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { WireTap } from '../src/tap/wire-tap.js';
import type { ChaosProxy } from '../src/chaos/start-chaos.js';
import { withProxy } from './support/chaos.js';
import { startNghttpd, type Nghttpd } from './support/nghttpd.js';
import { connectTapped } from './support/tap.js';

const run = promisify(execFile);
let h2: http2.Http2Server;
let h2Addr = '';
/** rstCode of every stream the server saw closed. */
const serverResets: number[] = [];
/** Server sessions, with the time their SETTINGS were acknowledged. */
const serverSettingsAcked: number[] = [];
let nghttpd: Nghttpd | undefined;
let nghttpdAddr = '';

before(async () => {
  h2 = http2.createServer();
  h2.on('session', (session) => {
    const t0 = performance.now();
    session.once('localSettings', () => serverSettingsAcked.push(performance.now() - t0));
    session.on('error', () => {});
  });
  h2.on('stream', (stream, headers) => {
    stream.on('close', () => serverResets.push(stream.rstCode));
    stream.on('error', () => {});
    const size = Number(new URL(String(headers[':path']), 'http://x').searchParams.get('size') ?? '5');
    stream.respond({ ':status': 200 });
    stream.end(Buffer.alloc(size, 0x61));
  });
  await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r));
  h2Addr = `127.0.0.1:${(h2.address() as net.AddressInfo).port}`;

  nghttpd = await startNghttpd({ files: { 'index.html': 'hello from nghttpd\n' } });
  nghttpdAddr = `127.0.0.1:${nghttpd.port}`;
});
after(async () => {
  h2.close();
  await nghttpd?.stop();
});

/** A node:http2 session whose socket is tapped. */
function tappedSession(px: ChaosProxy): { session: http2.ClientHttp2Session; tap: WireTap } {
  const { tap, session } = connectTapped(Number(px.url.split(':').pop()));
  session.on('error', () => {});
  return { session, tap };
}

function request(session: http2.ClientHttp2Session, path = '/'): Promise<{ status: number; bytes: number; rstCode?: number }> {
  return new Promise((resolve) => {
    const req = session.request({ ':path': path });
    let status = 0, bytes = 0;
    req.on('response', (h) => (status = Number(h[':status'])));
    req.on('data', (d: Buffer) => (bytes += d.length));
    req.on('error', () => {});
    req.on('close', () => resolve({ status, bytes, rstCode: req.rstCode }));
    req.end();
  });
}

const recv = (tap: WireTap, type: string) => tap.events.filter((e) => e.dir === 'recv' && e.frame.type === type);

test('rst-stream: both peers see the stream reset with the code; the session keeps working', async () => {
  await withProxy(h2Addr, ['rst-stream p=0.5,code=REFUSED_STREAM'], async (px, events) => {
    serverResets.length = 0;
    const { session, tap } = tappedSession(px);
    const results = [];
    for (let i = 0; i < 20; i++) results.push(await request(session));
    const reset = results.filter((r) => r.rstCode === 7);
    const ok = results.filter((r) => r.status === 200 && r.bytes === 5);
    assert.ok(reset.length > 0 && ok.length > 0, `${reset.length} reset, ${ok.length} ok`);
    assert.equal(reset.length + ok.length, 20);
    // On the wire: an RST_STREAM(REFUSED_STREAM) per logged stream, and the server saw it too.
    const rsts = recv(tap, 'RST_STREAM').map((e) => e.frame as { streamId: number; errorCode: number });
    const logged = events.filter((e) => e.fault === 'rst-stream').map((e) => e.stream);
    assert.deepEqual(rsts.map((f) => f.streamId), logged);
    assert.ok(rsts.every((f) => f.errorCode === 7));
    assert.equal(serverResets.filter((c) => c === 7).length, reset.length);
    session.close();
  });
});

test('goaway-after 3 streams: GOAWAY names the third stream, the client stops using the session', async () => {
  await withProxy(h2Addr, ['goaway-after 3'], async (px, events) => {
    const { session, tap } = tappedSession(px);
    const goaway = new Promise<number>((r) => session.on('goaway', (_code, last) => r(last)));
    for (let i = 0; i < 3; i++) assert.equal((await request(session)).status, 200);
    assert.equal(await goaway, 5);
    const g = recv(tap, 'GOAWAY');
    assert.equal(g.length, 1);
    assert.equal((g[0]!.frame as { lastStreamId: number }).lastStreamId, 5);
    assert.deepEqual(events.map((e) => [e.fault, e.stream]), [['goaway-after', 5]]);
    assert.throws(() => session.request({ ':path': '/' }));
    session.destroy();
  });
});

test('goaway-after a time: GOAWAY arrives after the delay', async () => {
  await withProxy(h2Addr, ['goaway-after 200ms,code=ENHANCE_YOUR_CALM'], async (px) => {
    const { session, tap } = tappedSession(px);
    await request(session);
    const code = await new Promise<number>((r) => session.on('goaway', (c) => r(c)));
    assert.equal(code, 11);
    const g = recv(tap, 'GOAWAY')[0]!;
    assert.ok(g.t >= 190, `GOAWAY at ${g.t} ms`);
    session.destroy();
  });
});

test('withhold-window-update: the server stalls at the initial window', async () => {
  await withProxy(h2Addr, ['withhold-window-update p=1:up'], async (px, events) => {
    const { session, tap } = tappedSession(px);
    const req = session.request({ ':path': '/?size=300000' });
    req.on('error', () => {});
    let bytes = 0;
    req.on('data', (d: Buffer) => (bytes += d.length));
    req.end();
    await new Promise((r) => setTimeout(r, 500));
    // RFC 9113 §6.9.2: without WINDOW_UPDATE the server may send only 65,535 bytes.
    assert.ok(bytes <= 65_535 && bytes > 0, `${bytes} bytes`);
    const sent = tap.events.filter((e) => e.dir === 'send' && e.frame.type === 'WINDOW_UPDATE');
    assert.ok(sent.length > 0, 'the client did send WINDOW_UPDATE');
    const withheld = events.filter((e) => e.fault === 'withhold-window-update');
    assert.equal(withheld.length, sent.length);
    assert.ok(withheld.some((e) => e.stream === 1) || withheld.some((e) => e.stream === 0));
    session.destroy();
  });
});

test('delay-settings-ack: each side sees its SETTINGS acknowledged late', async () => {
  await withProxy(h2Addr, ['delay-settings-ack 300ms'], async (px, events) => {
    serverSettingsAcked.length = 0;
    const { session, tap } = tappedSession(px);
    await request(session);
    await new Promise((r) => setTimeout(r, 400));
    const ack = tap.events.find((e) => e.dir === 'recv' && e.frame.type === 'SETTINGS' && (e.frame as { ack: boolean }).ack)!;
    assert.ok(ack.t >= 290, `client got ACK at ${ack.t} ms`);
    assert.ok(serverSettingsAcked[0]! >= 290, `server got ACK at ${serverSettingsAcked[0]} ms`);
    assert.deepEqual(events.map((e) => [e.fault, e.dir, e.stream]).sort(), [['delay-settings-ack', 'down', 0], ['delay-settings-ack', 'up', 0]]);
    session.close();
  });
});

test('drop-ping-ack: a PING is never answered', async () => {
  await withProxy(h2Addr, ['drop-ping-ack p=1:down'], async (px, events) => {
    const { session, tap } = tappedSession(px);
    await request(session);
    let answered = false;
    session.ping(() => (answered = true));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(answered, false);
    assert.ok(tap.events.some((e) => e.dir === 'send' && e.frame.type === 'PING'));
    assert.equal(recv(tap, 'PING').length, 0);
    assert.deepEqual(events.map((e) => e.fault), ['drop-ping-ack']);
    session.destroy();
  });
});

test('nghttp against nghttpd through the proxy: nghttp -v shows the injected RST_STREAM', async () => {
  await withProxy(nghttpdAddr, ['rst-stream p=1,code=CANCEL'], async (px) => {
    const out = await run('nghttp', ['-v', '-n', `${px.url}/index.html`]).catch((e: { stdout: string }) => e);
    assert.match(out.stdout, /recv RST_STREAM frame <length=4, flags=0x00, stream_id=13>/);
    assert.match(out.stdout, /error_code=CANCEL\(0x08\)/);
  });
  await withProxy(nghttpdAddr, ['drop-ping-ack p=0'], async (px) => {
    const out = await run('nghttp', ['-n', '-s', `${px.url}/index.html`]);
    assert.match(out.stdout, /200/);
  });
});

test('traffic that is not HTTP/2 passes untouched through a frame-fault proxy', async () => {
  const http = await import('node:http');
  const server = http.createServer((_req, res) => res.end('h1 ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  await withProxy(`127.0.0.1:${(server.address() as net.AddressInfo).port}`, ['rst-stream p=1', 'drop-ping-ack'], async (px, events) => {
    const out = await run('curl', ['-sS', '--http1.1', `${px.url}/`]);
    assert.equal(out.stdout, 'h1 ok');
    assert.equal(events.length, 0);
  });
  server.close();
});
