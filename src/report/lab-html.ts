import type { LabReport, ScenarioReport } from '../lab/verdict.js';
import { formatBytes, formatMs, formatPercent } from '../units.js';
import { timelineSection } from './lab-timeline.js';
import { chainHead, chainRows } from './lab-chain.js';
import { keepaliveHead, keepaliveRows } from './lab-keepalive.js';

/**
 * The lab's HTML report: one self-contained page (inline CSS and SVG, no scripts, no network)
 * that opens offline. Charts: latency percentile curves per scenario on an HdrHistogram-style
 * axis (the tail stretched out), connection timelines (lab-timeline.ts), and bars for reuse and
 * throughput.
 */
export function renderLabHtml(report: LabReport): string {
  const title = `h2doctor lab${report.quick ? ' (quick)' : ''}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;color:#1d232a;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem} h2{font-size:1.15rem;margin-top:2rem}
.sub{color:#5b6670;margin-top:0}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:.35rem .6rem;border-bottom:1px solid #e3e7eb;text-align:right}
.wide{overflow-x:auto}
th:first-child,td:first-child{text-align:left} th{background:#f4f6f8;font-weight:600}
.mech{color:#39424b} .ok{color:#1a7f37;font-weight:600} .bad{color:#c62828;font-weight:600}
.charts{display:grid;grid-template-columns:1fr;gap:1.5rem} .timelines{display:grid;grid-template-columns:1fr 1fr;gap:1rem} figure{margin:0} .bars{display:grid;grid-template-columns:1fr 1fr;gap:1.5rem}
svg text{font:12px system-ui,sans-serif;fill:#39424b} .legend span{display:inline-block;margin-right:1rem}
.sw{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.3rem;vertical-align:-1px}
code{background:#f4f6f8;padding:0 .25rem;border-radius:3px}
</style></head><body>
<h1>${esc(title)}</h1>
<p class="sub">The HTTP/2 incident reproduced on this machine and measured live: ${report.scenarios.length} scenarios in ${(report.wallMs / 1000).toFixed(1)} s, seed ${report.seed}.</p>
${scenarioTable(report.scenarios)}
<h2>What drove the numbers</h2>
<ul>${report.scenarios.map((r) => `<li><b>${esc(r.name)}</b>: <span class="mech">${esc(r.mechanism)}</span></li>`).join('')}</ul>
${report.targets.length ? `<h2>Targets</h2><ul>${report.targets.map((t) => `<li><span class="${t.met ? 'ok' : 'bad'}">${t.met ? '✔' : '✘'}</span> ${esc(t.target)}: ${esc(t.measured)}</li>`).join('')}</ul>` : ''}
<h2>Latency percentiles (as the clients saw them)</h2>
<div class="charts">${percentileChart(report.scenarios)}</div>
${timelineSection(report.scenarios)}
<h2>Connection reuse and throughput</h2>
<div class="bars">${barChart(report.scenarios, 'Connection reuse (%)', (r) => r.reuseRate * 100, (v) => `${v.toFixed(1)} %`)}${barChart(report.scenarios, 'Throughput (req/s)', (r) => r.rps, (v) => v.toFixed(0))}</div>
<h2>Evidence</h2>
${evidenceTable(report.scenarios)}
${chainTable(report.scenarios)}
${keepaliveTable(report.scenarios)}
</body></html>
`;
}

const palette = ['#1f77b4', '#d62728', '#ff7f0e', '#2ca02c', '#9467bd', '#17becf', '#8c564b', '#e377c2'];

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function scenarioTable(rows: ScenarioReport[]): string {
  const head = ['scenario', 'req/s', 'p50', 'p99', 'p99.9', 'failed', 'connections', 'reuse', 'pushes/resp', 'pushed', 'probe findings'];
  const body = rows.map((r) => [
    esc(r.name), r.rps.toFixed(0), formatMs(r.latency.p50), formatMs(r.latency.p99), formatMs(r.latency.p999),
    `${r.failedRequests} / ${r.requests}`, String(r.connectionsOpened), formatPercent(r.reuseRate),
    r.pushesPerResponse.toFixed(1), formatBytes(r.pushedBytes),
    esc(r.findings.map((f) => `${f.id} (${f.severity})`).join(', ') || '-'),
  ]);
  return `<div class="wide"><table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${body.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table></div>`;
}

function evidenceTable(rows: ScenarioReport[]): string {
  const head = ['scenario', 'order TLS connections', 'pushes tried / refused', 'resets by code', 'faults applied', 'WAN bytes down', 'breaker / fallbacks / failover'];
  const body = rows.map((r) => [
    esc(r.name),
    String(r.evidence.orderConnections),
    `${r.evidence.pushAttempts} / ${r.evidence.pushesRefused}`,
    esc(Object.entries(r.evidence.resets).map(([k, v]) => `${k}: ${v}`).join(', ') || '-'),
    esc(Object.entries(r.evidence.faultsApplied).map(([k, v]) => `${k}: ${v}`).join(', ') || '-'),
    formatBytes(r.evidence.wanBytesDown),
    esc([r.breakerOpens !== undefined ? `opens ${r.breakerOpens}` : '', r.fallbacks !== undefined ? `fallbacks ${r.fallbacks}` : '', r.failoverMs !== undefined ? `failover ${formatMs(r.failoverMs)}` : ''].filter(Boolean).join(', ') || '-'),
  ]);
  return `<div class="wide"><table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${body.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table></div>`;
}

