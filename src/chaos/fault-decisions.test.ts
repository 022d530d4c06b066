import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRandom } from '../random.js';
import { parseFaultText, type SliceFault, type StallFault } from './fault-spec.js';
import { planDirection, scheduleChunk, selectsConnection, sliceSizes, stallDelayMs, transmitMs, latencyDelayMs } from './fault-decisions.js';

test('toxicity selects about that fraction of connections, the same ones for a seed', () => {
  const f = parseFaultText('latency 100ms@0.15');
  const pick = (seed: number) => Array.from({ length: 2000 }, (_, i) => selectsConnection(seed, i + 1, f));
  const a = pick(7);
  assert.deepEqual(pick(7), a);
  assert.notDeepEqual(pick(8), a);
  const rate = a.filter(Boolean).length / a.length;
  assert.ok(rate > 0.12 && rate < 0.18, `rate ${rate}`);
});

test('selection is keyed by fault name, not by position in the set', () => {
  const f = parseFaultText('latency 1ms@0.5');
  const other = parseFaultText('stall p=0.1@0.5');
  for (let c = 1; c < 50; c++) {
    assert.deepEqual(planDirection(3, c, [f], 'up').map((x) => x.name), planDirection(3, c, [other, f], 'up').filter((x) => x.name === 'latency').map((x) => x.name));
  }
});

test('direction limits faults', () => {
  const faults = [parseFaultText('latency 1ms:down'), parseFaultText('stall p=0.1:up'), parseFaultText('slice 4')];
  assert.deepEqual(planDirection(1, 1, faults, 'down').map((f) => f.kind), ['latency', 'slice']);
  assert.deepEqual(planDirection(1, 1, faults, 'up').map((f) => f.kind), ['stall', 'slice']);
});

test('stall is RTO-shaped: 0 or ms doubled per consecutive loss', () => {
  const f = parseFaultText('stall p=0.3,ms=200') as StallFault;
  const r = createRandom(5);
  const seen = new Map<number, number>();
  for (let i = 0; i < 5000; i++) {
    const ms = stallDelayMs(f, r);
    seen.set(ms, (seen.get(ms) ?? 0) + 1);
  }
  for (const ms of seen.keys()) assert.ok(ms === 0 || [200, 400, 800, 1600, 3200, 6400, 12800].includes(ms), `unexpected ${ms}`);
  const stalled = 5000 - (seen.get(0) ?? 0);
  assert.ok(stalled > 1300 && stalled < 1700, `stalled ${stalled}`);
  assert.ok((seen.get(200) ?? 0) > (seen.get(400) ?? 0));
});

test('latency jitter stays within ± jitter and never negative', () => {
  const f = parseFaultText('latency 10ms,jitter=20ms');
  const r = createRandom(1);
  for (let i = 0; i < 1000; i++) {
    const ms = latencyDelayMs(f as never, r);
    assert.ok(ms >= 0 && ms <= 30);
  }
});

test('schedule keeps order and adds bandwidth serialisation', () => {
  const faults = [parseFaultText('bandwidth 8kbit'), parseFaultText('latency 50ms')];
  const state = { lastAt: 0, linkFreeAt: 0 };
  const r = createRandom(1);
  const a = scheduleChunk(Buffer.alloc(100), 0, faults, state, { chunk: r, loss: r });
  assert.equal(transmitMs(100, 8000), 100);
  assert.equal(a.pieces[0]!.at, 150); // 100 ms on the wire + 50 ms latency
  const b = scheduleChunk(Buffer.alloc(100), 10, faults, state, { chunk: r, loss: r });
  assert.equal(b.pieces[0]!.at, 250); // waits for the link: free at 100, +100, +50
  assert.deepEqual(b.applied.map((x) => x.kind), ['bandwidth', 'latency']);
});

test('slices sum to the chunk and are spaced by the delay', () => {
  const f = parseFaultText('slice 10,variation=3,delay=2ms') as SliceFault;
  const sizes = sliceSizes(95, f, createRandom(2));
  assert.equal(sizes.reduce((a, b) => a + b, 0), 95);
  for (const s of sizes.slice(0, -1)) assert.ok(s >= 7 && s <= 13);
  const { pieces } = scheduleChunk(Buffer.alloc(40), 5, [parseFaultText('slice 10,delay=2ms')], { lastAt: 0, linkFreeAt: 0 }, { chunk: createRandom(1), loss: createRandom(1) });
  assert.deepEqual(pieces.map((p) => [p.bytes.length, p.at]), [[10, 5], [10, 7], [10, 9], [10, 11]]);
});

test('losses are decided per 1460-byte segment: the same bytes lose the same segments however they are chunked', () => {
  const faults = [parseFaultText('stall p=0.2,ms=100')];
  const lost = (chunkSizes: number[]) => {
    const state = { lastAt: 0, linkFreeAt: 0 };
    const draws = { chunk: createRandom(1), loss: createRandom(9) };
    return chunkSizes.flatMap((n) => scheduleChunk(Buffer.alloc(n), 0, faults, state, draws).applied.map((a) => [a.segment, a.ms]));
  };
  const whole = lost([146_000]);
  assert.ok(whole.length > 10 && whole.length < 40, `${whole.length} of 100 segments lost`);
  assert.deepEqual(lost([1, 65_535, 3000, 77_464]), whole);
  assert.deepEqual(lost(Array.from({ length: 100 }, () => 1460)), whole);
  // A chunk waits for the longest stall among the segments starting in it.
  const state = { lastAt: 0, linkFreeAt: 0 };
  const r = scheduleChunk(Buffer.alloc(146_000), 0, faults, state, { chunk: createRandom(1), loss: createRandom(9) });
  assert.equal(r.pieces[0]!.at, Math.max(...whole.map(([, ms]) => ms as number)));
});

test('a shared bandwidth link serialises every connection; a per-connection one does not', () => {
  const shared = parseFaultText('bandwidth 8mbit,link=shared:down');
  const own = parseFaultText('bandwidth 8mbit:down');
  assert.equal(shared.kind === 'bandwidth' && shared.shared, true);
  const draws = () => ({ chunk: createRandom(1), loss: createRandom(2) });
  const chunk = Buffer.alloc(1000); // 1 ms at 8 Mbit/s
  const links = new Map();
  const a = { lastAt: 0, linkFreeAt: 0, sharedLinks: links }, b = { lastAt: 0, linkFreeAt: 0, sharedLinks: links };
  const ta = scheduleChunk(chunk, 0, [shared], a, draws()).pieces.at(-1)!.at;
  const tb = scheduleChunk(chunk, 0, [shared], b, draws()).pieces.at(-1)!.at;
  assert.equal(ta, 1);
  assert.equal(tb, 2, 'the second connection waits for the first on the shared link');
  const c = { lastAt: 0, linkFreeAt: 0 }, d = { lastAt: 0, linkFreeAt: 0 };
  assert.equal(scheduleChunk(chunk, 0, [own], c, draws()).pieces.at(-1)!.at, 1);
  assert.equal(scheduleChunk(chunk, 0, [own], d, draws()).pieces.at(-1)!.at, 1);
});
