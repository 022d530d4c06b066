import { ConfigError } from '../errors.js';
import { percentile } from '../stats/percentile.js';
import type { LatencyProfile } from './breaker-tuning.js';
import type { HedgeOptions } from './hedge-policy.js';

/**
 * Derives hedging from measured latency, the sibling of `deriveBreakerOptions`: a hedge delay
 * past what healthy requests take, so healthy traffic is almost never copied, and short
 * enough that a stuck request is copied long before its deadline.
 *
 * - delayMs: the larger of P95 × `headroom` and P99, rounded up to whole 10 ms (whole ms
 *   below 10), at least `minDelayMs` (below a few ms, timer granularity and event-loop lag
 *   decide, not the delay). Finer than the breaker's 1/2/5 steps: each hedge waits this long,
 *   and 135 ms rounded to 200 would spend a third of a short deadline waiting.
 *   "The Tail at Scale" hedges at about the P95; the headroom keeps a busy client's own lag
 *   from turning ordinary requests into hedges.
 * - maxHedges (default 1): one copy cuts the tail from p to p² when stalls are independent;
 *   a second copy (sent one delay after the first) is for stalls that stick to connections.
 * - maxRate: the share of requests that may be hedged, default 0.1.
 */
export interface HedgeTuningOptions {
  /** Multiplier on P95. Default 1.5. */
  headroom?: number;
  /** Passed through. Default 1. */
  maxHedges?: number;
  /** Smallest delay. Default 5 ms. */
  minDelayMs?: number;
  /** Passed through. Default 0.1. */
  maxRate?: number;
}

export interface HedgeTuning {
  options: Required<Pick<HedgeOptions, 'maxHedges' | 'maxRate'>> & { delayMs: number };
  measured: { p50: number; p95: number; p99: number; samples: number };
  reasons: string[];
}

export function deriveHedgeOptions(profile: LatencyProfile, tuning: HedgeTuningOptions = {}): HedgeTuning {
  const samples = profile.latenciesMs.filter((v) => Number.isFinite(v) && v >= 0);
  if (samples.length < 20) throw new ConfigError(`need at least 20 latency samples to derive a hedge delay, got ${samples.length}`);
  const headroom = tuning.headroom ?? 1.5;
  const maxHedges = Math.floor(tuning.maxHedges ?? 1);
  if (!(maxHedges >= 1)) throw new ConfigError(`maxHedges must be at least 1, got ${tuning.maxHedges}`);
  if (!(headroom >= 1)) throw new ConfigError(`headroom must be at least 1, got ${headroom}`);
  const minDelayMs = tuning.minDelayMs ?? 5;
  const maxRate = tuning.maxRate ?? 0.1;
  const p50 = percentile(samples, 0.5)!;
  const p95 = percentile(samples, 0.95)!;
  const p99 = percentile(samples, 0.99)!;
  const raw = Math.max(p95 * headroom, p99);
  const delayMs = Math.max(minDelayMs, raw < 10 ? Math.ceil(raw) : Math.ceil(raw / 10) * 10);
  const reasons = [
    `delayMs ${delayMs}: the larger of P95 ${p95.toFixed(1)} ms × ${headroom} and P99 ${p99.toFixed(1)} ms, rounded up, at least ${minDelayMs} ms`,
    maxHedges === 1
      ? 'maxHedges 1: one copy turns a stall of probability p into p² when stalls are independent'
      : `maxHedges ${maxHedges}: stalls stick to connections here, so a copy that lands on a slow one gets another, one delay later`,
    `maxRate ${maxRate}: at most that share of requests is copied (plus the retry budget they spend)`,
  ];
  return { options: { delayMs, maxHedges, maxRate }, measured: { p50, p95, p99, samples: samples.length }, reasons };
}
