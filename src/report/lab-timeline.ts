import type { ScenarioReport } from '../lab/verdict.js';
import type { TimelineBar } from '../lab/push-chain.js';
import { formatMs } from '../units.js';

/**
 * Connection timelines for the lab's HTML report: one SVG per scenario, one horizontal bar per
 * client connection from when it opened to when it closed, coloured by who closed it, with the
 * requests it carried and the reason in a tooltip (`<title>`, so no script is needed).
 * `push-abuse` and `fixed` come first, side by side: the churn shows at a glance.
 */

const colours: Record<TimelineBar['closedBy'], string> = { client: '#d62728', server: '#ff7f0e', end: '#1f77b4' };
const labels: Record<TimelineBar['closedBy'], string> = { client: 'abandoned by the client', server: 'closed by the server', end: 'open until the end of the run' };

export function timelineSection(rows: readonly ScenarioReport[]): string {
  const withBars = rows.filter((r) => r.timeline.length > 0);
  if (withBars.length === 0) return '';
  const first = ['push-abuse', 'fixed'];
  const ordered = [...withBars.filter((r) => first.includes(r.name)).sort((a, b) => first.indexOf(a.name) - first.indexOf(b.name)), ...withBars.filter((r) => !first.includes(r.name))];
  const legend = (Object.keys(colours) as TimelineBar['closedBy'][])
    .map((k) => `<span><i class="sw" style="background:${colours[k]}"></i>${labels[k]}</span>`).join('');
  return `<h2>Connections over time</h2>
<p class="legend">${legend}<span>bar opacity: requests carried (hover a bar for details)</span></p>
<div class="timelines">${ordered.map(timelineChart).join('')}</div>`;
}

/** One scenario's connections as bars; time in seconds from the start of its load. */
export function timelineChart(r: ScenarioReport): string {
  const bars = r.timeline;
  const w = 520, left = 8, right = 8, top = 12, bottom = 30;
  const rowH = Math.max(1.2, Math.min(12, 300 / bars.length));
  const h = top + bars.length * rowH + bottom;
  const end = Math.max(1, ...bars.map((b) => b.closedMs));
  const x = (ms: number) => left + (ms / end) * (w - left - right);
  const maxReq = Math.max(1, ...bars.map((b) => b.requests));
  const rects = bars.map((b, i) => {
    const x0 = x(b.openedMs), x1 = Math.max(x0 + 1.5, x(b.closedMs));
    const opacity = (0.35 + 0.65 * (b.requests / maxReq)).toFixed(2);
    const tip = `connection ${b.id}: opened ${formatMs(b.openedMs)}, closed ${formatMs(b.closedMs)} (${labels[b.closedBy]}: ${b.why}), ${b.requests} requests`;
    return `<rect class="bar" x="${x0.toFixed(1)}" y="${(top + i * rowH).toFixed(1)}" width="${(x1 - x0).toFixed(1)}" height="${Math.max(1, rowH - 0.6).toFixed(1)}" fill="${colours[b.closedBy]}" fill-opacity="${opacity}"><title>${esc(tip)}</title></rect>`;
  });
  const ticks: string[] = [];
  const step = niceStep(end / 5);
  for (let t = 0; t <= end + 1e-9; t += step) {
    ticks.push(`<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${top - 4}" y2="${h - bottom}" stroke="#e3e7eb"/><text x="${x(t).toFixed(1)}" y="${h - bottom + 16}" text-anchor="middle">${(t / 1000).toFixed(step < 1000 ? 1 : 0)} s</text>`);
  }
  const byClient = bars.filter((b) => b.closedBy === 'client').length, byServer = bars.filter((b) => b.closedBy === 'server').length;
  const summary = `${bars.length} connections, ${byClient} abandoned by clients, ${byServer} closed by the server; ${r.requests} requests, reuse ${(r.reuseRate * 100).toFixed(1)} %`;
  return `<figure class="timeline"><figcaption><b>${esc(r.name)}</b>: ${esc(summary)}</figcaption>` +
    `<svg viewBox="0 0 ${w} ${h.toFixed(0)}" role="img" aria-label="connection timeline ${esc(r.name)}" data-scenario="${esc(r.name)}">${ticks.join('')}${rects.join('')}</svg></figure>`;
}

/** 1, 2 or 5 × a power of ten, ms. */
function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-3)));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
