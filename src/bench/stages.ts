import type { LoadStage } from './options.js';

/**
 * `--stages 10s:100,30s:1000,10s:0`: an arrival rate that ramps linearly from one stage's
 * target to the next, as k6's ramping-arrival-rate executor does (each stage goes from the
 * rate the previous one ended at to its own target over its duration; the first starts at
 * `startRate`, `--rate` or 0).
 *
 * Requests are placed by the cumulative count: the k-th request (from 0) is intended at the
 * time t where ∫₀ᵗ rate = k. With a constant rate that is k / R, exactly what `--rate` does,
 * so coordinated-omission correction works the same way: latency runs from that intended time.
 * Pure: durations in ms, rates in requests per second.
 */

interface Segment {
  /** Start of the segment, ms from the curve's origin. */
  startMs: number;
  durationMs: number;
  fromRate: number;
  toRate: number;
  /** Requests intended before the segment starts. */
  countBefore: number;
  /** Requests intended within it (fractional). */
  count: number;
}

export class RateCurve {
  private readonly segments: Segment[] = [];
  /** Total length, ms. */
  readonly durationMs: number;
  /** Requests intended over the whole curve (fractional). */
  readonly totalCount: number;
  /** Cursor for `timeOfCount`, which is called with growing k. */
  private cursor = 0;

  constructor(stages: readonly LoadStage[], startRate = 0) {
    let at = 0;
    let count = 0;
    let from = startRate;
    for (const st of stages) {
      const n = ((from + st.target) / 2) * (st.durationMs / 1000);
      this.segments.push({ startMs: at, durationMs: st.durationMs, fromRate: from, toRate: st.target, countBefore: count, count: n });
      at += st.durationMs;
      count += n;
      from = st.target;
    }
    this.durationMs = at;
    this.totalCount = count;
  }

  /** Requests per second at `tMs` from the origin (0 outside the curve). */
  rateAt(tMs: number): number {
    const s = this.segments.find((g) => tMs >= g.startMs && tMs < g.startMs + g.durationMs);
    if (!s) return 0;
    return s.fromRate + ((s.toRate - s.fromRate) * (tMs - s.startMs)) / s.durationMs;
  }

  /** Requests intended in [0, tMs): the integral of the rate. */
  countBy(tMs: number): number {
    let total = 0;
    for (const s of this.segments) {
      if (tMs <= s.startMs) break;
      const tau = Math.min(tMs - s.startMs, s.durationMs) / 1000;
      const slope = (s.toRate - s.fromRate) / (s.durationMs / 1000);
      total = s.countBefore + s.fromRate * tau + (slope * tau * tau) / 2;
    }
    return total;
  }

  /**
   * When the k-th request is intended, ms from the origin; Infinity when the curve ends first.
   * Calls must come with non-decreasing k (the scheduler's order); a smaller k restarts the search.
   */
  timeOfCount(k: number): number {
    if (k >= this.totalCount) return Infinity;
    if (this.cursor >= this.segments.length || k < this.segments[this.cursor]!.countBefore) this.cursor = 0;
    while (this.cursor < this.segments.length) {
      const s = this.segments[this.cursor]!;
      const n = k - s.countBefore;
      if (n < s.count) {
        // Solve fromRate·τ + slope·τ²/2 = n for τ ≥ 0. The form 2n / (r0 + √(r0² + 2·slope·n))
        // is stable for a rising, flat or falling ramp and for r0 = 0.
        const slope = (s.toRate - s.fromRate) / (s.durationMs / 1000);
        const disc = Math.max(0, s.fromRate * s.fromRate + 2 * slope * n);
        const denom = s.fromRate + Math.sqrt(disc);
        const tau = n <= 0 ? 0 : denom > 0 ? (2 * n) / denom : 0;
        return s.startMs + Math.min(s.durationMs, tau * 1000);
      }
      this.cursor++;
    }
    return Infinity;
  }

  /** The stages as spans with their expected request count, ms from the origin. */
  spans(): { startMs: number; durationMs: number; fromRate: number; toRate: number; expected: number }[] {
    return this.segments.map((s) => ({ startMs: s.startMs, durationMs: s.durationMs, fromRate: s.fromRate, toRate: s.toRate, expected: s.count }));
  }
}

/**
 * Index of the stage holding `tMs` (ms from the start of the stages); a completion after the
 * last stage ended (its last requests' responses) belongs to the last stage.
 */
export function stageIndexAt(stages: readonly LoadStage[], tMs: number): number {
  let at = 0;
  for (let i = 0; i < stages.length; i++) {
    at += stages[i]!.durationMs;
    if (tMs < at) return i;
  }
  return stages.length - 1;
}
