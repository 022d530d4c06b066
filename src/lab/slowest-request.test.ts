import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundFolded, commonFileRoot, compactSlowest, maxFoldedChars } from './slowest-request.js';
import type { SlowRequest } from '../server/index.js';

const samplesOf = (folded: string) => folded.split('\n').reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);

test('boundFolded keeps what fits and leaves the rest alone', () => {
  const folded = 'a;b;c 5\na;d 2';
  assert.deepEqual(boundFolded(folded, 100), { folded, trimmed: 0 });
  assert.deepEqual(boundFolded('', 100), { folded: '', trimmed: 0 });
});

test('boundFolded cuts the least sampled stacks to their outermost frames, every sample kept', () => {
  const deep = (leaf: string) => Array.from({ length: 20 }, (_, i) => `frame${i}`).join(';') + `;${leaf}`;
  const lines = ['main;work 50', ...Array.from({ length: 40 }, (_, i) => `${deep(`leaf${i}`)} ${40 - i}`)];
  const folded = lines.join('\n');
  const out = boundFolded(folded, 600);
  assert.ok(out.folded.length <= 600, `${out.folded.length} chars`);
  assert.equal(samplesOf(out.folded), samplesOf(folded));
  assert.ok(out.folded.startsWith('main;work 50\n'), 'the most sampled stack kept whole');
  assert.match(out.folded, /frame0;frame1;frame2;frame3(;frame4;frame5;frame6;frame7)?;\(deeper frames\) \d+/);
  assert.ok(out.trimmed > 0);
  // Nothing fits: one line says how many samples were left out of the detail.
  const tiny = boundFolded(folded, 32);
  assert.equal(samplesOf(tiny.folded), samplesOf(folded));
  assert.match(tiny.folded, /^main;work 50\n\(other stacks\) \d+$/);
  assert.ok(tiny.folded.length <= 32);
  // Not even that fits beside the first line: it gives way too.
  const tinier = boundFolded(folded, 18);
  assert.equal(tinier.folded, `(other stacks) ${samplesOf(folded)}`);
  assert.equal(tinier.trimmed, 41);
});

test('commonFileRoot: the folder every file url shares, never just file:///', () => {
  assert.equal(commonFileRoot(['file:///w/app/src/a.ts', 'file:///w/app/src/lab/b.ts', 'node:internal/x', '']), 'file:///w/app/src/');
  assert.equal(commonFileRoot(['file:///a/x.js', 'file:///b/y.js']), '');
  assert.equal(commonFileRoot(['node:events']), '');
  assert.equal(commonFileRoot(['file:///srv/app/main.js']), 'file:///srv/app/');
});

test('compactSlowest: urls relative to their common folder, folded bounded, timeline kept', () => {
  const frame = (name: string, file: string, line: number) => `${name} (file:///home/u/app/${file}:${line})`;
  const folded = [
    `${frame('main', 'src/a.js', 1)};${frame('computeQuote', 'src/quote.js', 7)} 40`,
    `(idle) 60`,
    ...Array.from({ length: 400 }, (_, i) => `${frame('main', 'src/a.js', 1)};${frame(`f${i}`, 'node_modules/x/y.js', i + 1)} 1`),
  ].join('\n');
  const record: SlowRequest = {
    traceId: 't', route: '/api', method: 'GET', status: 200, receivedAt: 0, firstByteMs: 90.04, durationMs: 100.06, rstCode: 0,
    session: { id: 1, streamsOpenAtStart: 1, requestsBefore: 0 }, eventLoopDelayMaxMs: undefined, gc: undefined, thresholdMs: 10,
    profile: {
      scope: 'thread', overlappingRequests: 3, overlapLowerBound: false, sampleIntervalUs: 1000, samples: 500, sampledMs: 100, complete: true,
      topFrames: Array.from({ length: 15 }, (_, i) => ({ functionName: `f${i}`, url: 'file:///home/u/app/src/q.js', line: 3, selfMs: 15 - i, totalMs: 20 })),
      folded,
    },
    timeline: { streamId: 3, respondedMs: 90, dataWrites: [], writes: 0, bytes: 0, flowControl: { streamWindowMs: 0, connectionWindowMs: 0, transportMs: 0 }, endMs: 100, rst: undefined, goaway: undefined },
  };
  const c = compactSlowest(record, 7);
  assert.equal(c.profile.root, 'file:///home/u/app/');
  assert.match(c.profile.folded, /^main \(src\/a\.js:1\);computeQuote \(src\/quote\.js:7\) 40\n\(idle\) 60\n/);
  assert.doesNotMatch(c.profile.folded, /file:\/\//);
  assert.ok(c.profile.folded.length <= maxFoldedChars);
  assert.equal(samplesOf(c.profile.folded), samplesOf(folded));
  assert.equal(c.profile.topFrames.length, 10);
  assert.equal(c.profile.topFrames[0]!.url, 'src/q.js');
  assert.equal(c.durationMs, 100.1);
  assert.equal(c.slowRequests, 7);
  assert.equal(c.timeline?.streamId, 3);
});
