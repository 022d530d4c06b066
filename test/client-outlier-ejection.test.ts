// Passive outlier ejection with Envoy's semantics, against zones running as processes: an
// endpoint answering 503 is ejected after `consecutiveFailures` failures in a row, stays out
// for its ejection time, is re-admitted, and the next ejection lasts longer. With
// maxEjectionPercent 50, two bad endpoints out of three never both leave rotation.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { createClient, type EjectionEvent } from '../src/client/index.js';
import { startZone, stopAll } from './client-zones.js';

after(stopAll);

test('an endpoint answering 503 is ejected after 3 failures in a row and re-admitted after its ejection time', async () => {
  const good1 = await startZone({ zone: 'g1' });
  const good2 = await startZone({ zone: 'g2' });
  const bad = await startZone({ zone: 'bad', status: 503 });
  const client = createClient({
    endpoints: [{ url: good1.url }, { url: good2.url }, { url: bad.url }],
    outlier: { consecutiveFailures: 3, baseEjectionMs: 400, maxEjectionPercent: 50, successRate: false },
  });
  const events: EjectionEvent[] = [];
  const off = client.on('ejection', (e) => events.push(e));
  try {
    const seen: Array<{ at: number; from: string; status: number; ejectionsBefore: number }> = [];
    const t0 = performance.now();
    while (performance.now() - t0 < 1500) {
      const res = await client.request({ path: '/x' });
      seen.push({ at: performance.now(), from: res.endpoint, status: res.status, ejectionsBefore: events.length });
      await res.dump();
      await new Promise((r) => setTimeout(r, 2));
    }
    const ejections = events.filter((e) => e.endpoint === new URL(bad.url).origin);
    assert.ok(ejections.length >= 2, `ejections of the bad endpoint: ${ejections.length}`);
    assert.deepEqual(events.map((e) => e.reason), ejections.map(() => 'consecutive-failures'));
    // Exactly 3 failures reached it before the first ejection: the third one ejected it.
    const badOrigin = new URL(bad.url).origin;
    const before = seen.filter((s) => s.ejectionsBefore === 0 && s.from === badOrigin);
    assert.equal(before.length, 2, 'two 503s seen before the ejecting one');
    const firstEjectionIndex = seen.findIndex((s) => s.ejectionsBefore === 1);
    assert.equal(seen[firstEjectionIndex].from, badOrigin);
    assert.equal(seen[firstEjectionIndex].status, 503);
    // During the first ejection (400 ms) no request went to it.
    const ejectedFrom = seen[firstEjectionIndex].at;
    const during = seen.filter((s) => s.at > ejectedFrom + 5 && s.at < ejectedFrom + 380 && s.from === badOrigin);
    assert.deepEqual(during, []);
    // Re-admitted afterwards, and the second ejection lasts twice as long.
    assert.ok(seen.some((s) => s.at > ejectedFrom + 400 && s.from === badOrigin), 're-admitted after 400 ms');
    assert.equal(ejections[0].durationMs, 400);
    assert.equal(ejections[1].durationMs, 800);
    assert.equal(client.stats().ejections, ejections.length);
  } finally {
    off();
    await client.close({ graceMs: 500 });
    await stopAll();
  }
});

test('maxEjectionPercent 50: two bad endpoints out of three leave one of them in rotation', async () => {
  const good = await startZone({ zone: 'g' });
  const bad1 = await startZone({ zone: 'b1', status: 503 });
  const bad2 = await startZone({ zone: 'b2', status: 503 });
  const client = createClient({
    endpoints: [{ url: good.url }, { url: bad1.url }, { url: bad2.url }],
    outlier: { consecutiveFailures: 3, baseEjectionMs: 60_000, maxEjectionPercent: 50, successRate: false },
  });
  try {
    const from = new Map<string, number>();
    for (let i = 0; i < 120; i++) {
      const res = await client.request({ path: '/x' });
      from.set(res.endpoint, (from.get(res.endpoint) ?? 0) + 1);
      await res.dump();
    }
    const stats = client.stats();
    const ejected = stats.endpoints.filter((e) => e.outlierEjected);
    assert.equal(ejected.length, 1, 'one of three ejected at most (50 %)');
    const kept = stats.endpoints.filter((e) => e.url !== stats.endpoints[0].url && !e.outlierEjected);
    assert.equal(kept.length, 1);
    // The bad endpoint left in rotation keeps taking its share.
    assert.ok((from.get(kept[0].url) ?? 0) >= 20, `bad endpoint in rotation served ${from.get(kept[0].url)}`);
    assert.equal(stats.ejections, 1);
  } finally {
    await client.close({ graceMs: 500 });
    await stopAll();
  }
});