function chainTable(rows: ScenarioReport[]): string {
  const body = chainRows(rows);
  if (body.length === 0) return '';
  return `<h2>The push chain, link by link (OkHttp clients)</h2><div class="wide"><table><thead><tr>${chainHead.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${body.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table></div>`;
}

function keepaliveTable(rows: ScenarioReport[]): string {
  const body = keepaliveRows(rows);
  if (body.length === 0) return '';
  return `<h2>gRPC keep-alive, order → inventory</h2><div class="wide"><table><thead><tr>${keepaliveHead.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${body.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table></div>`;
}

/**
 * Percentile curves: x = log10(1 / (1 − p)), so 90, 99, 99.9, 99.99 are evenly spaced and the
 * tail gets the room it deserves; y = latency on a log scale, because scenarios differ by
 * orders of magnitude.
 */
function percentileChart(rows: ScenarioReport[]): string {
  const w = 1000, h = 380, left = 70, right = 190, top = 15, bottom = 45;
  const xs = (p: number) => Math.log10(1 / (1 - Math.min(p, 99.99) / 100));
  const xMax = xs(99.99);
  const values = rows.flatMap((r) => r.latencyCurve.map(([, v]) => v)).filter((v) => v > 0);
  const yMin = Math.max(0.01, Math.min(...values, 1)), yMax = Math.max(...values, 1);
  const lo = Math.floor(Math.log10(yMin)), hi = Math.ceil(Math.log10(yMax));
  const px = (p: number) => left + (xs(p) / xMax) * (w - left - right);
  const py = (v: number) => top + (1 - (Math.log10(Math.max(v, yMin)) - lo) / Math.max(1, hi - lo)) * (h - top - bottom);
  const grid: string[] = [];
  for (let e = lo; e <= hi; e++) {
    const y = py(10 ** e);
    grid.push(`<line x1="${left}" x2="${w - right}" y1="${y}" y2="${y}" stroke="#e3e7eb"/><text x="${left - 8}" y="${y + 4}" text-anchor="end">${formatMs(10 ** e)}</text>`);
  }
  for (const p of [0, 50, 90, 99, 99.9, 99.99]) {
    const x = px(p);
    grid.push(`<line x1="${x}" x2="${x}" y1="${top}" y2="${h - bottom}" stroke="#e3e7eb"/><text x="${x}" y="${h - bottom + 18}" text-anchor="middle">p${p}</text>`);
  }
  const lines = rows.map((r, i) => {
    const pts = r.latencyCurve.filter(([p]) => p <= 99.99).map(([p, v]) => `${px(p).toFixed(1)},${py(v).toFixed(1)}`).join(' ');
    return `<polyline fill="none" stroke="${palette[i % palette.length]}" stroke-width="2.2" points="${pts}"/>`;
  });
  // End labels, pushed apart so curves that end close together stay readable.
  const labels = rows
    .map((r, i) => ({ name: r.name, colour: palette[i % palette.length]!, y: py(r.latencyCurve.filter(([p]) => p <= 99.99).at(-1)?.[1] ?? yMin) }))
    .sort((a, b) => a.y - b.y);
  for (let i = 1; i < labels.length; i++) labels[i]!.y = Math.max(labels[i]!.y, labels[i - 1]!.y + 14);
  lines.push(...labels.map((l) => `<text x="${w - right + 8}" y="${(l.y + 4).toFixed(1)}" fill="${l.colour}">${esc(l.name)}</text>`));
  return `<svg viewBox="0 0 ${w} ${h}" role="img" aria-label="latency percentile curves">${grid.join('')}${lines.join('')}<text x="${(left + w - right) / 2}" y="${h - 5}" text-anchor="middle">percentile</text></svg>`;
}

function barChart(rows: ScenarioReport[], label: string, value: (r: ScenarioReport) => number, fmt: (v: number) => string): string {
  const w = 520, barH = 26, gap = 8, left = 190, right = 80, top = 28;
  const h = top + rows.length * (barH + gap) + 10;
  const max = Math.max(1, ...rows.map(value));
  const bars = rows.map((r, i) => {
    const v = value(r), y = top + i * (barH + gap);
    const bw = (v / max) * (w - left - right);
    return `<text x="${left - 8}" y="${y + barH / 2 + 4}" text-anchor="end">${esc(r.name)}</text>` +
      `<rect x="${left}" y="${y}" width="${Math.max(1, bw).toFixed(1)}" height="${barH}" rx="3" fill="${palette[i % palette.length]}"/>` +
      `<text x="${left + bw + 6}" y="${y + barH / 2 + 4}">${fmt(v)}</text>`;
  });
  return `<svg viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(label)}"><text x="0" y="16" font-weight="600">${esc(label)}</text>${bars.join('')}</svg>`;
}
