import { LatencyHistogram, type HistogramSnapshot } from '../stats/log-linear-histogram.js';
import { encodeHdrV2Compressed } from './hdr-encoding.js';
import { histogramNames, type BenchRecorder, type HistogramName } from './recorder.js';
import type { BenchResult } from './result.js';

/**
 * The `histograms` field of `bench --json`: every latency histogram of the run in
 * HdrHistogram's compressed V2 encoding (base64, the `HISTF…` strings that HdrHistogram in
 * Java, Go, Rust, Python, C and JS decode), values in whole microseconds. `bench merge` adds
 * them; any HdrHistogram tool can read them.
 *
 * Precision: none is lost between our histogram and HdrHistogram. Ours (histogram.ts, 11
 * sub-bucket bits) has HdrHistogram's exact layout at 3 significant digits and unit 1 µs: values
 * below 2048 µs each have their own bucket, then 1024 linear buckets per power of two. Each of our
 * buckets is written as its lowest value with its count, lands in the same HdrHistogram bucket,
 * and decodes back to the same bucket (histogram-codec.test.ts checks this). What HdrHistogram's
 * format cannot hold, the exact min, max and sum, travels beside it (`minUs`, `maxUs`, `sumUs`),
 * so a decoded histogram reports exactly what the run reported. A tool that reads only the
 * `hdr` string gets HdrHistogram's own precision: within 1/1024 (0.1 %) of each value.
 *
 * Writing needs no library (hdr-encoding.ts); reading, in `bench merge` only, loads
 * `hdr-histogram-js`. This module is loaded only for --json, --out or merge.
 */
export interface PortableHistogram {
  /** HdrHistogram V2 compressed, base64. */
  hdr: string;
  count: number;
  minUs: number;
  maxUs: number;
  sumUs: number;
}

export type PortableHistograms = { encoding: 'hdrhistogram-v2-compressed-base64'; unit: 'us' } & Record<HistogramName, PortableHistogram>;

type HdrModule = typeof import('hdr-histogram-js');

let hdrModule: HdrModule | undefined;

/** Loads hdr-histogram-js once (a CommonJS package: its exports arrive as the default export too). */
export async function loadHdr(): Promise<HdrModule> {
  if (!hdrModule) {
    const m = (await import('hdr-histogram-js')) as HdrModule & { default?: HdrModule };
    hdrModule = m.default && typeof m.default.build === 'function' ? m.default : m;
  }
  return hdrModule;
}

/** Our histogram as HdrHistogram V2 compressed base64 (hdr-encoding.ts: no library load). */
export function encodeHistogram(h: LatencyHistogram): PortableHistogram {
  const s = h.snapshot();
  if (s.subBucketBits !== 11) throw new RangeError('only 11 sub-bucket bits match HdrHistogram at 3 significant digits');
  return { hdr: encodeHdrV2Compressed(s.counts, 3, s.maxUs), count: s.total, minUs: s.minUs, maxUs: s.maxUs, sumUs: s.sumUs };
}

/** Back into our histogram; exact min, max and sum from the side fields. */
export function decodeHistogram(hdr: HdrModule, p: PortableHistogram): LatencyHistogram {
  const decoded = hdr.decodeFromCompressedBase64(p.hdr, 64, false);
  const layout = new LatencyHistogram();
  const counts: number[] = [];
  let total = 0;
  // The JS implementation's iterator over non-empty buckets (not in the package's Histogram type).
  const js = decoded as unknown as {
    lowestEquivalentValue(v: number): number;
    recordedValuesIterator: { reset(): void; hasNext(): boolean; next(): { valueIteratedTo: number; countAtValueIteratedTo: number } };
  };
  const it = js.recordedValuesIterator;
  it.reset();
  while (it.hasNext()) {
    const v = it.next();
    const i = layout.indexOf(js.lowestEquivalentValue(v.valueIteratedTo));
    while (counts.length <= i) counts.push(0);
    counts[i]! += v.countAtValueIteratedTo;
    total += v.countAtValueIteratedTo;
  }
  if (total !== p.count) throw new RangeError(`histogram holds ${total} values, its count says ${p.count}`);
  const snapshot: HistogramSnapshot = { subBucketBits: layout.subBucketBits, counts: Float64Array.from(counts), total, minUs: p.minUs, maxUs: p.maxUs, sumUs: p.sumUs };
  return LatencyHistogram.from(snapshot);
}

/** Adds `histograms` (and each `-i` target's `histogram`) to a result built from `rec`. */
export function addPortableHistograms(result: BenchResult, rec: BenchRecorder): BenchResult {
  const out = { encoding: 'hdrhistogram-v2-compressed-base64', unit: 'us' } as PortableHistograms;
  for (const name of histogramNames) out[name] = encodeHistogram(rec.histogram(name));
  result.histograms = out;
  rec.targets?.forEach((t, i) => {
    const row = result.targets[i];
    if (row) row.histogram = encodeHistogram(t.latency);
  });
  return result;
}
