import type { ScenarioReport } from '../lab/verdict.js';
import type { SlowestRequest } from '../lab/slowest-request.js';
import { h2ErrorName } from '../codec/names.js';
import { formatBytes, formatMs, formatPercent } from '../units.js';
import { renderFlameSvg } from './flame-svg.js';

/**
 * The lab HTML report's flame graphs: for each scenario that kept its slowest request
 * (push-abuse, inventory-spike), the CPU samples taken while order's slowest request was open,
 * drawn by flame-svg.ts, a sentence saying what those samples cover, and the request's frame
 * timeline beside it (HEADERS, response, DATA writes, flow-control waits, end, RST_STREAM,
 * GOAWAY), so "waiting" and "on CPU" read differently.
 */

/** Width the flame graph is drawn at: its labels are fitted at this size, so the page shows it unscaled. */
const flameWidth = 740;

/** CSS for the section (added to the page's style sheet). */
export const flameCss = `.flamebox{display:grid;grid-template-columns:minmax(0,${flameWidth}px) minmax(240px,1fr);gap:1rem;align-items:start}
.flamebox svg{max-width:100%;height:auto} .flamebox .flame text{font:11px Verdana,"DejaVu Sans",sans-serif;fill:#000}
.frames{margin:.4rem 0;padding-left:1.1rem} .frames li{margin:.1rem 0} dl.tl{display:grid;grid-template-columns:auto 1fr;gap:.15rem .6rem;margin:.4rem 0} dl.tl dt{color:#5b6670}`;

export function flameSection(rows: readonly ScenarioReport[]): string {
  const withSlowest = rows.filter((r) => r.slowestRequest !== undefined);
  if (withSlowest.length === 0) return '';
  return `<h2>Where order's slowest request spent its time</h2>
<p>In these scenarios order runs <code>instrument(server, { profile, timeline })</code> from <code>h2doctor/server</code>: V8's sampling profiler stays on, and each request slower than order's running P99 gets the CPU samples taken while it was open and its stream's frame timeline. Below, the slowest of the load (hover a frame for its samples).</p>
${withSlowest.map((r) => flameFigure(r, r.slowestRequest!)).join('\n')}`;
}

/** The folded line of V8's idle samples: `(idle) N`. */
const idleLine = /^\(idle\) \d+$/;

function flameFigure(r: ScenarioReport, s: SlowestRequest): string {
  // Idle samples are left out of the drawing (the sentence gives their share): otherwise a
  // request that waited is one wide `(idle)` bar and what the thread did run is a sliver.
  const lines = s.profile.folded.split('\n');
  const busy = lines.filter((l) => !idleLine.test(l));
  const idleSamples = lines.filter((l) => idleLine.test(l)).reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  const svg = renderFlameSvg(busy, {
    title: `flame graph ${r.name}`,
    width: flameWidth,
    subtitle: `${s.profile.samples - idleSamples} of ${s.profile.samples} samples (${s.profile.sampleIntervalUs} µs), whole thread, idle left out; width = share`,
  }).replace(/^<\?xml[^>]*\?>\s*/, '');
  return `<section class="flame-scenario" data-scenario="${esc(r.name)}"><h3>${esc(r.name)}: ${esc(s.route)}, ${formatMs(s.durationMs)} on the server</h3>
<p class="mech">${esc(coverageSentence(r, s))}</p>
<div class="flamebox"><figure class="flame">${svg}</figure>
<figure>${frameTimelineChart(r.name, s)}${timelineList(s)}${topFramesList(s)}</figure></div></section>`;
}

/** What the samples cover, and what they say, from the measured numbers. */
export function coverageSentence(r: ScenarioReport, s: SlowestRequest): string {
  const p = s.profile;
  const idleMs = p.topFrames.find((f) => f.functionName === '(idle)' && f.url === '')?.selfMs ?? 0;
  const idle = p.sampledMs > 0 ? idleMs / p.sampledMs : 0;
  const others = `${p.overlappingRequests}${p.overlapLowerBound ? '+' : ''} other request${p.overlappingRequests === 1 ? '' : 's'}`;
  const parts = [
    `The slowest of the ${s.slowRequests} requests order caught above its running P99: ${formatMs(s.durationMs)} from HEADERS in to stream closed${s.firstByteMs === undefined ? ', never answered' : `, answered at ${formatMs(s.firstByteMs)}`}.`,
    `Its ${p.samples} samples (${formatMs(p.sampledMs)}${p.complete ? '' : ', partly older than the profiler keeps'}) cover the whole thread while it was open, not only this request: ${others} overlapped it, and in the lab the same thread also runs the load clients, the chaos proxies and inventory.`,
    idle >= 0.5
      ? `The thread was idle for ${formatPercent(idle, 0)} of that time: the request waited rather than ran.`
      : `The thread was busy for ${formatPercent(1 - idle, 0)} of that time: CPU work, this request's and everything else's, stood in its way.`,
  ];
  const p99 = r.latency.p99;
  if (s.durationMs < p99 / 2) {
    parts.push(`The clients' P99 was ${formatMs(p99)}: most of their wait was outside order's streams (on the link, and in requests sent again), where a server-side profile cannot see it.`);
  } else {
    parts.push(`The clients' P99 was ${formatMs(p99)}: order held this request for most of it.`);
  }
  return parts.join(' ');
}

