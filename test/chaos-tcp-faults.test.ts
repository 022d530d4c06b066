// Every TCP fault kind of `h2doctor chaos`, with real traffic: node:http2 client and server,
// curl and nghttp, and raw TCP where the fault is about bytes and FINs rather than HTTP/2.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ChaosProxy } from '../src/chaos/start-chaos.js';
import { withProxy } from './support/chaos.js';

const run = promisify(execFile);
let h2: http2.Http2Server;
let h2Addr = '';
let raw: net.Server;
let rawAddr = '';
/** What the raw server does with each connection, set per test. */
let rawBehaviour: (s: net.Socket) => void = (s) => s.pipe(s);

before(async () => {
  h2 = http2.createServer();
  h2.on('stream', (stream, headers) => {
    const size = Number(new URL(String(headers[':path']), 'http://x').searchParams.get('size') ?? '5');
    stream.respond({ ':status': 200 });
    stream.end(Buffer.alloc(size, 0x61));
  });
  await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r));
  h2Addr = `127.0.0.1:${(h2.address() as net.AddressInfo).port}`;
  raw = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => {}); // resets are what several tests inject
    rawBehaviour(s);
  });
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
  rawAddr = `127.0.0.1:${(raw.address() as net.AddressInfo).port}`;
});
after(() => {
  h2.close();
  raw.close();
});

/** One GET over a fresh node:http2 session; resolves with status, body length and time. */
function get(url: string, path = '/'): Promise<{ status: number; bytes: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const session = http2.connect(url);
    session.on('error', reject);
    const req = session.request({ ':path': path });
    let status = 0, bytes = 0;
    req.on('response', (h) => (status = Number(h[':status'])));
    req.on('data', (d: Buffer) => (bytes += d.length));
    req.on('end', () => {
      session.close();
      resolve({ status, bytes, ms: performance.now() - t0 });
    });
    req.on('error', (err) => {
      session.destroy();
      reject(err);
    });
    req.end();
  });
}

/** Connects raw TCP to the proxy, writes `send`, collects what comes back until close. */
function rawExchange(px: ChaosProxy, send: Buffer | string, opts: { endAfterWrite?: boolean } = {}) {
  return new Promise<{ chunks: Buffer[]; closedAt: number; endAt?: number; error?: string; t0: number }>((resolve) => {
    const port = Number(px.url.split(':').pop());
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const chunks: Buffer[] = [];
    const t0 = performance.now();
    let endAt: number | undefined, error: string | undefined;
    s.on('data', (d) => chunks.push(d));
    s.on('end', () => {
      endAt = performance.now();
      s.end();
    });
    s.on('error', (e: NodeJS.ErrnoException) => (error = e.code));
    s.on('close', () => resolve({ chunks, closedAt: performance.now(), endAt, error, t0 }));
    s.write(send);
    if (opts.endAfterWrite) s.end();
  });
}

test('latency: node:http2 round trip grows by at least the delay; each chunk is logged', async () => {
  await withProxy(h2Addr, ['latency 150ms:down'], async (px, events) => {
    const r = await get(px.url);
    assert.equal(r.status, 200);
    // SETTINGS and the response both cross the downstream delay.
    assert.ok(r.ms >= 150, `took ${r.ms} ms`);
    assert.ok(events.length > 0 && events.every((e) => e.fault === 'latency' && e.dir === 'down' && e.ms === 150));
  });
});

test('latency with curl and nghttp as clients', async () => {
  await withProxy(h2Addr, ['latency 100ms:up'], async (px) => {
    const t0 = performance.now();
    const c = await run('curl', ['-sS', '--http2-prior-knowledge', '-o', '/dev/null', '-w', '%{http_code} %{http_version}', `${px.url}/?size=10`]);
    assert.equal(c.stdout, '200 2');
    assert.ok(performance.now() - t0 >= 100);
    const n = await run('nghttp', ['-n', '-s', `${px.url}/?size=10`]);
    assert.match(n.stdout, /200/);
    assert.equal(px.stats().faults.latency! > 0, true);
  });
});

test('bandwidth: 64 KB at 1 mbit takes about half a second', async () => {
  await withProxy(h2Addr, ['bandwidth 1mbit:down'], async (px, events) => {
    const r = await get(px.url, '/?size=65536');
    assert.equal(r.bytes, 65536);
    assert.ok(r.ms >= 450, `took ${r.ms} ms`);
    assert.ok(events.some((e) => e.fault === 'bandwidth'));
  });
});

test('stall: p=1 is a dead link: every chunk waits the RTO doubled six times', async () => {
  await withProxy(h2Addr, ['stall p=1,ms=5:down'], async (px, events) => {
    const r = await get(px.url);
    assert.equal(r.status, 200);
    assert.ok(r.ms >= 320, `took ${r.ms} ms`);
    assert.ok(events.length > 0 && events.every((e) => e.fault === 'stall' && e.ms === 320));
  });
});

