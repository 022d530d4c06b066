import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Http2Server } from 'node:http2';
import { performance } from 'node:perf_hooks';
import { benchJson, portOf } from './bench-fixtures.js';

// The accuracy server: exactly 3 of every 100 requests (by arrival order) are held for 40 ms
// before the response; the rest are answered at once. It records the delay it really applied
// (a timer can fire late), so the truth is known per request.
const DELAY_MS = 40;
const N = 3000;
let delaying = false;
let seq = 0;
const applied: number[] = [];
const server: Http2Server = createServer();
server.on('stream', (stream) => {
  stream.on('error', () => {});
  const answer = (written?: () => void) => {
    stream.respond({ ':status': 200 });
    stream.end('ok', written);
  };
  if (delaying && seq++ % 100 < 3) {
    const t0 = performance.now();
    // The applied delay runs to the moment the response reached the socket: node:http2
    // writes a little after `end()`, and that is part of what the client waits for.
    setTimeout(() => answer(() => applied.push(performance.now() - t0)), DELAY_MS);
  } else answer();
});

before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});
after(() => {
  server.close();
});

test('3 % of requests delayed by 40 ms: p50 and p99 within 1 ms of the truth', async (t) => {
  const args = [`http://127.0.0.1:${portOf(server)}/`, '-c', '1', '-m', '4', '-n', String(N)];
  // On a loaded 2-core machine the scheduler can stall either side for milliseconds, which is
  // real latency but not in the truth below: up to 3 attempts, the best must be within 1 ms.
  const errors: string[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    // The same load without delays gives the base latency every request also pays.
    delaying = false;
    const base = (await benchJson(args)).result;
    delaying = true;
    seq = 0;
    applied.length = 0;
    const r = (await benchJson(args)).result;
    assert.equal(r.requests.succeeded, N);
    assert.equal(applied.length, (N / 100) * 3);
    // And the 40 ms requests are the slowest ones listed.
    assert.ok(r.slowest.every((s) => s.totalMs >= DELAY_MS), JSON.stringify(r.slowest[r.slowest.length - 1]));
    // Truth: 97 % of requests take the base latency; the p99 request is a delayed one, at rank
    // ceil(0.99 N) overall, i.e. rank (that − undelayed count) among the delayed, sorted.
    const truthP50 = base.latency.total.p50;
    const delays = applied.slice().sort((a, b) => a - b);
    const rankInDelayed = Math.ceil(0.99 * N) - (N - delays.length);
    const truthP99 = base.latency.total.p50 + delays[rankInDelayed - 1]!;
    const detail = `p50 ${r.latency.total.p50} vs ${truthP50}, p99 ${r.latency.total.p99} vs ${truthP99.toFixed(3)}`;
    t.diagnostic(detail);
    if (Math.abs(r.latency.total.p50 - truthP50) <= 1 && Math.abs(r.latency.total.p99 - truthP99) <= 1) return;
    errors.push(detail);
    await new Promise((resolve) => setTimeout(resolve, 500)); // let a load spike pass
  }
  assert.fail(`no attempt within 1 ms: ${errors.join('; ')}`);
});
