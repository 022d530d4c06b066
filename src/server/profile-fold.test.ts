import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compactProfile, FrameTable, foldWindow, type InspectorProfile } from './profile-fold.js';

const cf = (functionName: string, lineNumber = 9) => ({ functionName, url: functionName.startsWith('(') ? '' : 'file:///app.js', lineNumber, scriptId: '1', columnNumber: 0 });

/** (root) → main → { quote → sqrt, log }; samples every 1000 µs from t = 5 s on V8's clock. */
const profile: InspectorProfile = {
  nodes: [
    { id: 1, callFrame: cf('(root)', -1), children: [2, 6] },
    { id: 2, callFrame: cf('main', 0), children: [3, 5] },
    { id: 3, callFrame: cf('quote', 4), children: [4] },
    { id: 4, callFrame: cf('sqrt;x', 7) },
    { id: 5, callFrame: cf('log', 20) },
    { id: 6, callFrame: cf('(garbage collector)', -1) },
  ],
  startTime: 5_000_000,
  endTime: 5_006_000,
  samples: [3, 3, 4, 5, 6, 2],
  timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000],
};

test('compactProfile puts samples on the clock and foldWindow adds them up by frame and by stack', () => {
  const frames = new FrameTable();
  // V8 µs / 1000 - offset: sample i (1-based) at 1000 + i ms.
  const chunk = compactProfile(profile, 4000, frames);
  assert.deepEqual([...chunk.sampleAt], [1001, 1002, 1003, 1004, 1005, 1006]);
  assert.equal(chunk.startMs, 1000);
  assert.equal(chunk.endMs, 1006);
  const all = foldWindow([chunk], frames, 1000, 1006);
  assert.equal(all.samples, 6);
  // Each sample stands until the next; the last one until the chunk ends (0 ms here).
  assert.equal(all.sampledMs, 5);
  const byName = new Map(all.topFrames.map((f) => [f.functionName, f]));
  assert.deepEqual(byName.get('quote'), { functionName: 'quote', url: 'file:///app.js', line: 5, selfMs: 2, totalMs: 3 });
  assert.equal(byName.get('main')!.totalMs, 4);
  assert.equal(byName.get('main')!.selfMs, 0);
  assert.equal(all.topFrames[0]!.functionName, 'quote');
  assert.equal(byName.get('(root)'), undefined);
  assert.deepEqual(all.folded.split('\n'), [
    'main (file:///app.js:1);quote (file:///app.js:5) 2',
    'main (file:///app.js:1);quote (file:///app.js:5);sqrt_x (file:///app.js:8) 1',
    'main (file:///app.js:1);log (file:///app.js:21) 1',
    '(garbage collector) 1',
    'main (file:///app.js:1) 1',
  ]);
  // A window takes only the samples inside it.
  const part = foldWindow([chunk], frames, 1003, 1004.5);
  assert.equal(part.samples, 2);
  assert.equal(part.sampledMs, 1.5);
  assert.deepEqual(part.topFrames.map((f) => f.functionName).sort(), ['log', 'main', 'quote', 'sqrt;x']);
  assert.equal(foldWindow([chunk], frames, 2000, 3000).samples, 0);
});
