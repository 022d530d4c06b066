// Slow-request capture and trace ids, end to end: a node:http2 client and curl against the
// stream API and the compat API; slow requests are judged against a fixed threshold and a
// running p99, and carry their trace id, timeline, session, loop delay and GC pauses.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import v8 from 'node:v8';
import vm from 'node:vm';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { createTestPki } from './support/certs.js';
import { getTraceId, instrument, type InstrumentOptions, type ServerDoctor, type SlowRequest } from '../src/server/index.js';

const run = promisify(execFile);
const pki = createTestPki();
v8.setFlagsFromString('--expose-gc');
const forceGc = vm.runInNewContext('gc') as () => void;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Slow requests are published once the runtime timeline settles (about 220 ms after they end). */
const settled = () => sleep(400);
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await sleep(50);
  assert.ok(check(), `timed out waiting for ${what}`);
}
/** Blocks the event loop for `ms`, the way a synchronous JSON.stringify of a huge object would. */
function blockLoop(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) { /* busy */ }
}

interface Running { url: string; doctor: ServerDoctor; traces: Map<string, Array<string | undefined>>; logs: string[] }
const running: Running[] = [];
after(async () => {
  for (const r of running) await r.doctor.close({ graceMs: 500 });
});

/** Handler work per path; records what getTraceId() says before and after an await. */
async function work(path: string, traces: Running['traces']): Promise<void> {
  const seen = [getTraceId()];
  if (path.startsWith('/slow')) await sleep(150);
  else if (path.startsWith('/verslow')) await sleep(400);
  else if (path.startsWith('/block')) blockLoop(150);
  else if (path.startsWith('/gc')) {
    forceGc();
    await sleep(30); // lets the 'gc' PerformanceObserver deliver its entry
  } else await sleep(0);
  seen.push(getTraceId());
  traces.set(path, seen);
}

async function start(api: 'stream' | 'compat', options: InstrumentOptions): Promise<Running> {
  const traces: Running['traces'] = new Map();
  const server = http2.createSecureServer({ key: pki.key, cert: pki.chain });
  let doctor!: ServerDoctor;
  if (api === 'stream') {
    server.on('stream', (stream, headers) => {
      const path = String(headers[':path']);
      void work(path, traces).then(() => {
        stream.respond({ ':status': 200 });
        stream.end('ok');
      });
    });
  } else {
    server.on('request', (req, res) => {
      if (req.url === '/debug/h2') return doctor.snapshotHandler(req, res);
      void work(req.url, traces).then(() => {
        res.writeHead(201);
        res.end('ok');
      });
    });
  }
  const logs: string[] = [];
  doctor = instrument(server, { log: (line) => logs.push(line), ...options });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const r = { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, doctor, traces, logs };
  running.push(r);
  return r;
}

async function get(session: http2.ClientHttp2Session, path: string, headers: Record<string, string> = {}): Promise<number> {
  const req = session.request({ ':path': path, ...headers });
  req.resume();
  const [response] = (await once(req, 'response')) as [http2.IncomingHttpHeaders];
  await once(req, 'end');
  return Number(response[':status']);
}

const traceparent = (id: string) => `00-${id}-00f067aa0ba902b7-01`;
const idA = '4bf92f3577b34da6a3ce929d0e0e4736';
const idB = 'a3ce929d0e0e47364bf92f3577b34da6';

// First in this file on purpose: it checks the process-wide switch that turns the async context on.
test('the async trace context starts on the first getTraceId() call', async () => {
  const s = await start('stream', { slowRequests: false });
  const client = http2.connect(s.url, { ca: pki.rootCert });
  await get(client, '/fast/first', { 'x-request-id': 'first' });
  await get(client, '/fast/second', { 'x-request-id': 'second' });
  client.close();
  // The first request asked synchronously (answered) and after an await (too early: the
  // context was not on yet when the request began). The second has it throughout.
  assert.deepEqual(s.traces.get('/fast/first'), ['first', undefined]);
  assert.deepEqual(s.traces.get('/fast/second'), ['second', 'second']);
});

