import type { Clock } from '../clock.js';
import { ConfigError } from '../errors.js';
import { P2Quantile } from '../stats/p2-quantile.js';
import { RetryBudget } from './retry-budget.js';

/**
 * Hedged requests (Dean & Barroso, "The Tail at Scale"; gRPC's hedging policy, gRFC A6;
 * Envoy's hedge on per-try timeout): when an idempotent request has no response headers
 * after `delayMs`, a copy goes to another session or endpoint and the first answer wins.
 * Hedges are capped twice: by `maxRate` of the requests of the last 10 s (plus a small
 * floor per second), and by the retry budget they spend from, so a slow backend does not get
 * its load multiplied.
 *
 * `delayMs: 'auto'` takes the delay from each endpoint's own measured latency (time to
 * response headers of its successful attempts): about its P95, kept by a P² streaming
 * estimator in constant memory. Until `AUTO_MIN_SAMPLES` answers were seen there is no
 * estimate worth trusting, and that endpoint's requests are not hedged.
 */

export interface HedgeOptions {
  /** Wait this long for response headers before sending a copy; 'auto' = the endpoint's measured P95. */
  delayMs: number | 'auto';
  /** Copies per request at most, beyond the first attempt. Default 1. */
  maxHedges?: number;
  /** Hedges at most this share of the requests of the last 10 s (plus `minPerSecond`). Default 0.1. */
  maxRate?: number;
  /**
   * Hedges per second allowed on top of `maxRate`, so a burst of slow answers is not refused
   * just because the share was already spent by its first half, and a quiet client can still
   * hedge. Default 10 (the retry budget's floor, Finagle's).
   */
  minPerSecond?: number;
}

/** Answers an endpoint must have given before 'auto' trusts its P95. */
export const AUTO_MIN_SAMPLES = 50;

/** The quantile 'auto' hedges at. */
export const AUTO_QUANTILE = 0.95;

/** Per endpoint: the latency estimate behind an 'auto' delay. */
export interface HedgeLatency {
  hedgeLatency: P2Quantile | undefined;
}

export class HedgePolicy {
  readonly auto: boolean;
  readonly fixedDelayMs: number;
  readonly maxHedges: number;
  readonly maxRate: number;
  private readonly rate: RetryBudget;

  constructor(options: HedgeOptions, clock: Clock) {
    if (options.delayMs === 'auto') {
      this.auto = true;
      this.fixedDelayMs = Number.NaN;
    } else {
      if (!(options.delayMs > 0 && Number.isFinite(options.delayMs))) throw new ConfigError(`hedge.delayMs must be a positive number or 'auto', got ${options.delayMs}`);
      this.auto = false;
      this.fixedDelayMs = options.delayMs;
    }
    this.maxHedges = Math.floor(options.maxHedges ?? 1);
    if (!(this.maxHedges >= 1)) throw new ConfigError(`hedge.maxHedges must be at least 1, got ${options.maxHedges}`);
    this.maxRate = options.maxRate ?? 0.1;
    if (!(this.maxRate > 0 && this.maxRate <= 1)) throw new ConfigError(`hedge.maxRate must be in (0, 1], got ${options.maxRate}`);
    // The same sliding count as the retry budget: a share of recent requests plus a floor.
    this.rate = new RetryBudget({ ratio: this.maxRate, minPerSecond: options.minPerSecond ?? 10 }, clock);
  }

  /** Counts one request toward the rate cap. */
  recordRequest(): void {
    this.rate.recordRequest();
  }

  /** Takes one hedge from the rate cap; false when the cap is reached. */
  tryHedge(): boolean {
    return this.rate.tryWithdraw();
  }

  /** Hedges the rate cap refused so far. */
  get refused(): number {
    return this.rate.refused;
  }

  /** The delay for a request on `endpoint`, whole ms; undefined while 'auto' is warming up. */
  delayFor(endpoint: HedgeLatency): number | undefined {
    if (!this.auto) return this.fixedDelayMs;
    const q = endpoint.hedgeLatency;
    if (q === undefined || q.count < AUTO_MIN_SAMPLES) return undefined;
    return Math.max(1, Math.ceil(q.value()));
  }

  /** An answer on `endpoint` took `ms` to its headers (only 'auto' keeps it). */
  observe(endpoint: HedgeLatency, ms: number): void {
    if (!this.auto) return;
    (endpoint.hedgeLatency ??= new P2Quantile(AUTO_QUANTILE)).observe(ms);
  }
}
