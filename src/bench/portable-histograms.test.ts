import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyHistogram } from './histogram.js';
import { decodeHistogram, encodeHistogram, loadHdr } from './portable-histograms.js';
import { createRandom } from '../random.js';

test('HdrHistogram V2 round trip loses nothing: same buckets, same percentiles, exact min/max/mean', async () => {
  const hdr = await loadHdr();
  const h = new LatencyHistogram();
  const random = createRandom(7);
  // Lognormal-ish latencies from 3 µs to ~40 min: every range of the layout, the 2^31 µs branch too.
  for (let i = 0; i < 20_000; i++) h.recordUs(Math.round(Math.exp(1 + random() * 20)));
  for (const us of [0, 1, 2047, 2048, 2049, 4095, 4096, 123_456, 2 ** 31 + 12_345]) h.recordUs(us);
  const p = encodeHistogram(hdr, h);
  assert.match(p.hdr, /^HISTF/);
  const back = decodeHistogram(hdr, p);
  assert.deepEqual(back.snapshot(), h.snapshot());
  assert.deepEqual(back.summary(), h.summary());
});

test('an HdrHistogram tool reading only the hdr string gets each percentile within 0.1 %', async () => {
  const hdr = await loadHdr();
  const h = new LatencyHistogram();
  for (let us = 1; us <= 5_000_000; us = Math.ceil(us * 1.001) + 1) h.recordUs(us);
  const decoded = hdr.decodeFromCompressedBase64(encodeHistogram(hdr, h).hdr, 64, false);
  assert.equal(decoded.totalCount, h.total);
  for (const q of [50, 90, 99, 99.9]) {
    const ours = h.percentileUs(q);
    const theirs = decoded.getValueAtPercentile(q);
    assert.ok(Math.abs(theirs - ours) / ours <= 1 / 1024, `p${q}: ${theirs} vs ${ours}`);
  }
});

test('an empty histogram encodes and decodes to an empty one', async () => {
  const hdr = await loadHdr();
  const back = decodeHistogram(hdr, encodeHistogram(hdr, new LatencyHistogram()));
  assert.equal(back.total, 0);
  assert.equal(back.summary().p99, 0);
});
