import { ConfigError } from '../errors.js';

/**
 * A running quantile estimate in constant memory: the P² algorithm (Jain & Chlamtac, 1985).
 *
 * Slow-request capture with `threshold: 'p99'` needs "is this request slower than almost all
 * others?" on every request. Keeping every duration, or sorting a window, costs memory and
 * CPU on the hot path; P² keeps five markers and moves them with a parabolic fit, so one
 * observation is a handful of comparisons. The estimate is rough for the first samples,
 * which is why the caller waits for `minSamples` before trusting it.
 */
export class P2Quantile {
  /** The quantile tracked, in (0, 1). */
  readonly p: number;
  /** Marker heights (estimates of the min, p/2, p, (1+p)/2 and max quantiles). */
  private readonly q: number[] = [];
  /** Actual marker positions (1-based ranks). */
  private readonly n = [1, 2, 3, 4, 5];
  /** Desired marker positions. */
  private readonly want: number[];
  /** Increments of the desired positions per observation. */
  private readonly step: number[];
  /** Observations seen. */
  private seen = 0;

  constructor(p: number) {
    if (!(p > 0 && p < 1)) throw new ConfigError(`quantile must be in (0, 1), got ${p}`);
    this.p = p;
    this.want = [1, 1 + 2 * p, 1 + 4 * p, 3 + 2 * p, 5];
    this.step = [0, p / 2, p, (1 + p) / 2, 1];
  }

  /** Number of observations so far. */
  get count(): number {
    return this.seen;
  }

  /** Adds one observation. */
  observe(x: number): void {
    this.seen++;
    const q = this.q;
    if (this.seen <= 5) {
      q.push(x);
      if (this.seen === 5) q.sort((a, b) => a - b);
      return;
    }
    let k: number;
    if (x < q[0]) {
      q[0] = x;
      k = 0;
    } else if (x >= q[4]) {
      q[4] = x;
      k = 3;
    } else {
      k = 0;
      while (k < 3 && x >= q[k + 1]) k++;
    }
    const n = this.n;
    for (let i = k + 1; i < 5; i++) n[i]++;
    for (let i = 0; i < 5; i++) this.want[i] += this.step[i];
    for (let i = 1; i <= 3; i++) {
      const d = this.want[i] - n[i];
      if ((d >= 1 && n[i + 1] - n[i] > 1) || (d <= -1 && n[i - 1] - n[i] < -1)) {
        const s = d > 0 ? 1 : -1;
        const parabolic = this.parabolic(i, s);
        q[i] = q[i - 1] < parabolic && parabolic < q[i + 1] ? parabolic : this.linear(i, s);
        n[i] += s;
      }
    }
  }

  /** The current estimate; NaN before any observation. */
  value(): number {
    if (this.seen === 0) return Number.NaN;
    if (this.seen < 5) {
      // Too few points for markers: the nearest-rank quantile of what we have.
      const sorted = [...this.q].sort((a, b) => a - b);
      return sorted[Math.min(sorted.length - 1, Math.ceil(this.p * sorted.length) - 1)];
    }
    return this.q[2];
  }

  private parabolic(i: number, s: number): number {
    const { q, n } = this;
    return q[i] + (s / (n[i + 1] - n[i - 1])) * (
      (n[i] - n[i - 1] + s) * (q[i + 1] - q[i]) / (n[i + 1] - n[i]) +
      (n[i + 1] - n[i] - s) * (q[i] - q[i - 1]) / (n[i] - n[i - 1])
    );
  }

  private linear(i: number, s: number): number {
    const { q, n } = this;
    return q[i] + s * (q[i + s] - q[i]) / (n[i + s] - n[i]);
  }
}
