import type { ConsistencyCounts } from './consistency/run-consistency.js';
import { consistencyTargets } from './consistency/report.js';
import type { Finding } from '../diagnose/finding.js';
import { formatBytes, formatMs, formatPercent } from '../units.js';
import type { ScenarioMeasurement } from './run-scenario.js';
import { labConstants, type ScenarioName } from './scenarios.js';
import { clientEvidence, connectionTimeline, pushChainSentence, type ClientEvidence, type TimelineBar } from './push-chain.js';
import { keepaliveSentence, type KeepaliveEvidence } from './keepalive/evidence.js';
import { keepaliveTargets } from './keepalive/targets.js';

/**
 * Pure: a scenario's measurement → the report row (the `--json` shape, docs/json.md), with a
 * sentence naming the mechanism, written from the measured numbers only.
 */
export interface ScenarioReport {
  name: ScenarioName;
  title: string;
  rps: number;
  /** As the clients saw it, ms. */
  latency: { p50: number; p99: number; p999: number };
  /** Latency percentile curve, [percentile, ms], for charts. */
  latencyCurve: [number, number][];
  requests: number;
  failedRequests: number;
  connectionsOpened: number;
  reuseRate: number;
  pushesPerResponse: number;
  pushedBytes: number;
  breakerOpens?: number;
  fallbacks?: number;
  failoverMs?: number;
  /** Hedged inventory calls sent and won, and calls rescued from a dark zone (protected and failover scenarios). */
  hedges?: number;
  hedgesWon?: number;
  rescued?: number;
  /** The evidence next to the latency. */
  evidence: {
    /** TLS connections the order service accepted (each one a full handshake for a new client connection). */
    orderConnections: number;
    /** Pushes the handler attempted and the push guard refused. */
    pushAttempts: number;
    pushesRefused: number;
    /** Client-side resets by code, from the load generator. */
    resets: Record<string, number>;
    /** Faults applied by the chaos proxies, by kind. */
    faultsApplied: Record<string, number>;
    /** Bytes that crossed the bandwidth-limited WAN toward the clients. */
    wanBytesDown: number;
    /** Keep-alive scenarios: GOAWAY ENHANCE_YOUR_CALM "too_many_pings" the gRPC inventory sent during the load. */
    tooManyPingsGoaways?: number;
    /** Breaker settings derived from healthy (protected scenario). */
    breakerTuning?: { slowCallMs: number; minimumCalls: number; deadlineMs: number; reasons: string[]; hedgeDelayMs?: number };
  };
  /** Client-side links of the push chain (scenarios run with OkHttp clients). */
  clients?: ClientEvidence;
  /** Keep-alive scenarios: order → inventory over gRPC, PINGs to P99 (src/lab/keepalive/evidence.ts). */
  keepalive?: KeepaliveEvidence;
  /** Every client connection: opened, closed, requests carried, who closed it and why. */
  timeline: TimelineBar[];
  findings: Pick<Finding, 'id' | 'severity' | 'title'>[];
  mechanism: string;
  wallMs: number;
  /** Consistency scenarios only (dual-write, wal-reconciled): the SQL comparison of the two databases. */
  consistency?: ConsistencyCounts;
}

export interface TargetCheck {
  /** What is checked, in words with the numbers. */
  target: string;
  met: boolean;
  /** The measured value(s). */
  measured: string;
}

