import { ConfigError } from '../errors.js';
import { percentile } from '../stats/percentile.js';
import { formatNumber } from '../units.js';
import type { BreakerOptions } from './breaker.js';

/**
 * Derives breaker settings from what the service really does, so the breaker fits the
 * latency it guards. The incident behind this project: a breaker with a slow-call threshold
 * below the real P99 (800 ms) tripped on healthy traffic.
 *
 * - slowCallMs: the measured P99 times `headroom`, rounded up to a readable step, so healthy
 *   tail requests are not "slow" and a real slowdown (the tail moving up) is.
 * - minimumCalls: about a quarter of the calls one window sees at the measured rate, clamped
 *   to [10, 100], so one unlucky second on a quiet client cannot open the breaker (opossum's
 *   volumeThreshold 0 opens on a single failure) and a busy client still decides quickly.
 * - window: time-based when traffic is steady enough to fill it, count-based below 1 req/s,
 *   where a time window would hold too few calls to mean anything.
 */
export interface LatencyProfile {
  /** Measured latencies in ms (at least 20 samples). */
  latenciesMs: readonly number[];
  /** Requests per second this client sends to the endpoint. */
  requestsPerSecond: number;
}

export interface BreakerTuningOptions {
  /** Multiplier on P99 for slowCallMs. Default 1.5. */
  headroom?: number;
  /** Time window length when time-based. Default 10 s. */
  windowSeconds?: number;
}

export interface BreakerTuning {
  /** The options to pass to the breaker. */
  options: Required<Pick<BreakerOptions, 'window' | 'slowCallMs' | 'minimumCalls' | 'slowCallRate' | 'failureRate'>>;
  /** Measured P50, P99 and max, in ms, for the record. */
  measured: { p50: number; p99: number; max: number; samples: number };
  /** One line per decision: why each value is what it is. */
  reasons: string[];
}

/** Rounds up to 1, 2 or 5 × a power of ten, so the threshold reads like one a person chose. */
function roundUpReadable(ms: number): number {
  if (ms <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(ms));
  for (const step of [1, 2, 5, 10]) if (step * power >= ms) return step * power;
  return 10 * power;
}

export function deriveBreakerOptions(profile: LatencyProfile, tuning: BreakerTuningOptions = {}): BreakerTuning {
  const samples = profile.latenciesMs.filter((v) => Number.isFinite(v) && v >= 0);
  if (samples.length < 20) throw new ConfigError(`need at least 20 latency samples to derive breaker settings, got ${samples.length}`);
  if (!(profile.requestsPerSecond > 0)) throw new ConfigError(`requestsPerSecond must be positive, got ${profile.requestsPerSecond}`);
  const headroom = tuning.headroom ?? 1.5;
  if (!(headroom >= 1)) throw new ConfigError(`headroom must be at least 1, got ${headroom}`);
  const windowSeconds = tuning.windowSeconds ?? 10;

  const p50 = percentile(samples, 0.5)!;
  const p99 = percentile(samples, 0.99)!;
  const max = samples.reduce((m, v) => (v > m ? v : m), 0);
  const slowCallMs = roundUpReadable(p99 * headroom);

  const perWindow = profile.requestsPerSecond * windowSeconds;
  const timeBased = profile.requestsPerSecond >= 1;
  const window = timeBased ? { seconds: windowSeconds } : { calls: 20 };
  const minimumCalls = timeBased ? Math.min(100, Math.max(10, Math.round(perWindow / 4))) : 10;

  const reasons = [
    `slowCallMs ${slowCallMs}: P99 ${p99.toFixed(1)} ms × ${headroom} headroom, rounded up`,
    timeBased
      ? `window ${windowSeconds} s: ${formatNumber(profile.requestsPerSecond)} req/s fills it with about ${Math.round(perWindow)} calls`
      : `window 20 calls: ${formatNumber(profile.requestsPerSecond)} req/s is too little traffic for a time window`,
    `minimumCalls ${minimumCalls}: about a quarter of one window's calls, between 10 and 100`,
    'slowCallRate 0.5: open when half the calls are slower than the tail the service normally has',
  ];
  return {
    options: { window, slowCallMs, minimumCalls, slowCallRate: 0.5, failureRate: 0.5 },
    measured: { p50, p99, max, samples: samples.length },
    reasons,
  };
}