test('stream API, fixed threshold: slow requests are captured with trace id, timeline and session', async () => {
  const s = await start('stream', { slowRequests: { threshold: 100, keep: 10 }, trace: { asyncContext: true } });
  const captured: SlowRequest[] = [];
  const unsubscribe = s.doctor.onSlowRequest((r) => captured.push(r));
  // A listener that throws is reported, not allowed to break the stream teardown it runs in.
  const unsubscribeThrowing = s.doctor.onSlowRequest(() => { throw new Error('listener bug'); });
  const client = http2.connect(s.url, { ca: pki.rootCert });
  // Two slow requests at once with different traceparents, plus fast ones.
  const results = await Promise.all([
    get(client, '/slow/a', { traceparent: traceparent(idA) }),
    get(client, '/slow/b', { traceparent: traceparent(idB) }),
    get(client, '/fast/1'),
    get(client, '/fast/2', { 'x-request-id': 'req-fast-2' }),
  ]);
  assert.deepEqual(results, [200, 200, 200, 200]);
  await until(() => captured.length === 2, 'two slow requests published');
  unsubscribe();
  unsubscribeThrowing();
  assert.ok(s.logs.some((line) => /onSlowRequest listener threw: listener bug/.test(line)));
  await get(client, '/slow/c');
  client.close();
  await settled();

  // Each handler saw its own trace id, before and after its await.
  assert.deepEqual(s.traces.get('/slow/a'), [idA, idA]);
  assert.deepEqual(s.traces.get('/slow/b'), [idB, idB]);
  assert.deepEqual(s.traces.get('/fast/2'), ['req-fast-2', 'req-fast-2']);
  const generated = s.traces.get('/fast/1')![0]!;
  assert.match(generated, /^[0-9a-f]{32}$/);

  const snap = s.doctor.snapshot();
  assert.equal(snap.slowRequests.thresholdMs, 100);
  assert.equal(snap.slowRequests.total, 3);
  assert.equal(captured.length, 2, 'the listener was unsubscribed before /slow/c');
  const a = snap.slowRequests.recent.find((r) => r.traceId === idA)!;
  assert.equal(a.route, '/slow/a');
  assert.equal(a.method, 'GET');
  assert.equal(a.status, 200);
  assert.equal(a.rstCode, 0);
  assert.ok(a.firstByteMs! >= 140 && a.durationMs >= a.firstByteMs!, JSON.stringify(a));
  assert.ok(a.session.id >= 1);
  assert.ok(a.session.streamsOpenAtStart >= 1 && a.session.streamsOpenAtStart <= 4);
  assert.equal(typeof a.eventLoopDelayMaxMs, 'number');
  assert.deepEqual(Object.keys(a.gc!).sort(), ['count', 'totalMs']);
  const c = snap.slowRequests.recent.find((r) => r.route === '/slow/c')!;
  assert.equal(c.session.requestsBefore, 4);
  assert.equal(c.session.id, a.session.id);
  // Fast requests are not captured.
  assert.equal(snap.slowRequests.recent.some((r) => r.route.startsWith('/fast')), false);
});

test('a blocked event loop and a GC pause show on the slow request that suffered them', async () => {
  const s = await start('stream', { slowRequests: { threshold: 20 } });
  // monitorEventLoopDelay records nothing until its timer has fired once (10 ms after
  // instrument()); a stall before that is invisible to it. A server is never that young
  // in production; here the TLS handshake can be quicker than that.
  await sleep(50);
  const client = http2.connect(s.url, { ca: pki.rootCert });
  await get(client, '/block');
  await get(client, '/gc');
  client.close();
  await settled();
  const recent = s.doctor.snapshot().slowRequests.recent;
  const blocked = recent.find((r) => r.route === '/block')!;
  assert.ok(blocked.eventLoopDelayMaxMs! >= 50, `loop delay ${blocked.eventLoopDelayMaxMs}`);
  // The process-wide view (monitorEventLoopDelay) saw the stall too.
  assert.ok(s.doctor.snapshot().eventLoopDelay!.maxMs >= 100, JSON.stringify(s.doctor.snapshot().eventLoopDelay));
  const gc = recent.find((r) => r.route === '/gc')!;
  assert.ok(gc.gc!.count >= 1, JSON.stringify(gc.gc));
  assert.ok(gc.gc!.totalMs > 0);
});

test("compat API, threshold 'p99': judged after warm-up, served on a debug route, trace id from x-request-id", async () => {
  const s = await start('compat', { slowRequests: { threshold: 'p99', minSamples: 100 } });
  const { stdout } = await run('h2load', ['-n', '300', '-c', '2', '-m', '4', `${s.url}/fast`], { timeout: 30_000 });
  assert.match(stdout, /300 succeeded/);
  assert.equal(s.doctor.snapshot().slowRequests.total, s.doctor.snapshot().slowRequests.recent.length);
  const threshold = s.doctor.snapshot().slowRequests.thresholdMs;
  assert.ok(threshold !== null && threshold < 400, `threshold ${threshold}`);

  const client = http2.connect(s.url, { ca: pki.rootCert });
  assert.equal(await get(client, '/verslow', { 'x-request-id': 'order-7' }), 201);
  client.close();
  await settled();
  assert.deepEqual(s.traces.get('/verslow'), ['order-7', 'order-7']);

  const { stdout: json } = await run('curl', ['-sk', '--http2', `${s.url}/debug/h2`], { timeout: 15_000 });
  const snap = JSON.parse(json) as { slowRequests: { recent: SlowRequest[]; thresholdMs: number } };
  const hit = snap.slowRequests.recent.find((r) => r.traceId === 'order-7');
  assert.ok(hit !== undefined, json);
  assert.equal(hit.status, 201);
  assert.ok(hit.durationMs > hit.thresholdMs);
});

test('trace: false turns the context off; slowRequests: false turns capture off', async () => {
  const s = await start('stream', { trace: false, slowRequests: false });
  const client = http2.connect(s.url, { ca: pki.rootCert });
  await get(client, '/slow/x', { traceparent: traceparent(idA) });
  client.close();
  assert.deepEqual(s.traces.get('/slow/x'), [undefined, undefined]);
  assert.deepEqual(s.doctor.snapshot().slowRequests, { thresholdMs: null, total: 0, recent: [] });
  assert.equal(s.doctor.snapshot().eventLoopDelay, null);
});
