import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { main } from '../src/cli/main.js';
import type { LabReport } from '../src/lab/verdict.js';
import { scenarioNames } from '../src/lab/scenarios.js';

// The main job, end to end: `h2doctor lab --quick --json` stands up the whole system on
// loopback, runs all seven scenarios and must meet the targets on this machine.
test('h2doctor lab --quick: every scenario reports, every target is met', { timeout: 120_000 }, async () => {
  const stdout = new PassThrough(), stderr = new PassThrough();
  let out = '', err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const t0 = Date.now();
  const code = await main(['lab', '--quick', '--json'], { stdout, stderr, isTTY: false, env: {} });
  const wallMs = Date.now() - t0;
  const report = JSON.parse(out) as LabReport;

  assert.deepEqual(report.scenarios.map((s) => s.name), [...scenarioNames]);
  for (const s of report.scenarios) {
    for (const key of ['rps', 'requests', 'failedRequests', 'connectionsOpened', 'reuseRate', 'pushesPerResponse', 'pushedBytes'] as const) {
      assert.equal(typeof s[key], 'number', `${s.name}.${key}`);
    }
    assert.ok(s.latency.p50 > 0 && s.latency.p99 >= s.latency.p50 && s.latency.p999 >= s.latency.p99, `${s.name} latency ordered`);
    assert.ok(s.requests > 0, `${s.name} ran requests`);
    assert.ok(Array.isArray(s.findings), `${s.name} findings`);
    assert.ok(s.mechanism.length > 20, `${s.name} mechanism sentence`);
  }
  const by = Object.fromEntries(report.scenarios.map((s) => [s.name, s]));
  // Evidence comes from mechanisms: pushes really crossed the link, connections really opened.
  assert.ok(by['push-abuse']!.pushedBytes > 0 && by['push-abuse']!.pushesPerResponse >= 1);
  assert.equal(by['fixed']!.pushedBytes, 0);
  assert.ok(by['fixed']!.evidence.pushesRefused > 0, 'the push guard refused the handler\'s pushes');
  assert.ok(by['no-reuse']!.connectionsOpened >= by['no-reuse']!.requests * 0.95);
  assert.ok((by['inventory-spike']!.evidence.faultsApplied['latency'] ?? 0) > 0, 'spikes were injected');
  // The protected scenario reports its breaker, fallbacks and hedges (live stock is a target below).
  const prot = by['inventory-spike-protected']!;
  assert.ok(prot.breakerOpens !== undefined && prot.fallbacks !== undefined && prot.hedges !== undefined && prot.hedgesWon !== undefined);
  assert.ok(by['zone-failover']!.rescued !== undefined);
  assert.ok(by['push-abuse']!.findings.some((f) => f.id === 'push-on-api'));

  for (const t of report.targets) assert.ok(t.met, `target missed: ${t.target} — measured ${t.measured}`);
  assert.equal(code, 0, err);
  assert.ok(wallMs < 60_000, `quick lab took ${wallMs} ms`);
});
