/**
 * A mergeable log-linear latency histogram at microsecond resolution (HdrHistogram's layout:
 * linear sub-buckets inside power-of-two ranges).
 *
 * Why not `hdr-histogram-js`: measured on this project's machine kind (node 20, 2 M values),
 * its `recordValue` costs about 135 ns (≈ 630 ns with packed buckets). The bench records four
 * values per request and aims at h2load's ~3 µs of CPU per request, so that alone would be
 * 15–20 % of the budget. This one records in a few ns (shift, clz, one array increment), and
 * its state is a plain `Float64Array` that crosses `worker_threads` by structured clone and
 * merges exactly by adding counts.
 *
 * Precision: `subBucketBits` S gives 2^(S-1) linear buckets per power of two, so the relative
 * error of a reported value is at most 2^-(S-1) (S = 11: 0.1 %, like HdrHistogram with 3
 * significant digits). Values are whole microseconds; below 2^S µs every value has its own bucket.
 */

/** Plain-data form: what a worker posts and what `LatencyHistogram.from` reads back. */
export interface HistogramSnapshot {
  subBucketBits: number;
  /** Count per bucket index (trailing zeros trimmed). */
  counts: Float64Array;
  /** Number of recorded values. */
  total: number;
  /** Exact smallest and largest recorded value, µs (0 when empty). */
  minUs: number;
  maxUs: number;
  /** Sum of recorded values, µs: for an exact mean. */
  sumUs: number;
}

/** Summary in milliseconds, as the reports print it. */
export interface LatencySummary {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  p9999: number;
  max: number;
  mean: number;
}

/** Shared by every histogram that has recorded nothing yet (never written: `grow` replaces it). */
const EMPTY = new Float64Array(0);
/** Buckets allocated on the first value (grown by doubling from there). */
const MIN_BUCKETS = 64;
/** The percentiles `summary` reports, ascending. */
const SUMMARY_PERCENTILES = [50, 90, 99, 99.9, 99.99] as const;

export class LatencyHistogram {
  /** Linear buckets per power-of-two range, 2^(S-1). */
  private readonly half: number;
  /** 2^S: values below it are recorded exactly. */
  private readonly exactLimit: number;
  /**
   * Bucket counts; empty until the first value, then grown on demand (doubling), so a
   * histogram that is never used (TLS times on h2c, failures in a clean run) costs nothing and
   * one of short latencies stays small.
   */
  private counts: Float64Array = EMPTY;
  /** Number of recorded values. */
  total = 0;
  /** Exact extremes and sum (µs). */
  minUs = Infinity;
  maxUs = 0;
  sumUs = 0;

  constructor(readonly subBucketBits = 11) {
    if (subBucketBits < 2 || subBucketBits > 16) throw new RangeError('subBucketBits must be 2..16');
    this.half = 1 << (subBucketBits - 1);
    this.exactLimit = 1 << subBucketBits;
  }

  /** Bucket index of a value in whole µs. */
  indexOf(us: number): number {
    if (us < this.exactLimit) return us;
    // e = floor(log2(us)) - (S - 1); index = e·half + (us >> e), with us >> e in [half, 2·half).
    // Below 2^31 µs (35 min) that is integer clz32 and a shift (this runs several times per
    // request); past it, Math.log2 and a division.
    if (us < 0x80000000) {
      const e = 31 - Math.clz32(us) - (this.subBucketBits - 1);
      return e * this.half + (us >>> e);
    }
    const e = Math.floor(Math.log2(us)) - (this.subBucketBits - 1);
    return e * this.half + Math.floor(us / 2 ** e);
  }

  /** Lowest value (µs) that falls in bucket `index`, and the bucket's width. */
  private bucketRange(index: number): [number, number] {
    if (index < this.exactLimit) return [index, 1];
    const e = Math.floor(index / this.half) - 1;
    const m = index - e * this.half;
    return [m * 2 ** e, 2 ** e];
  }

  /** Records one latency given in milliseconds (fractional). */
  recordMs(ms: number): void {
    this.recordUs(ms <= 0 ? 0 : Math.round(ms * 1000));
  }

  /** Records one latency in whole microseconds. */
  recordUs(us: number): void {
    const i = this.indexOf(us);
    if (i >= this.counts.length) this.grow(i);
    this.counts[i]!++;
    this.total++;
    this.sumUs += us;
    if (us < this.minUs) this.minUs = us;
    if (us > this.maxUs) this.maxUs = us;
  }

  private grow(index: number): void {
    let size = Math.max(MIN_BUCKETS, this.counts.length);
    while (size <= index) size *= 2;
    const next = new Float64Array(size);
    next.set(this.counts);
    this.counts = next;
  }

