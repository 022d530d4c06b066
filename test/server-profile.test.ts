// CPU samples for slow requests (instrument(…, { profile })): a node:http2 client against an
// h2c server whose handler does CPU work in a named function on 5 % of requests. Those
// requests' records name the function among their top frames; the others' records do not.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { instrument, type InstrumentOptions, type ServerDoctor, type SlowRequest } from '../src/server/index.js';
import { ConfigError } from '../src/errors.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU work with a name to find in the profile: a fixed number of iterations, not a time. */
function computeQuote(rounds: number): number {
  let x = 1;
  for (let i = 0; i < rounds; i++) x = (x * 1103515245 + 12345) % 2147483647 + Math.sqrt(i);
  return x;
}

const doctors: ServerDoctor[] = [];
const clients: http2.ClientHttp2Session[] = [];
after(async () => {
  for (const c of clients) c.close();
  for (const d of doctors) await d.close({ graceMs: 200 });
});

async function start(options: InstrumentOptions): Promise<{ client: http2.ClientHttp2Session; doctor: ServerDoctor; slow: SlowRequest[] }> {
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const path = String(headers[':path']);
    const finish = (body: string) => {
      stream.respond({ ':status': 200 });
      stream.end(body);
    };
    if (path.startsWith('/quote')) finish(String(computeQuote(3_000_000)));
    else if (path.startsWith('/wait')) void sleep(150).then(() => finish('waited'));
    else setImmediate(finish, 'ok');
  });
  const doctor = instrument(server, options);
  doctors.push(doctor);
  const slow: SlowRequest[] = [];
  doctor.onSlowRequest((r) => slow.push(r));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  clients.push(client);
  return { client, doctor, slow };
}

function get(client: http2.ClientHttp2Session, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = client.request({ ':path': path, 'x-request-id': path });
    req.resume();
    req.on('end', resolve);
    req.on('error', reject);
  });
}

test('slow records of the requests that ran computeQuote name it among their top frames; the others do not', async () => {
  // Threshold 0: every request is captured, so the fast ones' records can be checked too.
  const { client, doctor, slow } = await start({ slowRequests: { threshold: 0, keep: 200 }, profile: { sampleIntervalUs: 1000 } });
  const paths = Array.from({ length: 100 }, (_, i) => (i % 20 === 7 ? `/quote/${i}` : `/fast/${i}`));
  // One at a time: a fast request overlapping a quote would rightly show computeQuote (the
  // samples are the thread's), which is not what this test is about.
  for (const path of paths) await get(client, path);
  for (let i = 0; i < 40 && slow.length < paths.length; i++) await sleep(50);
  assert.equal(slow.length, paths.length);
  const names = (r: SlowRequest) => r.profile!.topFrames.map((f) => f.functionName);
  const quotes = slow.filter((r) => r.traceId.startsWith('/quote'));
  const fast = slow.filter((r) => r.traceId.startsWith('/fast'));
  assert.equal(quotes.length, 5);
  for (const r of quotes) {
    const p = r.profile!;
    assert.equal(p.scope, 'thread');
    assert.ok(names(r).includes('computeQuote'), `${r.traceId}: top frames ${names(r).join(', ')}`);
    const frame = p.topFrames.find((f) => f.functionName === 'computeQuote')!;
    assert.match(frame.url, /server-profile\.test/);
    assert.ok(frame.line > 0);
    assert.ok(frame.selfMs > 0 && frame.totalMs >= frame.selfMs);
    // Folded stacks: `a;b;c count`, and the quote's stack ends in computeQuote.
    for (const line of p.folded.split('\n')) assert.match(line, /^[^\n]+ \d+$/);
    assert.ok(p.folded.split('\n').some((l) => /;computeQuote \([^;]*\) \d+$/.test(l)), p.folded);
    assert.ok(p.samples > 0 && p.sampledMs > 0);
    assert.equal(p.complete, true);
  }
  for (const r of fast) assert.ok(!names(r).includes('computeQuote') && !r.profile!.folded.includes('computeQuote'), `${r.traceId}: ${names(r).join(', ')}`);
  assert.equal(doctor.snapshot().slowRequests.recent.filter((r) => r.profile?.topFrames.some((f) => f.functionName === 'computeQuote')).length, 5);
});

test('a slow record says how many other requests overlapped it', async () => {
  const { client, slow } = await start({ slowRequests: { threshold: 100 }, profile: true });
  await Promise.all([get(client, '/wait/a'), get(client, '/wait/b'), get(client, '/wait/c')]);
  for (let i = 0; i < 40 && slow.length < 3; i++) await sleep(50);
  assert.equal(slow.length, 3);
  for (const r of slow) {
    assert.equal(r.profile!.overlappingRequests, 2, r.traceId);
    assert.equal(r.profile!.overlapLowerBound, false);
  }
});

test('without profile, slow records carry no profile; bad profile options are refused', async () => {
  const { client, slow } = await start({ slowRequests: { threshold: 100, runtime: false } });
  await get(client, '/wait/x');
  await sleep(50);
  assert.equal(slow.length, 1);
  assert.equal(slow[0]!.profile, undefined);
  assert.throws(() => instrument(http2.createServer(), { profile: { sampleIntervalUs: 10 } }), ConfigError);
  assert.throws(() => instrument(http2.createServer(), { profile: { windowMs: 10 } }), ConfigError);
  assert.throws(() => instrument(http2.createServer(), { profile: true, slowRequests: false }), ConfigError);
});
