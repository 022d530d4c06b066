// A frozen zone costs no request. Zones a (priority 0) and b (priority 1) run as processes of
// their own; at 200 req/s zone a is frozen with SIGSTOP: its connections stay open and nothing
// answers, as in a zone outage, a partition or a stuck host. With health checks every 250 ms
// (timeout 250 ms), timeoutMs 1000 and attemptTimeoutMs 300: no request fails, none started
// after the freeze takes over 1000 ms, requests 2 s later have a P99 under 100 ms, and
// close() returns within graceMs + 100 ms. The same holds when zone a is killed instead.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { createClient, type H2Client } from '../src/client/index.js';
import { startZone, stopAll, type Zone } from './client-zones.js';

after(stopAll);

interface Sample {
  startedAt: number;
  ms: number;
  ok: boolean;
  error?: string;
}

/** Open-loop load: `rps` requests per second whatever their latency, until `stop()`. */
function load(client: H2Client, rps: number): { samples: Sample[]; stop(): Promise<void> } {
  const samples: Sample[] = [];
  const pending = new Set<Promise<void>>();
  const t0 = performance.now();
  let sent = 0;
  let stopped = false;
  const one = async (): Promise<void> => {
    const startedAt = performance.now();
    try {
      const res = await client.request({ path: '/stock/42' });
      await res.text();
      samples.push({ startedAt, ms: performance.now() - startedAt, ok: res.status === 200 });
    } catch (err) {
      samples.push({ startedAt, ms: performance.now() - startedAt, ok: false, error: String(err) });
    }
  };
  const tick = (): void => {
    if (stopped) return;
    const due = Math.floor(((performance.now() - t0) / 1000) * rps);
    while (sent < due) {
      sent++;
      const p = one();
      pending.add(p);
      p.finally(() => pending.delete(p));
    }
    setTimeout(tick, 2);
  };
  tick();
  return {
    samples,
    stop: async () => {
      stopped = true;
      await Promise.all(pending);
    },
  };
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)];
}

async function zoneOutage(t: { diagnostic(m: string): void }, how: 'freeze' | 'kill'): Promise<void> {
  const a: Zone = await startZone({ zone: 'a' });
  const b: Zone = await startZone({ zone: 'b' });
  const client = createClient({
    endpoints: [
      { url: a.url, zone: 'a', priority: 0 },
      { url: b.url, zone: 'b', priority: 1 },
    ],
    health: { path: '/health', intervalMs: 250, timeoutMs: 250 },
    timeoutMs: 1000,
    attemptTimeoutMs: 300,
  });
  let closed = false;
  try {
    const traffic = load(client, 200);
    await new Promise((r) => setTimeout(r, 1000));
    const outageAt = performance.now();
    if (how === 'freeze') a.freeze();
    else await a.kill();
    await new Promise((r) => setTimeout(r, 3000));
    await traffic.stop();
    const { samples } = traffic;
    const failed = samples.filter((s) => !s.ok);
    assert.deepEqual(failed.map((s) => s.error ?? 'bad status').slice(0, 5), [], `${failed.length} of ${samples.length} requests failed`);
    const after = samples.filter((s) => s.startedAt >= outageAt);
    const worst = Math.max(...after.map((s) => s.ms));
    assert.ok(worst <= 1000, `slowest request started after the ${how}: ${worst.toFixed(0)} ms`);
    const later = samples.filter((s) => s.startedAt >= outageAt + 2000).map((s) => s.ms);
    assert.ok(later.length >= 100, `requests 2 s after: ${later.length}`);
    const tail = p99(later);
    assert.ok(tail < 100, `P99 of requests 2 s after the ${how}: ${tail.toFixed(1)} ms`);
    const stats = client.stats();
    t.diagnostic(
      `${how}: ${samples.length} requests, 0 failed; slowest after the ${how} ${worst.toFixed(0)} ms; P99 2 s later ${tail.toFixed(1)} ms; ` +
        `retries ${stats.retries}, rescued ${stats.rescued}, failovers ${stats.failovers}`,
    );
    const graceMs = 500;
    const closing = performance.now();
    await client.close({ graceMs });
    closed = true;
    const closeMs = performance.now() - closing;
    t.diagnostic(`close({ graceMs: ${graceMs} }) took ${closeMs.toFixed(0)} ms`);
    assert.ok(closeMs <= graceMs + 100, `close() took ${closeMs.toFixed(0)} ms`);
  } finally {
    if (!closed) client.destroy();
    await stopAll();
  }
}

test('zone a frozen (SIGSTOP) at 200 req/s: 0 failed, none over 1000 ms, P99 < 100 ms 2 s later, close() within grace', async (t) => {
  await zoneOutage(t, 'freeze');
});

test('zone a killed at 200 req/s: the same bounds hold', async (t) => {
  await zoneOutage(t, 'kill');
});
