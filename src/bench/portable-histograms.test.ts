import { test } from 'node:test';
import { inflateSync } from 'node:zlib';
import assert from 'node:assert/strict';
import { LatencyHistogram } from '../stats/log-linear-histogram.js';
import { decodeHistogram, encodeHistogram, loadHdr } from './portable-histograms.js';
import { zlibStored } from './hdr-encoding.js';
import { createRandom } from '../random.js';

test('HdrHistogram V2 round trip loses nothing: same buckets, same percentiles, exact min/max/mean', async () => {
  const hdr = await loadHdr();
  const h = new LatencyHistogram();
  const random = createRandom(7);
  // Lognormal-ish latencies from 3 µs to ~40 min: every range of the layout, the 2^31 µs branch too.
  for (let i = 0; i < 20_000; i++) h.recordUs(Math.round(Math.exp(1 + random() * 20)));
  for (const us of [0, 1, 2047, 2048, 2049, 4095, 4096, 123_456, 2 ** 31 + 12_345]) h.recordUs(us);
  const p = encodeHistogram(h);
  assert.match(p.hdr, /^HISTF/);
  const back = decodeHistogram(hdr, p);
  assert.deepEqual(back.snapshot(), h.snapshot());
  assert.deepEqual(back.summary(), h.summary());
});

test('our writer matches hdr-histogram-js: same decoded counts as its own encoding of the same values', async () => {
  const hdr = await loadHdr();
  const h = new LatencyHistogram();
  const theirs = hdr.build({ bitBucketSize: 64, autoResize: true, numberOfSignificantValueDigits: 3, useWebAssembly: false });
  const random = createRandom(11);
  for (let i = 0; i < 5000; i++) {
    const us = Math.round(Math.exp(random() * 16));
    h.recordUs(us);
    theirs.recordValue(us);
  }
  const a = hdr.decodeFromCompressedBase64(encodeHistogram(h).hdr, 64, false);
  const b = hdr.decodeFromCompressedBase64(hdr.encodeIntoCompressedBase64(theirs), 64, false);
  assert.equal(a.totalCount, b.totalCount);
  assert.equal(a.maxValue, b.maxValue);
  assert.equal(a.minNonZeroValue, b.minNonZeroValue);
  for (const q of [1, 10, 50, 90, 99, 99.9, 99.99, 100]) assert.equal(a.getValueAtPercentile(q), b.getValueAtPercentile(q), `p${q}`);
});

test('an HdrHistogram tool reading only the hdr string gets each percentile within 0.1 %', async () => {
  const hdr = await loadHdr();
  const h = new LatencyHistogram();
  for (let us = 1; us <= 5_000_000; us = Math.ceil(us * 1.001) + 1) h.recordUs(us);
  const decoded = hdr.decodeFromCompressedBase64(encodeHistogram(h).hdr, 64, false);
  assert.equal(decoded.totalCount, h.total);
  for (const q of [50, 90, 99, 99.9]) {
    const ours = h.percentileUs(q);
    const theirs = decoded.getValueAtPercentile(q);
    assert.ok(Math.abs(theirs - ours) / ours <= 1 / 1024, `p${q}: ${theirs} vs ${ours}`);
  }
});

test('an empty histogram encodes and decodes to an empty one', async () => {
  const hdr = await loadHdr();
  const back = decodeHistogram(hdr, encodeHistogram(new LatencyHistogram()));
  assert.equal(back.total, 0);
  assert.equal(back.summary().p99, 0);
});

test('stored-block zlib: node inflates it back, across the 65535-byte block limit', () => {
  for (const n of [0, 1, 5551, 5553, 65_535, 65_536, 200_000]) {
    const data = Buffer.alloc(n);
    for (let i = 0; i < n; i++) data[i] = (i * 7919) & 0xff;
    assert.deepEqual(inflateSync(zlibStored(data)), data, `${n} bytes`);
  }
});
