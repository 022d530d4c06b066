import type { LabReport } from '../lab/verdict.js';
import { plainStyle, type Style } from './style.js';
import { renderTable } from './table.js';
import { formatBytes, formatMs, formatPercent } from '../units.js';

/**
 * The lab's terminal report: one table comparing the scenarios, then a verdict line each
 * (the mechanism, from the measured numbers), then the targets with ✔/✘.
 */
export function renderLabText(report: LabReport, s: Style = plainStyle): string {
  const rows = report.scenarios.map((r) => [
    r.name,
    r.rps.toFixed(0),
    formatMs(r.latency.p50),
    formatMs(r.latency.p99),
    formatMs(r.latency.p999),
    `${r.failedRequests}/${r.requests}`,
    String(r.connectionsOpened),
    formatPercent(r.reuseRate),
    r.pushesPerResponse.toFixed(1),
    formatBytes(r.pushedBytes),
    r.findings.filter((f) => f.severity !== 'info').map((f) => f.id).join(',') || '-',
  ]);
  const out: string[] = [];
  out.push(s.bold(`h2doctor lab${report.quick ? ' (quick)' : ''}: the incident, reproduced on this machine`));
  out.push('');
  out.push(renderTable(['scenario', 'req/s', 'p50', 'p99', 'p99.9', 'failed', 'conns', 'reuse', 'push/resp', 'pushed', 'probe findings'], rows));
  for (const r of report.scenarios) {
    const extra = [
      r.breakerOpens !== undefined ? `breaker opens ${r.breakerOpens}` : '',
      r.fallbacks !== undefined ? `fallbacks ${r.fallbacks}` : '',
      r.failoverMs !== undefined ? `failover ${formatMs(r.failoverMs)}` : '',
    ].filter(Boolean).join(', ');
    out.push(`${s.bold(r.name.padEnd(26))} ${r.mechanism}${extra ? s.dim(` (${extra})`) : ''}`);
  }
  if (report.targets.length) {
    out.push('');
    out.push(s.bold('Targets'));
    for (const t of report.targets) {
      const mark = t.met ? s.green('✔') : s.red('✘');
      out.push(`  ${mark} ${t.target}: ${t.measured}`);
    }
  }
  out.push('');
  out.push(s.dim(`${report.scenarios.length} scenarios in ${(report.wallMs / 1000).toFixed(1)} s, seed ${report.seed}`));
  return out.join('\n') + '\n';
}
