import type { BenchResult } from '../bench/result.js';
import type { LatencySummary } from '../stats/log-linear-histogram.js';
import { plainStyle, type Style } from './style.js';
import { renderTable } from './table.js';
import { formatBytes, formatMs, formatNumber, formatPercent } from '../units.js';
import { renderBenchExtras, renderThresholds } from './bench-text-extras.js';

/** Text report of a bench run: h2load's essentials first, then what explains the tail. */
export function renderBenchText(r: BenchResult, st: Style = plainStyle, options: { connectionRows?: number } = {}): string {
  const s = r.settings;
  const out: string[] = [];
  const load = s.stages ? `open loop in ${s.stages.length} stages (${s.stages.map((x) => `${formatMs(x.durationMs)}→${x.target}`).join(', ')} req/s)` : s.rate !== null ? `open loop at ${s.rate} req/s` : s.durationMs !== null ? `closed loop for ${formatMs(s.durationMs)}` : `closed loop, ${s.requests} requests`;
  out.push(st.bold(`h2doctor bench ${r.grpc ? `--grpc ${r.grpc.call} ` : ''}${r.url}`) + ` — ${s.connections} connections × ${s.streams} streams, ${s.workers} worker${s.workers > 1 ? 's' : ''}, ${load}${s.warmupMs ? `, warmup ${formatMs(s.warmupMs)}` : ''}`);
  if (r.partial) out.push(st.yellow(`partial results: the run stopped early${r.error ? ` (${r.error.message})` : ''}`));
  out.push(`finished in ${formatMs(r.durationMs)}, ${formatNumber(r.rps)} req/s, ${formatBytes(r.bytes.in)} in, ${formatBytes(r.bytes.out)} out`);
  const q = r.requests;
  const failedParts = [...(r.grpc ? [`${q.grpcErrors} grpc errors`] : []), `${q.httpErrors} http errors`, `${q.reset} reset`, `${q.errored} errored`, `${q.timeout} timeout`].join(', ');
  out.push(`requests: ${q.total} total, ${q.succeeded} succeeded, ${q.failed ? st.red(`${q.failed} failed`) : '0 failed'} (${failedParts})${q.retried ? `, ${q.retried} retried after GOAWAY` : ''}`);
  const codes = Object.entries(r.status).map(([k, v]) => `${k} ×${v}`);
  out.push(`status codes: ${codes.length ? codes.join(', ') : 'none'}`);
  if (r.grpc) {
    const calls = Object.entries(r.grpc.statusCounts).map(([name, n]) => (name === 'OK' ? `OK ×${n}` : st.red(`${name} ×${n}`)));
    out.push(`grpc-status: ${calls.length ? calls.join(', ') : 'none'}`);
  }
  out.push('');

  const corrected = s.rate !== null || s.stages !== null;
  const rows: [string, LatencySummary][] = [
    [corrected ? 'total (from intended send)' : 'total', r.latency.total],
    ['ttfb', r.latency.ttfb],
    ['queue (wait for a stream)', r.latency.queue],
    [corrected ? 'uncorrected (from send)' : 'service (from send)', r.latency.uncorrected],
  ];
  if (r.latency.failed.count > 0) rows.push([st.red('failed only'), r.latency.failed]);
  out.push(renderTable(
    ['latency', 'count', 'min', 'p50', 'p90', 'p99', 'p99.9', 'p99.99', 'max', 'mean'],
    rows.map(([name, l]) => [name, String(l.count), ...[l.min, l.p50, l.p90, l.p99, l.p999, l.p9999, l.max, l.mean].map((v) => (l.count ? formatMs(v) : '-'))]),
  ));

  const c = r.connections;
  out.push(`connections: ${c.opened} opened, ${c.reconnects} reconnects, reuse ${formatPercent(c.reuseRate, 2)}, ${formatNumber(c.requestsPerConnection)} requests/connection; connect p50 ${formatMs(c.connectMs.p50)} max ${formatMs(c.connectMs.max)}${c.tlsMs.count ? `; TLS p50 ${formatMs(c.tlsMs.p50)} max ${formatMs(c.tlsMs.max)}` : ''}`);
  const resets = Object.entries(r.resets.byCode).map(([k, v]) => `${k} ×${v}`);
  out.push(`RST_STREAM received: ${resets.length ? st.yellow(resets.join(', ')) : 'none'}; sent: ${r.resets.sent}`);
  out.push(`GOAWAY: ${r.goaways.length ? st.yellow(goawaySummary(r)) : 'none'}`);
  const p = r.push;
  out.push(`push (${s.push}): ${p.promises} promises, ${p.completed} completed, ${p.cancelled} cancelled, ${formatBytes(p.bytes)}, ${p.perResponse.toFixed(2)} per response`);
  out.push('');

  if (r.slowest.length) {
    out.push(st.bold('slowest requests'));
    out.push(renderTable(
      ['conn', 'stream', 'outcome', 'status', ...(r.grpc ? ['grpc-status'] : []), 'at', 'queue', 'ttfb', 'body', 'total'],
      r.slowest.map((x) => [String(x.connectionId), String(x.streamId), x.outcome === 'ok' ? 'ok' : st.red(x.outcome), x.status ? String(x.status) : '-',
        ...(r.grpc ? [x.grpcStatus === 'OK' || x.grpcStatus === undefined ? (x.grpcStatus ?? '-') : st.red(x.grpcStatus)] : []), formatMs(x.atMs), formatMs(x.queueMs), x.ttfbMs < 0 ? '-' : formatMs(x.ttfbMs), x.bodyMs < 0 ? '-' : formatMs(x.bodyMs), formatMs(x.totalMs)]),
    ));
  }
  const limit = options.connectionRows ?? 10;
  if (r.perConnection.length) {
    out.push(st.bold(`per connection (worst ${Math.min(limit, r.perConnection.length)} of ${c.opened} by p99)`));
    out.push(renderTable(
      ['conn', 'requests', 'failures', 'resets', 'p50', 'p99', 'max', 'connect', 'tls', 'goaway', 'closed'],
      r.perConnection.slice(0, limit).map((k) => [String(k.id), String(k.requests), String(k.failures), String(k.resets), formatMs(k.p50), formatMs(k.p99), formatMs(k.max), formatMs(k.connectMs), k.tlsMs ? formatMs(k.tlsMs) : '-', k.goaway ?? '-', k.closeReason.slice(0, 40) || 'open']),
    ));
  }
  out.push(...renderBenchExtras(r, st));
  if (r.intervals.length) {
    const planned = r.intervals.some((i) => i.targetRps != null);
    out.push(st.bold('intervals'));
    out.push(renderTable(
      ['start', 'requests', 'req/s', ...(planned ? ['target req/s'] : []), 'failures', 'p50', 'p99', 'max'],
      r.intervals.map((i) => [formatMs(i.startMs), String(i.requests), formatNumber(i.rps), ...(planned ? [i.targetRps != null ? formatNumber(i.targetRps) : '-'] : []), String(i.failures), formatMs(i.p50), formatMs(i.p99), formatMs(i.max)]),
    ));
  }
  const sc = r.selfCheck;
  out.push(`self-check: event-loop delay p99 ${formatMs(sc.loopDelayMs.p99)}, max ${formatMs(sc.loopDelayMs.max)}${sc.scheduleLagMs ? `; schedule lag p99 ${formatMs(sc.scheduleLagMs.p99)}, max ${formatMs(sc.scheduleLagMs.max)}` : ''}; CPU ${sc.cpuPerRequestUs.toFixed(2)} µs/request, ${(sc.cpuShare * 100).toFixed(0)} % of ${s.workers > 1 ? `${s.workers} threads` : 'a core'}`);
  for (const w of r.warnings) out.push(warn(st, w));
  out.push(...renderThresholds(r, st));
  return out.join('\n') + '\n';
}

function goawaySummary(r: BenchResult): string {
  const byCode = new Map<string, number>();
  for (const g of r.goaways) byCode.set(g.codeName, (byCode.get(g.codeName) ?? 0) + 1);
  const last = r.goaways[r.goaways.length - 1]!;
  return `${r.goaways.length} (${[...byCode].map(([k, v]) => `${k} ×${v}`).join(', ')}); last on conn ${last.connectionId} with last-stream-id ${last.lastStreamId} at ${formatMs(last.atMs)}${last.debug ? ` "${last.debug.slice(0, 60)}"` : ''}`;
}

function warn(st: Style, text: string): string {
  return st.yellow(`warning: ${text}`);
}
