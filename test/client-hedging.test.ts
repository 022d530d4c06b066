// Hedged requests against a server where a random 10 % of requests take 2 s (a GC pause, a
// lock, a cold cache; "The Tail at Scale"). With hedge: { delayMs: 50 } a request with no
// headers after 50 ms gets a copy on another session and the first answer wins; the loser is
// reset with CANCEL. Over 5,000 requests: P99 ≤ 100 ms, no failure, hedges ≤ 15 % of
// requests, and nothing leaks: no stream left open, no body left unread. Four requests are
// kept in flight: what is measured is the hedge, not queueing in a loaded event loop.
//
// Which requests stall is drawn by the test (seeded) and the stall is transient: it is the
// server's state when the request arrives, so the copy sent 50 ms later does not meet it. If
// every arrival, copies included, stalled independently with p = 0.1, one request in a
// hundred would have both copies stalled with maxHedges 1: exactly the 1 % that P99 allows,
// so P99 ≤ 100 ms would hold about half the time whatever the client did. The second test
// below measures that case and checks what hedging can promise there.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { createClient } from '../src/client/index.js';
import { startZone, stopAll } from './client-zones.js';

after(stopAll);

/** Which of `n` requests stall: a share `p`, drawn with a seeded mulberry32. */
function seededStalls(n: number, p: number, seed: number): boolean[] {
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: n }, () => random() < p);
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)];
}

test('10 % of requests take 2 s: hedging at 50 ms keeps P99 ≤ 100 ms over 5,000 requests, hedges ≤ 15 %, no leaks', async (t) => {
  const zone = await startZone({ zone: 'z', 'slow-ms': 2000 });
  const stalls = seededStalls(5000, 0.1, 7);
  const leaks: unknown[] = [];
  const client = createClient({ endpoints: [{ url: zone.url }], hedge: { delayMs: 50 }, timeoutMs: 5000, onWarning: (m) => leaks.push(m) });
  client.on('leak', (e) => leaks.push(e));
  try {
    const total = 5000;
    const latencies: number[] = [];
    const failures: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < total) {
        const id = next++;
        const t0 = performance.now();
        try {
          const res = await client.request({ path: `/item?id=${id}&stall=${stalls[id] ? 1 : 0}` });
          const body = await res.text();
          latencies.push(performance.now() - t0);
          if (res.status !== 200 || body !== 'z') failures.push(`status ${res.status} body ${body}`);
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    const stats = client.stats();
    const tail = p99(latencies);
    const over = (ms: number) => latencies.filter((v) => v > ms).length;
    t.diagnostic(`over 50/60/70/80/90/100 ms: ${[50, 60, 70, 80, 90, 100].map(over).join("/")}`);

    t.diagnostic(`P99 ${tail.toFixed(1)} ms; hedges ${stats.hedges} (${((stats.hedges / total) * 100).toFixed(1)} %), won ${stats.hedgesWon}, refused by maxRate ${stats.hedgesRefused}; slowest ${Math.max(...latencies).toFixed(0)} ms`);
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failures`);
    assert.equal(latencies.length, total);
    assert.ok(tail <= 100, `P99 ${tail.toFixed(1)} ms`);
    assert.ok(stats.hedges > 0 && stats.hedges <= 0.15 * total, `hedges ${stats.hedges}`);
    assert.ok(stats.hedgesWon > 0 && stats.hedgesWon <= stats.hedges);
    // No stream or body leaks: nothing in flight, no stream open on any session, no body
    // reset unread by the leak detector.
    const ep = stats.endpoints[0];
    assert.equal(ep.inFlight, 0);
    await new Promise((r) => setTimeout(r, 50));
    for (const s of client.endpoints[0].pool.openSessions()) assert.equal(s.active, 0, `session ${s.id} still has ${s.active} streams`);
    assert.equal(stats.leaks, 0);
    assert.deepEqual(leaks, []);
  } finally {
    await client.close({ graceMs: 1000 });
    await stopAll();
  }
});

test('every arrival stalls independently (p = 0.1): only requests whose copy stalled too stay slow', async (t) => {
  const zone = await startZone({ zone: 'z', 'slow-share': 0.1, 'slow-ms': 2000, seed: 11 });
  const client = createClient({ endpoints: [{ url: zone.url }], hedge: { delayMs: 50 }, timeoutMs: 5000, onWarning: () => {} });
  try {
    const total = 2000;
    const latencies: number[] = [];
    const failures: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < total) {
        next++;
        const t0 = performance.now();
        try {
          const res = await client.request({ path: '/item' });
          await res.text();
          latencies.push(performance.now() - t0);
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const stats = client.stats();
    const slow = latencies.filter((v) => v > 1000).length;
    t.diagnostic(`${slow} of ${total} requests over 1 s (both copies stalled: expected about 1 %); hedges ${stats.hedges}, won ${stats.hedgesWon}`);
    assert.deepEqual(failures.slice(0, 5), []);
    // Unhedged, 10 % would take 2 s; with one hedge about 1 % (0.1 × 0.1). 2.5 % is over
    // four standard deviations above that at 2,000 requests.
    assert.ok(slow <= 0.025 * total, `${slow} requests over 1 s`);
    assert.ok(stats.hedges <= 0.15 * total, `hedges ${stats.hedges}`);
    assert.equal(stats.endpoints[0].inFlight, 0);
    assert.equal(stats.leaks, 0);
  } finally {
    await client.close({ graceMs: 1000 });
    await stopAll();
  }
});
