// Scenario phases on a live proxy: a time window of added latency, and faults that start
// after N connections or N streams.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { parseScenario } from '../src/chaos/scenario.js';
import { runScenario, type PhaseEvent } from '../src/chaos/scenario-runner.js';
import type { FaultEvent } from '../src/chaos/fault-log.js';
import { startOkUpstream } from './support/chaos.js';

let h2: http2.Http2Server;
let upstream = '';

before(async () => {
  ({ server: h2, upstream } = await startOkUpstream());
});
after(() => h2.close());

function request(session: http2.ClientHttp2Session): Promise<{ ms: number; rst: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = session.request({ ':path': '/' });
    req.on('error', () => {});
    req.resume();
    req.on('close', () => resolve({ ms: performance.now() - t0, rst: req.rstCode }));
    req.end();
  });
}

test('a timed phase adds latency on a live connection, then removes it', async () => {
  const scenario = parseScenario(JSON.stringify({
    routes: [{ name: 'api', upstream }],
    phases: [{ name: 'spike', at: '300ms', for: '400ms', faults: ['latency 150ms:down'] }],
  }));
  const phases: PhaseEvent[] = [];
  const events: FaultEvent[] = [];
  const run = await runScenario(scenario, { seed: 1, onPhase: (e) => phases.push(e), log: (e) => events.push(e) });
  try {
    const session = http2.connect(run.proxy.url);
    const fast = await request(session);
    assert.ok(fast.ms < 150, `before the phase: ${fast.ms} ms`);
    while (!phases.some((p) => p.action === 'start')) await new Promise((r) => setTimeout(r, 10));
    const slow = await request(session);
    assert.ok(slow.ms >= 150, `during the phase: ${slow.ms} ms`);
    while (!phases.some((p) => p.action === 'end')) await new Promise((r) => setTimeout(r, 10));
    const after = await request(session);
    assert.ok(after.ms < 150, `after the phase: ${after.ms} ms`);
    assert.deepEqual(phases.map((p) => [p.phase, p.action]), [['spike', 'start'], ['spike', 'end']]);
    assert.ok(phases[0]!.elapsedMs >= 295 && phases[1]!.elapsedMs >= 695);
    assert.ok(events.length > 0 && events.every((e) => e.name === 'spike/latency'));
    session.close();
  } finally {
    await run.close();
  }
});

test('phases after N connections and after N streams', async () => {
  const scenario = parseScenario(JSON.stringify({
    routes: [{ name: 'api', upstream }],
    phases: [
      { name: 'refuse', afterStreams: 3, faults: ['rst-stream p=1,code=REFUSED_STREAM'] },
      { name: 'late', afterConnections: 2, faults: ['latency 100ms:down'] },
    ],
  }));
  const run = await runScenario(scenario, { seed: 1 });
  try {
    const a = http2.connect(run.proxy.url);
    a.on('error', () => {});
    const first = [await request(a), await request(a)];
    assert.ok(first.every((r) => r.rst === 0));
    // The third stream starts the phase; from then on streams are refused.
    await request(a);
    const refused = await request(a);
    assert.equal(refused.rst, 7);
    const b = http2.connect(run.proxy.url); // second connection starts "late"
    b.on('error', () => {});
    await new Promise((r) => b.once('connect', r));
    assert.deepEqual(run.proxy.faults('api').map((f) => f.name).sort(), ['late/latency', 'refuse/rst-stream']);
    a.destroy();
    b.destroy();
  } finally {
    await run.close();
  }
});
