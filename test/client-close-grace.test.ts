// close({ graceMs }) never hangs: with requests in flight on a frozen endpoint (SIGSTOP: the
// connection stays open, nothing answers), close returns within graceMs, what was in flight
// is rejected with ClientClosedError, and the process exits by itself. destroy() does the
// same at once. A request that is not idempotent, in flight on an endpoint whose health check
// fails, fails at once with EndpointDarkError; an idempotent one is re-sent elsewhere.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { createClient } from '../src/client/index.js';
import { ClientClosedError, EndpointDarkError } from '../src/errors.js';
import { startZone, stopAll } from './client-zones.js';

after(stopAll);

test('close({ graceMs: 300 }) with requests stuck on a frozen endpoint: returns in time, rejects them, the process exits', async (t) => {
  const zone = await startZone({ zone: 'z' });
  try {
    zone.freeze();
    const child = spawn(process.execPath, ['--import', 'tsx', new URL('./client-close-exit.child.ts', import.meta.url).pathname, zone.url, '300'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    const started = performance.now();
    const exited = once(child, 'exit');
    const timeout = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const [code, signal] = (await exited) as [number | null, string | null];
    clearTimeout(timeout);
    assert.equal(signal, null, 'the child exited by itself (not killed after 15 s)');
    assert.equal(code, 0);
    const { closeMs, outcomes } = JSON.parse(out) as { closeMs: number; outcomes: string[] };
    t.diagnostic(`close took ${closeMs.toFixed(0)} ms; child ran ${(performance.now() - started).toFixed(0)} ms in all`);
    assert.ok(closeMs <= 400, `close took ${closeMs.toFixed(0)} ms`);
    assert.deepEqual(outcomes, Array(5).fill('ERR_CLIENT_CLOSED'));
  } finally {
    await stopAll();
  }
});

test('destroy() rejects in-flight requests with ClientClosedError at once', async () => {
  const zone = await startZone({ zone: 'z' });
  const client = createClient({ endpoints: [{ url: zone.url }], timeoutMs: 60_000 });
  try {
    await (await client.request({ path: '/warm' })).text();
    zone.freeze();
    const pending = client.request({ path: '/stuck' });
    await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    client.destroy();
    await assert.rejects(pending, ClientClosedError);
    assert.ok(performance.now() - t0 < 100);
    await assert.rejects(client.request({ path: '/after' }), ClientClosedError);
  } finally {
    client.destroy();
    await stopAll();
  }
});

test('an endpoint goes dark: POST in flight fails with EndpointDarkError, GET is rescued to the other zone', async () => {
  const a = await startZone({ zone: 'a' });
  const b = await startZone({ zone: 'b' });
  const client = createClient({
    endpoints: [
      { url: a.url, zone: 'a', priority: 0 },
      { url: b.url, zone: 'b', priority: 1 },
    ],
    health: { path: '/health', intervalMs: 100, timeoutMs: 100 },
    timeoutMs: 10_000,
  });
  try {
    await (await client.request({ path: '/warm' })).text();
    a.freeze();
    const t0 = performance.now();
    const post = client.request({ path: '/orders', method: 'POST', body: '{}' });
    const get = client.request({ path: '/stock' });
    await assert.rejects(post, EndpointDarkError);
    const res = await get;
    assert.equal(await res.text(), 'b');
    const elapsed = performance.now() - t0;
    assert.ok(elapsed < 1000, `settled after ${elapsed.toFixed(0)} ms, not at the 10 s deadline`);
    const stats = client.stats();
    assert.equal(stats.rescued, 1);
    assert.equal(stats.endpoints[0].healthy, false);
  } finally {
    await client.close({ graceMs: 200 });
    await stopAll();
  }
});