test('reset-after a byte count: the download fails with a reset', async () => {
  await withProxy(h2Addr, ['reset-after 2kb:down'], async (px, events) => {
    // curl reports the reset as a failed transfer; node:http2 would end the stream quietly.
    await assert.rejects(run('curl', ['-sS', '--http2-prior-knowledge', '-o', '/dev/null', `${px.url}/?size=100000`]), /reset|Recv failure|56|16|92/i);
    assert.deepEqual(events.map((e) => e.fault), ['reset-after']);
    assert.equal(events[0]!.detail, '2048 bytes');
  });
});

test('reset-after a time: the client sees ECONNRESET', async () => {
  rawBehaviour = () => {}; // silent upstream
  await withProxy(rawAddr, ['reset-after 200ms'], async (px) => {
    const r = await rawExchange(px, 'hello');
    assert.equal(r.error, 'ECONNRESET');
    assert.ok(r.closedAt - r.t0 >= 190);
  });
});

test('an upstream reset arrives after the bytes a latency fault still holds, as on a real path', async () => {
  // A server that answers and resets at once (grpc-go's GOAWAY then close, with requests
  // unread): the answer is on the wire ahead of the RST, so the client must read it first.
  rawBehaviour = (s) => s.once('data', () => {
    s.write('goaway');
    setTimeout(() => s.resetAndDestroy(), 20);
  });
  await withProxy(rawAddr, ['latency 150ms:down'], async (px) => {
    const r = await rawExchange(px, 'hello');
    assert.equal(Buffer.concat(r.chunks).toString(), 'goaway');
    assert.equal(r.error, 'ECONNRESET');
    assert.ok(r.closedAt - r.t0 >= 140, `closed after ${(r.closedAt - r.t0).toFixed(0)} ms`);
  });
});

test('blackhole: nothing comes back; with a time the connection is closed', async () => {
  rawBehaviour = (s) => s.pipe(s);
  await withProxy(rawAddr, ['blackhole 300ms'], async (px, events) => {
    const r = await rawExchange(px, 'echo me');
    assert.equal(Buffer.concat(r.chunks).length, 0);
    assert.ok(r.closedAt - r.t0 >= 290);
    assert.ok(events.some((e) => e.fault === 'blackhole' && e.detail === 'closed after 300 ms'));
  });
  await withProxy(rawAddr, ['blackhole:up'], async (px) => {
    const port = Number(px.url.split(':').pop());
    const s = net.connect(port, '127.0.0.1');
    let got = 0;
    s.on('data', (d) => (got += d.length));
    s.write('x'.repeat(100));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(got, 0);
    s.destroy();
  });
});

test('slow-close: the FIN arrives after the hold', async () => {
  rawBehaviour = (s) => s.end('bye');
  await withProxy(rawAddr, ['slow-close 300ms:down'], async (px, events) => {
    const r = await rawExchange(px, 'x');
    assert.equal(Buffer.concat(r.chunks).toString(), 'bye');
    assert.ok(r.endAt! - r.t0 >= 290, `FIN after ${r.endAt! - r.t0} ms`);
    assert.ok(events.some((e) => e.fault === 'slow-close'));
  });
});

test('slice: a 100-byte reply is written as ten pieces, 5 ms apart', async () => {
  rawBehaviour = (s) => s.once('data', () => s.end(Buffer.alloc(100, 0x62)));
  await withProxy(rawAddr, ['slice 10,delay=5ms:down'], async (px, events) => {
    const r = await rawExchange(px, 'go');
    assert.equal(Buffer.concat(r.chunks).length, 100);
    // Reads may coalesce pieces on a busy machine; the spacing cannot shrink.
    assert.ok(r.chunks.length >= 2, `${r.chunks.length} chunks`);
    assert.ok(r.closedAt - r.t0 >= 45);
    assert.deepEqual(events.map((e) => [e.fault, e.ms]), [['slice', 45]]);
  });
});

test('limit-data: exactly the limit arrives, then a clean close', async () => {
  rawBehaviour = (s) => s.once('data', () => s.write(Buffer.alloc(5000, 0x63)));
  await withProxy(rawAddr, ['limit-data 1000:down'], async (px, events) => {
    const r = await rawExchange(px, 'go');
    assert.equal(Buffer.concat(r.chunks).length, 1000);
    assert.equal(r.error, undefined);
    assert.ok(events.some((e) => e.fault === 'limit-data'));
  });
});

test('toxicity @0: a fault on no connection changes nothing', async () => {
  await withProxy(h2Addr, ['latency 5s@0'], async (px, events) => {
    const r = await get(px.url);
    assert.equal(r.status, 200);
    assert.ok(r.ms < 5000);
    assert.equal(events.length, 0);
  });
});

test('set() changes the faults of a live connection', async () => {
  await withProxy(h2Addr, [], async (px, events) => {
    const session = http2.connect(px.url);
    const once = () => new Promise<number>((resolve, reject) => {
      const t0 = performance.now();
      const req = session.request({ ':path': '/' });
      req.resume();
      req.on('end', () => resolve(performance.now() - t0));
      req.on('error', reject);
      req.end();
    });
    await once();
    px.set(['latency 200ms:down']);
    const slow = await once();
    assert.ok(slow >= 200, `took ${slow}`);
    px.set([]);
    session.close();
    assert.ok(events.length > 0);
  });
});
