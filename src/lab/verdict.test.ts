import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateTargets, type ScenarioReport } from './verdict.js';
import { renderLabHtml } from '../report/lab-html.js';
import { renderLabText } from '../report/lab-text.js';
import type { ScenarioName } from './scenarios.js';

function row(name: ScenarioName, over: Partial<ScenarioReport> = {}): ScenarioReport {
  return {
    name, title: name, rps: 100, latency: { p50: 10, p99: 20, p999: 30 },
    latencyCurve: [[0, 1], [50, 10], [99, 20], [99.9, 30], [100, 30]],
    requests: 100, failedRequests: 0, connectionsOpened: 2, reuseRate: 0.98, pushesPerResponse: 0, pushedBytes: 0,
    evidence: { orderConnections: 2, pushAttempts: 0, pushesRefused: 0, resets: {}, faultsApplied: {}, wanBytesDown: 0 },
    findings: [], mechanism: 'because', wallMs: 1, ...over,
  };
}

test('targets: ratios and thresholds as the issue states them', () => {
  const good = evaluateTargets([
    row('push-abuse', { latency: { p50: 50, p99: 300, p999: 300 }, findings: [{ id: 'push-on-api', severity: 'warn', title: 't' }] }),
    row('no-reuse', { reuseRate: 0.01 }),
    row('fixed', { latency: { p50: 10, p99: 100, p999: 100 } }),
    row('inventory-spike', { latency: { p50: 10, p99: 4000, p999: 4000 } }),
    row('inventory-spike-protected', { latency: { p50: 10, p99: 150, p999: 1000 }, fallbacks: 2 }),
    row('zone-failover', { failoverMs: 800, failedRequests: 0 }),
  ]);
  assert.equal(good.length, 10);
  assert.ok(good.every((t) => t.met), JSON.stringify(good.filter((t) => !t.met)));

  const bad = evaluateTargets([
    row('push-abuse', { latency: { p50: 50, p99: 299, p999: 299 } }),
    row('fixed', { latency: { p50: 10, p99: 100, p999: 100 }, reuseRate: 0.9, findings: [{ id: 'stream-resets', severity: 'warn', title: 't' }] }),
    row('inventory-spike-protected', { latency: { p50: 10, p99: 201, p999: 1000 }, fallbacks: 3 }),
    row('zone-failover', { failedRequests: 1 }),
  ]);
  const missed = bad.filter((t) => !t.met).map((t) => t.target);
  assert.deepEqual(missed, [
    'P99(push-abuse) ≥ 3 × P99(fixed)',
    'reuseRate(fixed) ≥ 0.95',
    'inventory-spike-protected: fallbacks ≤ 2 % (≥ 98 % live stock)',
    'inventory-spike-protected: P99 ≤ 200 ms',
    'zone-failover: failoverMs ≤ 1000',
    'zone-failover: failedRequests = 0',
    'probe of push-abuse finds push-on-api',
    'probe of fixed finds no warn or error',
  ]);
});

test('targets whose scenarios did not run are left out', () => {
  assert.deepEqual(evaluateTargets([row('healthy')]), []);
});

test('the HTML report is self-contained: no scripts, no external resources, every scenario charted', () => {
  const report = { quick: true, seed: 1, wallMs: 1000, scenarios: [row('healthy'), row('push-abuse', { name: 'push-abuse', mechanism: '<b>x</b>' })], targets: [] };
  const html = renderLabHtml(report);
  assert.doesNotMatch(html, /<script|<link|src=|https?:\/\//i);
  assert.match(html, /<svg[^>]+latency percentile curves/);
  assert.ok(html.includes('&lt;b&gt;x&lt;/b&gt;'), 'text is escaped');
  for (const name of ['healthy', 'push-abuse']) assert.ok(html.includes(name));
  const text = renderLabText(report);
  assert.match(text, /^healthy\s+100\s+10\.0 ms\s+20\.0 ms/m);
  assert.doesNotMatch(text, /\x1b\[/);
});
