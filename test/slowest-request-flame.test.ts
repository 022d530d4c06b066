// The lab's slowest-request capture (src/lab/slowest-request.ts) on a real server, and its
// flame graph section (src/report/lab-flame.ts) in headless Chromium. An h2c server is
// instrumented as the lab instruments order; a node:http2 client sends a load of fast requests
// and three that do CPU work in `computeQuote`, then, after the load, one slower request (as
// the lab's probe does). The capture keeps the slowest request of the load (not the later
// one), with computeQuote in its samples and its stream's timeline; the page draws its frames.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AddressInfo } from 'node:net';
import { instrument, type ServerDoctor, type SlowRequest } from '../src/server/index.js';
import { SlowestCapture, slowestInstrumentOptions, type SlowestRequest } from '../src/lab/slowest-request.js';
import { flameCss, flameSection } from '../src/report/lab-flame.js';
import type { ScenarioReport } from '../src/lab/verdict.js';
import { checkPage } from './support/chromium.js';

/** CPU work with a name to find in the profile: a fixed number of iterations, not a time. */
function computeQuote(rounds: number): number {
  let x = 1;
  for (let i = 0; i < rounds; i++) x = (x * 1103515245 + 12345) % 2147483647 + Math.sqrt(i);
  return x;
}

const dir = mkdtempSync(join(tmpdir(), 'h2doctor-slowest-'));
let doctor: ServerDoctor | undefined;
let client: http2.ClientHttp2Session | undefined;
after(async () => {
  client?.close();
  await doctor?.close({ graceMs: 200 });
});

async function get(path: string, requestId: string): Promise<void> {
  const req = client!.request({ ':path': path, 'x-request-id': requestId });
  req.resume();
  await once(req, 'end');
}

let captured: SlowestRequest | undefined;

test('the capture keeps the slowest request of the load, with its samples and frame timeline', { timeout: 30_000 }, async () => {
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const path = String(headers[':path']);
    const rounds = path.startsWith('/quote/long') ? 6_000_000 : path.startsWith('/quote') ? 3_000_000 : 0;
    stream.respond({ ':status': 200 });
    stream.end(rounds > 0 ? String(computeQuote(rounds)) : 'ok');
  });
  doctor = instrument(server, { log: () => {}, ...slowestInstrumentOptions });
  const all: SlowRequest[] = [];
  doctor.onSlowRequest((r) => all.push(r));
  const capture = new SlowestCapture();
  capture.watch(doctor);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  client = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);

  // The estimate of P99 judges from the 21st request on (minSamples 20).
  for (let i = 0; i < 40; i++) await get('/fast', `fast-${i}`);
  for (let i = 0; i < 3; i++) await get(`/quote/${i}`, `quote-${i}`);
  capture.loadEnded();
  // Records carry wall-clock ms: keep the request after the load clear of the boundary.
  await new Promise((resolve) => setTimeout(resolve, 20));
  await get('/quote/long', 'after-load');
  captured = capture.finish();

  assert.ok(all.some((r) => r.traceId === 'after-load'), 'the request after the load was captured as slow too');
  assert.ok(captured, 'a slowest request was kept');
  assert.match(captured.traceId, /^quote-\d$/, `kept ${captured.traceId}`);
  const longest = Math.max(...all.filter((r) => r.traceId.startsWith('quote-')).map((r) => r.durationMs));
  assert.ok(Math.abs(captured.durationMs - longest) <= 0.05, `${captured.durationMs} vs ${longest}`);
  assert.ok(captured.profile.topFrames.some((f) => f.functionName === 'computeQuote'), JSON.stringify(captured.profile.topFrames));
  assert.match(captured.profile.folded, /computeQuote/);
  assert.doesNotMatch(captured.profile.folded, /file:\/\//, 'urls relative to profile.root');
  assert.match(captured.profile.root, /^file:\/\/\//);
  assert.equal(captured.profile.scope, 'thread');
  const t = captured.timeline!;
  assert.ok(t.streamId > 0 && t.streamId % 2 === 1, `stream ${t.streamId}`);
  assert.ok(t.respondedMs !== undefined && t.respondedMs <= t.endMs);
  assert.ok(t.writes >= 1 && t.bytes > 0);
});

test('its flame graph section renders in headless Chromium: frames and timeline drawn, nothing fetched', { timeout: 60_000 }, async (t) => {
  assert.ok(captured, 'the capture above kept a request');
  const row = { name: 'inventory-spike', latency: { p50: 1, p99: captured.durationMs, p999: captured.durationMs }, slowestRequest: captured } as unknown as ScenarioReport;
  const section = flameSection([row]);
  const htmlPath = join(dir, 'flame.html');
  writeFileSync(htmlPath, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>flame</title><style>${flameCss}</style></head><body>${section}</body></html>`);
  const shot = join(dir, 'flame.png');
  const page = await checkPage(pathToFileURL(htmlPath).href, shot);
  t.diagnostic(`screenshot: ${shot}`);
  assert.deepEqual(page.errors, []);
  assert.deepEqual(page.requests, []);
  const flame = page.charts.find((c) => c.label === 'flame graph inventory-spike');
  // Every frame is a rect.bar; the background is one more rect.
  assert.equal(flame?.bars, (section.match(/<rect class="bar"/g) ?? []).length - frameTimelineBars(section) + 1);
  assert.ok(flame!.bars > 3, `flame graph drew ${flame!.bars} rects`);
  const timeline = page.charts.find((c) => c.label === 'frame timeline inventory-spike');
  assert.ok(timeline && timeline.bars >= 2, JSON.stringify(timeline));
});

/** rect.bar elements of the frame timeline chart in `html`. */
function frameTimelineBars(html: string): number {
  const start = html.indexOf('aria-label="frame timeline');
  const end = html.indexOf('</svg>', start);
  return (html.slice(start, end).match(/<rect class="bar"/g) ?? []).length;
}
