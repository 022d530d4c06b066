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
    timeline: [], findings: [], mechanism: 'because', wallMs: 1, ...over,
  };
}

const clients = (abandonedPing: number) => ({
  pushesPerRequest: 3, pushedBytes: 1, windowBytes: 16 << 20, pushedBytesUncredited: 1, windowUpdates: 0, zeroWindowMs: 0,
  pingIntervalMs: 500, pingsSent: 10, pingsAnswered: 5, pingRttMeanMs: 300, pingRttMaxMs: 450, timeouts: 0,
  abandoned: { ping: abandonedPing, timeout: 0, window: 0 }, retried: 5, tlsHandshakes: 50,
});
const warn = (id: string) => ({ id, severity: 'warn' as const, title: 't' });

test('targets: ratios and thresholds as the issue states them', () => {
  const good = evaluateTargets([
    row('healthy', { latency: { p50: 10, p99: 100, p999: 100 } }),
    row('push-abuse', { latency: { p50: 900, p99: 1200, p999: 1300 }, reuseRate: 0.6, clients: clients(5), findings: [warn('push-on-api'), warn('push-starves-window')] }),
    row('fixed', { latency: { p50: 10, p99: 150, p999: 150 } }),
    row('inventory-spike', { latency: { p50: 10, p99: 4000, p999: 4000 } }),
    row('inventory-spike-protected', { latency: { p50: 10, p99: 150, p999: 1000 }, fallbacks: 2 }),
    row('zone-failover', { failoverMs: 800, failedRequests: 0 }),
  ]);
  assert.equal(good.length, 12);
  assert.ok(good.every((t) => t.met), JSON.stringify(good.filter((t) => !t.met)));

  const bad = evaluateTargets([
    row('healthy', { latency: { p50: 10, p99: 100, p999: 100 } }),
    // P99 over 1 s but under 8 × fixed; 4 abandoned for 100 requests is 1 per 25.
    row('push-abuse', { latency: { p50: 50, p99: 1100, p999: 1100 }, reuseRate: 0.61, clients: clients(4), findings: [warn('push-on-api')] }),
    row('fixed', { latency: { p50: 10, p99: 151, p999: 151 }, reuseRate: 0.979, findings: [warn('stream-resets')] }),
    row('inventory-spike-protected', { latency: { p50: 10, p99: 201, p999: 1000 }, fallbacks: 3 }),
    row('zone-failover', { failedRequests: 1 }),
  ]);
  const missed = bad.filter((t) => !t.met).map((t) => t.target);
  assert.deepEqual(missed, [
    'P99(push-abuse) ≥ 1 s and ≥ 8 × P99(fixed)',
    'reuse(push-abuse) ≤ 0.6',
    'push-abuse: connections abandoned by clients ≥ 1 per 20 requests',
    'reuse(fixed) ≥ 0.98',
    'P99(fixed) ≤ 1.5 × P99(healthy)',
    'inventory-spike-protected: fallbacks ≤ 2 % (≥ 98 % live stock)',
    'inventory-spike-protected: P99 ≤ 200 ms',
    'zone-failover: failoverMs ≤ 1000',
    'zone-failover: failedRequests = 0',
    'probe of push-abuse names push-on-api and push-starves-window',
    'probe of fixed finds no warn or error',
  ]);
});

test('targets whose scenarios did not run are left out', () => {
  assert.deepEqual(evaluateTargets([row('healthy')]), []);
});

test('the HTML report is self-contained: no scripts, no external resources, every scenario charted', () => {
  const report = { quick: true, seed: 1, wallMs: 1000, scenarios: [row('healthy'), row('push-abuse', { name: 'push-abuse', mechanism: '<b>x</b>', timeline: [{ id: 1, openedMs: 0, closedMs: 500, requests: 2, closedBy: 'client', why: 'no PING ACK within 500 ms' }, { id: 2, openedMs: 510, closedMs: 900, requests: 0, closedBy: 'end', why: 'end of run' }] })], targets: [] };
  const html = renderLabHtml(report);
  assert.doesNotMatch(html, /<script|<link|src=|https?:\/\//i);
  assert.match(html, /<svg[^>]+latency percentile curves/);
  // One bar per connection, the reason in its tooltip.
  const timeline = html.slice(html.indexOf('aria-label="connection timeline push-abuse"'));
  assert.equal(timeline.slice(0, timeline.indexOf('</svg>')).match(/<rect class="bar"/g)?.length, 2);
  assert.ok(html.includes('abandoned by the client: no PING ACK within 500 ms'));
  assert.ok(html.includes('&lt;b&gt;x&lt;/b&gt;'), 'text is escaped');
  for (const name of ['healthy', 'push-abuse']) assert.ok(html.includes(name));
  const text = renderLabText(report);
  assert.match(text, /^healthy\s+100\s+10\.0 ms\s+20\.0 ms/m);
  assert.doesNotMatch(text, /\x1b\[/);
});
