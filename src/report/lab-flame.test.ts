import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coverageSentence, flameSection, frameTimelineChart } from './lab-flame.js';
import type { ScenarioReport } from '../lab/verdict.js';
import type { SlowestRequest } from '../lab/slowest-request.js';

function slowest(over: { idleMs: number; sampledMs: number; durationMs: number; folded: string }): SlowestRequest {
  return {
    route: '/api/v1/order', status: 200, durationMs: over.durationMs, firstByteMs: over.durationMs - 1, rstCode: 8, traceId: 't', slowRequests: 5,
    profile: {
      scope: 'thread', overlappingRequests: 12, overlapLowerBound: false, sampleIntervalUs: 1000, samples: 100, sampledMs: over.sampledMs, complete: true, root: '',
      topFrames: [{ functionName: '(idle)', url: '', line: 0, selfMs: over.idleMs, totalMs: over.idleMs }, { functionName: 'computeQuote', url: 'src/q.js', line: 7, selfMs: 10, totalMs: 10 }],
      folded: over.folded, stacksTrimmed: 0,
    },
    timeline: {
      streamId: 5, respondedMs: over.durationMs - 1, dataWrites: [{ atMs: over.durationMs - 1, bytes: 78, doneMs: over.durationMs - 0.5 }], writes: 1, bytes: 78,
      flowControl: { streamWindowMs: 0, connectionWindowMs: 0, transportMs: 0 }, endMs: over.durationMs, rst: { code: 8, by: 'client' }, goaway: undefined,
    },
  };
}

/** The fields of a scenario report this section reads. */
const row = (name: ScenarioReport['name'], p99: number, s: SlowestRequest | undefined) =>
  ({ name, latency: { p50: 1, p99, p999: p99 }, ...(s ? { slowestRequest: s } : {}) }) as ScenarioReport;

test('the sentence says the samples are the whole thread\'s, how many requests overlapped, and whether it waited or ran', () => {
  const waited = coverageSentence(row('inventory-spike', 3100, undefined), slowest({ idleMs: 2700, sampledMs: 3000, durationMs: 3000, folded: '(idle) 90\nmain 10' }));
  assert.match(waited, /whole thread/);
  assert.match(waited, /12 other requests overlapped it/);
  assert.match(waited, /load clients, the chaos proxies and inventory/);
  assert.match(waited, /idle for 90 %/);
  assert.match(waited, /held this request for most of it/);
  const ran = coverageSentence(row('push-abuse', 3000, undefined), slowest({ idleMs: 10, sampledMs: 200, durationMs: 200, folded: 'main;computeQuote 90' }));
  assert.match(ran, /busy for 95 %/);
  assert.match(ran, /outside order's streams/);
});

test('the section draws a flame graph without the idle samples and the frame timeline, for scenarios that kept their slowest request', () => {
  assert.equal(flameSection([row('healthy', 10, undefined)]), '');
  const html = flameSection([row('healthy', 10, undefined), row('inventory-spike', 3000, slowest({ idleMs: 2700, sampledMs: 3000, durationMs: 3000, folded: '(idle) 90\nmain;computeQuote 10' }))]);
  assert.equal((html.match(/<section /g) ?? []).length, 1);
  assert.match(html, /<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*aria-label="flame graph inventory-spike"/);
  assert.doesNotMatch(html, /<\?xml/, 'inline SVG, no XML prolog inside HTML');
  assert.match(html, /computeQuote/);
  assert.doesNotMatch(html, /<title>\(idle\)/, 'idle left out of the drawing');
  assert.match(html, /10 of 100 samples/);
  assert.match(html, /aria-label="frame timeline inventory-spike"/);
  assert.match(html, /RST_STREAM CANCEL\(0x8\) from the client/);
});

test('the frame timeline: a bar until the response, one per DATA write, a mark for the reset', () => {
  const svg = frameTimelineChart('x', slowest({ idleMs: 0, sampledMs: 10, durationMs: 10, folded: 'main 1' }));
  assert.equal((svg.match(/<rect class="bar"/g) ?? []).length, 3);
  assert.match(svg, /response HEADERS at 9\.00 ms/);
});