/** The stream on a time axis: waiting for the handler, each DATA write until it left, the end, RST_STREAM, GOAWAY. */
export function frameTimelineChart(name: string, s: SlowestRequest): string {
  const t = s.timeline;
  const w = 320, left = 10, right = 10, top = 10, rowH = 16, h = top + 3 * rowH + 34;
  if (t === undefined) return '';
  const end = Math.max(t.endMs, 0.001);
  const x = (ms: number) => left + (Math.max(0, Math.min(ms, end)) / end) * (w - left - right);
  const rect = (from: number, to: number, row: number, fill: string, tip: string) =>
    `<rect class="bar" x="${x(from).toFixed(1)}" y="${top + row * rowH}" width="${Math.max(1.5, x(to) - x(from)).toFixed(1)}" height="${rowH - 4}" fill="${fill}"><title>${esc(tip)}</title></rect>`;
  const marks: string[] = [];
  const answered = t.respondedMs ?? t.endMs;
  marks.push(rect(0, answered, 0, '#9467bd', `HEADERS in at 0; ${t.respondedMs === undefined ? 'no response sent' : `response HEADERS at ${formatMs(t.respondedMs)}`}`));
  for (const d of t.dataWrites) marks.push(rect(d.atMs, d.doneMs ?? t.endMs, 1, '#1f77b4', `DATA write of ${formatBytes(d.bytes)} at ${formatMs(d.atMs)}, ${d.doneMs === undefined ? 'never left' : `left at ${formatMs(d.doneMs)}`}`));
  const stops: string[] = [`<line x1="${x(t.endMs).toFixed(1)}" x2="${x(t.endMs).toFixed(1)}" y1="${top - 4}" y2="${top + 3 * rowH}" stroke="#2ca02c" stroke-width="2"><title>stream closed at ${esc(formatMs(t.endMs))}</title></line>`];
  if (t.rst) marks.push(rect(t.endMs, t.endMs, 2, '#d62728', `RST_STREAM ${h2ErrorName(t.rst.code)} from the ${t.rst.by}`));
  if (t.goaway && t.goaway.atMs >= 0) marks.push(rect(t.goaway.atMs, t.goaway.atMs, 2, '#ff7f0e', `GOAWAY ${h2ErrorName(t.goaway.code)} from the ${t.goaway.by} at ${formatMs(t.goaway.atMs)}`));
  const labels = `<text x="${left}" y="${h - 18}">0</text><text x="${w - right}" y="${h - 18}" text-anchor="end">${esc(formatMs(t.endMs))}</text>`
    + `<text x="${w / 2}" y="${h - 4}" text-anchor="middle">purple: to the response · blue: DATA</text>`;
  return `<svg viewBox="0 0 ${w} ${h}" role="img" aria-label="frame timeline ${esc(name)}" font-size="12">${marks.join('')}${stops.join('')}${labels}</svg>`;
}

/** The timeline as numbers: stream id, response, DATA, waits by what held them, end, resets. */
function timelineList(s: SlowestRequest): string {
  const t = s.timeline;
  if (t === undefined) return '<p>No frame timeline was kept for this request.</p>';
  const fc = t.flowControl;
  const items: [string, string][] = [
    ['stream', `${t.streamId}, HEADERS in at 0`],
    ['response HEADERS', t.respondedMs === undefined ? 'never sent' : formatMs(t.respondedMs)],
    ['DATA', `${t.writes} write${t.writes === 1 ? '' : 's'}, ${formatBytes(t.bytes)}${t.dataWrites.length > 0 && t.dataWrites.at(-1)!.doneMs !== undefined ? `, last left at ${formatMs(t.dataWrites.at(-1)!.doneMs)}` : ''}`],
    ['waiting for window', `stream ${formatMs(fc.streamWindowMs)}, connection ${formatMs(fc.connectionWindowMs)}; socket ${formatMs(fc.transportMs)}`],
    ['stream closed', formatMs(t.endMs)],
    ['RST_STREAM', t.rst ? `${h2ErrorName(t.rst.code)} from the ${t.rst.by}` : 'none'],
    ['GOAWAY', t.goaway ? `${h2ErrorName(t.goaway.code)} from the ${t.goaway.by} at ${formatMs(t.goaway.atMs)}` : 'none'],
  ];
  return `<dl class="tl">${items.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}

/** The frames with the most self time. */
function topFramesList(s: SlowestRequest): string {
  const frames = s.profile.topFrames.slice(0, 6);
  if (frames.length === 0) return '';
  const where = (f: (typeof frames)[number]) => (f.url === '' ? '' : ` (${f.url}${f.line > 0 ? `:${f.line}` : ''})`);
  return `<b>Most self time</b><ol class="frames">${frames.map((f) => `<li><code>${esc(f.functionName || '(anonymous)')}</code>${esc(where(f))}: ${esc(formatMs(f.selfMs))}</li>`).join('')}</ol>`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