export interface LabReport {
  quick: boolean;
  seed: number;
  wallMs: number;
  scenarios: ScenarioReport[];
  targets: TargetCheck[];
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

export function scenarioReport(m: ScenarioMeasurement): ScenarioReport {
  const b = m.bench;
  const report: ScenarioReport = {
    name: m.spec.name,
    title: m.spec.title,
    rps: round(b.rps, 1),
    latency: { p50: round(b.latency.total.p50), p99: round(b.latency.total.p99), p999: round(b.latency.total.p999) },
    latencyCurve: m.curve.map(([p, ms]) => [p, round(ms)]),
    requests: b.requests.total,
    failedRequests: b.requests.failed,
    connectionsOpened: b.connections.opened,
    reuseRate: round(b.connections.reuseRate, 4),
    pushesPerResponse: round(b.push.perResponse, 2),
    // Pushes the clients cancelled still arrive: the server sent them before the RST_STREAM reached it.
    pushedBytes: b.push.bytes + m.counters.pushBytesAfterCancel,
    evidence: {
      orderConnections: m.order.connections,
      pushAttempts: m.order.pushAttempts,
      pushesRefused: m.order.pushesRefused,
      resets: b.resets.byCode,
      faultsApplied: m.faultsApplied,
      wanBytesDown: m.wanBytesDown,
      ...(m.breakerTuning ? { breakerTuning: m.breakerTuning } : {}),
      ...(m.keepalive ? { tooManyPingsGoaways: m.keepalive.tooManyPingsGoaways } : {}),
    },
    timeline: connectionTimeline(m.connections, m.client.loadMs),
    findings: m.findings.map((f) => ({ id: f.id, severity: f.severity, title: f.title })),
    mechanism: '',
    wallMs: Math.round(m.wallMs),
  };
  if (m.spec.clients === 'okhttp') {
    report.clients = clientEvidence({
      counters: m.counters, connections: m.connections, requests: b.requests.total, orderConnections: m.order.connections,
      windowBytes: m.client.windowBytes, pingIntervalMs: m.client.pingIntervalMs,
    });
  }
  if (m.keepalive) report.keepalive = m.keepalive;
  if (m.breakerOpens !== undefined) report.breakerOpens = m.breakerOpens;
  if (m.fallbacks !== undefined) report.fallbacks = m.fallbacks;
  if (m.failoverMs !== undefined) report.failoverMs = round(m.failoverMs, 1);
  if (m.hedges !== undefined) report.hedges = m.hedges;
  if (m.hedgesWon !== undefined) report.hedgesWon = m.hedgesWon;
  if (m.rescued !== undefined) report.rescued = m.rescued;
  report.mechanism = mechanism(report, m);
  return report;
}

const pct = (part: number, whole: number) => `${((part / Math.max(whole, 1)) * 100).toFixed(1)} %`;

/** One sentence naming what drove the numbers, built from what was measured. */
function mechanism(r: ScenarioReport, m: ScenarioMeasurement): string {
  const p99 = formatMs(r.latency.p99);
  switch (r.name) {
    case 'dual-write':
    case 'wal-reconciled':
      return ''; // built by src/lab/consistency/report.ts
    case 'healthy':
      return `${r.requests} requests over ${r.connectionsOpened} reused connections (reuse ${formatPercent(r.reuseRate)}), no push: P99 ${p99} is the service itself.`;
    case 'push-abuse':
      return r.clients
        ? pushChainSentence(r.clients, r.reuseRate, r.latency.p99, r.requests)
        : `Every response dragged ${r.pushesPerResponse.toFixed(1)} pushed assets (${formatBytes(r.pushedBytes)} in all) through the ${labConstants.wanBandwidth} link ahead of the answers, so P99 rose to ${p99}.`;
    case 'fixed': {
      const abandoned = r.clients ? r.clients.abandoned.ping + r.clients.abandoned.timeout + r.clients.abandoned.window : 0;
      return `Same clients; the handler still tried ${r.evidence.pushAttempts} pushes and the push guard refused ${r.evidence.pushesRefused}, so nothing queued on the link: ${abandoned} connections abandoned, ${r.connectionsOpened} connections carried ${r.requests} requests (reuse ${(r.reuseRate * 100).toFixed(1)} %), P99 back to ${p99}.`;
    }
    case 'inventory-spike': {
      const spikes = r.evidence.faultsApplied['latency'] ?? 0;
      return `${spikes} order→inventory connections drew the ${labConstants.spikeMs} ms spike and the naive client waited for every one in full: P99 ${p99}.`;
    }
    case 'inventory-spike-protected': {
      const t = r.evidence.breakerTuning;
      const live = r.requests - (r.fallbacks ?? 0);
      return `Same spikes; calls with no answer after ${t?.hedgeDelayMs !== undefined ? `${t.hedgeDelayMs} ms` : 'the hedge delay'} were copied to another connection: ${r.hedges ?? 0} hedges sent, ${r.hedgesWon ?? 0} answered first; ${live} of ${r.requests} orders (${pct(live, r.requests)}) got live stock, ${r.fallbacks ?? 0} the fallback, the breaker opened ${r.breakerOpens ?? 0}×, and P99 stayed at ${p99}.`;
    }
    case 'keepalive-aligned':
    case 'keepalive-storm':
      return r.keepalive ? keepaliveSentence(r.keepalive, r.latency.p99) : '';
    case 'zone-failover':
      return m.failoverMs === undefined
        ? `Zone a was frozen mid-run but the client never switched priority level; ${r.failedRequests} requests failed.`
        : `Zone a froze mid-run (SIGSTOP: connections open, nothing answering); per-try timeouts, health checks and in-flight rescue (${r.rescued ?? 0} calls re-sent at once) moved traffic to zone b in ${formatMs(m.failoverMs)} with ${r.failedRequests} failed requests.`;
  }
}

/** The issue's targets, checked against the scenarios that ran; a target whose scenarios did not run is left out. */
export function evaluateTargets(reports: ScenarioReport[]): TargetCheck[] {
  const by = new Map(reports.map((r) => [r.name, r]));
  const checks: TargetCheck[] = [];
  const push = by.get('push-abuse'), fixed = by.get('fixed');
  const spike = by.get('inventory-spike'), prot = by.get('inventory-spike-protected'), fo = by.get('zone-failover');
  checks.push(...pushTargets(by.get('push-abuse'), fixed, by.get('healthy')));
  if (spike && prot) {
    const ratio = prot.latency.p99 / Math.max(spike.latency.p99, 1e-9);
    checks.push({ target: 'P99(inventory-spike-protected) ≤ 0.25 × P99(inventory-spike)', met: ratio <= 0.25, measured: `${formatMs(prot.latency.p99)} vs ${formatMs(spike.latency.p99)} (${ratio.toFixed(3)}×)` });
  }
  if (prot) {
    const fallbackShare = (prot.fallbacks ?? 0) / Math.max(prot.requests, 1);
    checks.push({ target: 'inventory-spike-protected: fallbacks ≤ 2 % (≥ 98 % live stock)', met: fallbackShare <= 0.02, measured: `${prot.fallbacks ?? 0} of ${prot.requests} (${pct(prot.fallbacks ?? 0, prot.requests)})` });
    checks.push({ target: 'inventory-spike-protected: P99 ≤ 200 ms', met: prot.latency.p99 <= 200, measured: formatMs(prot.latency.p99) });
  }
  if (fo) {
    checks.push({ target: 'zone-failover: failoverMs ≤ 1000', met: fo.failoverMs !== undefined && fo.failoverMs <= 1000, measured: fo.failoverMs === undefined ? 'no failover seen' : `${fo.failoverMs} ms` });
    checks.push({ target: 'zone-failover: failedRequests = 0', met: fo.failedRequests === 0, measured: String(fo.failedRequests) });
  }
  if (push) {
    const ids = push.findings.map((f) => f.id);
    const has = ['push-on-api', 'push-starves-window'].every((id) => ids.includes(id));
    checks.push({ target: 'probe of push-abuse names push-on-api and push-starves-window', met: has, measured: ids.join(', ') || 'no findings' });
  }
  if (fixed) {
    const bad = fixed.findings.filter((f) => f.severity !== 'info');
    checks.push({ target: 'probe of fixed finds no warn or error', met: bad.length === 0, measured: bad.map((f) => `${f.id} (${f.severity})`).join(', ') || 'none' });
  }
  checks.push(...keepaliveTargets(by.get('keepalive-storm'), by.get('keepalive-aligned')));
  checks.push(...consistencyTargets(reports));
  return checks;
}

/** The push chain's targets (issue #15): push-abuse slow and churning, fixed back to healthy with the same clients. */
function pushTargets(push: ScenarioReport | undefined, fixed: ScenarioReport | undefined, healthy: ScenarioReport | undefined): TargetCheck[] {
  const checks: TargetCheck[] = [];
  if (push && fixed) {
    const ratio = push.latency.p99 / Math.max(fixed.latency.p99, 1e-9);
    checks.push({
      target: 'P99(push-abuse) ≥ 1 s and ≥ 8 × P99(fixed)',
      met: push.latency.p99 >= 1000 && ratio >= 8,
      measured: `${formatMs(push.latency.p99)} vs ${formatMs(fixed.latency.p99)} (${ratio.toFixed(1)}×)`,
    });
  }
  if (push) {
    checks.push({ target: 'reuse(push-abuse) ≤ 0.6', met: push.reuseRate <= 0.6, measured: push.reuseRate.toFixed(3) });
    const c = push.clients;
    const abandoned = c ? c.abandoned.ping + c.abandoned.timeout + c.abandoned.window : 0;
    checks.push({
      target: 'push-abuse: connections abandoned by clients ≥ 1 per 20 requests',
      met: abandoned * 20 >= push.requests,
      measured: `${abandoned} for ${push.requests} requests (1 per ${(push.requests / Math.max(abandoned, 1)).toFixed(1)})`,
    });
  }
  if (fixed) checks.push({ target: 'reuse(fixed) ≥ 0.98', met: fixed.reuseRate >= 0.98, measured: fixed.reuseRate.toFixed(3) });
  if (fixed && healthy) {
    const ratio = fixed.latency.p99 / Math.max(healthy.latency.p99, 1e-9);
    checks.push({ target: 'P99(fixed) ≤ 1.5 × P99(healthy)', met: ratio <= 1.5, measured: `${formatMs(fixed.latency.p99)} vs ${formatMs(healthy.latency.p99)} (${ratio.toFixed(2)}×)` });
  }
  return checks;
}