  /** Adds another histogram's counts (same precision): exact, order-independent. */
  add(other: LatencyHistogram | HistogramSnapshot): void {
    if (other.subBucketBits !== this.subBucketBits) throw new RangeError('cannot merge histograms of different precision');
    if (other.total === 0) return;
    const counts = other instanceof LatencyHistogram ? other.counts : other.counts;
    if (counts.length > this.counts.length) this.grow(counts.length - 1);
    for (let i = 0; i < counts.length; i++) this.counts[i]! += counts[i]!;
    this.total += other.total;
    this.sumUs += other.sumUs;
    if (other.minUs < this.minUs) this.minUs = other.minUs;
    if (other.maxUs > this.maxUs) this.maxUs = other.maxUs;
  }

  /**
   * Value at percentile `p` (0–100), µs: the midpoint of the bucket holding the
   * ceil(p·total/100)-th smallest value, clamped to the exact min and max.
   */
  percentileUs(p: number): number {
    return this.percentilesUs([p])[0]!;
  }

  /**
   * `percentileUs` for several percentiles, given in ascending order, in one pass over the
   * buckets; the pass starts at the bucket of the exact minimum, since none below it is counted.
   */
  private percentilesUs(ps: readonly number[]): number[] {
    const out = new Array<number>(ps.length).fill(0);
    if (this.total === 0) return out;
    const counts = this.counts;
    let k = 0;
    let rank = Math.max(1, Math.ceil((ps[0]! / 100) * this.total));
    let seen = 0;
    for (let i = this.indexOf(this.minUs); i < counts.length && k < ps.length; i++) {
      seen += counts[i]!;
      while (k < ps.length && seen >= rank) {
        out[k++] = this.middleOf(i);
        if (k < ps.length) rank = Math.max(1, Math.ceil((ps[k]! / 100) * this.total));
      }
    }
    for (; k < ps.length; k++) out[k] = this.maxUs;
    return out;
  }

  /**
   * The quantile `q` interpolated between the two values around its position, (n − 1)·q + 1
   * counted from the smallest (numpy's default definition, Excel's PERCENTILE.INC), each value
   * read as its bucket's middle. It walks down from the largest value, so a high quantile visits
   * only the buckets above it (slow-request capture's running p99, tail-quantile.ts). On
   * few values it stays below the maximum where the nearest rank is the maximum itself (the
   * p99 of 20 values is the largest of them), so a running p99 over a short history still calls
   * the requests near the top slow, not only a new record.
   */
  upperQuantileInterpolatedUs(q: number): number {
    const n = this.total;
    if (n === 0) return 0;
    const position = (n - 1) * q + 1;
    const lo = Math.floor(position);
    const frac = position - lo;
    const counts = this.counts;
    let i = this.indexOf(this.maxUs);
    let acc = counts[i]!;
    // The value of rank r has n − r values above it.
    const hi = Math.min(n, lo + 1);
    while (acc <= n - hi && i > 0) acc += counts[--i]!;
    const upper = this.middleOf(i);
    while (acc <= n - lo && i > 0) acc += counts[--i]!;
    const lower = this.middleOf(i);
    return lower + frac * (upper - lower);
  }

  /** The value a percentile in bucket `index` reports: its middle, clamped to the exact extremes. */
  private middleOf(index: number): number {
    const [low, width] = this.bucketRange(index);
    const mid = width === 1 ? low : low + (width - 1) / 2;
    return Math.min(this.maxUs, Math.max(this.minUs, mid));
  }

  /** Percentile in milliseconds. */
  percentileMs(p: number): number {
    return this.percentileUs(p) / 1000;
  }

  meanMs(): number {
    return this.total === 0 ? 0 : this.sumUs / this.total / 1000;
  }

  summary(): LatencySummary {
    const [p50, p90, p99, p999, p9999] = this.percentilesUs(SUMMARY_PERCENTILES).map((us) => us / 1000);
    return {
      count: this.total,
      min: this.total === 0 ? 0 : this.minUs / 1000,
      p50: p50!,
      p90: p90!,
      p99: p99!,
      p999: p999!,
      p9999: p9999!,
      max: this.maxUs / 1000,
      mean: this.meanMs(),
    };
  }

  /** Plain data for postMessage / JSON; counts trimmed of trailing zeros. */
  snapshot(): HistogramSnapshot {
    let end = this.counts.length;
    while (end > 0 && this.counts[end - 1] === 0) end--;
    return {
      subBucketBits: this.subBucketBits,
      counts: this.counts.slice(0, end),
      total: this.total,
      minUs: this.total === 0 ? 0 : this.minUs,
      maxUs: this.maxUs,
      sumUs: this.sumUs,
    };
  }

  static from(snapshot: HistogramSnapshot): LatencyHistogram {
    const h = new LatencyHistogram(snapshot.subBucketBits);
    h.add(snapshot);
    return h;
  }
}
