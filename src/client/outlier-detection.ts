import type { Clock } from '../clock.js';
import { ConfigError } from '../errors.js';

/**
 * Passive outlier detection with Envoy's semantics (its `outlier_detection`): an endpoint is
 * ejected after `consecutiveFailures` failures in a row (5xx, resets, timeouts), or when its
 * success rate over an interval falls more than `stdevFactor` standard deviations below the
 * mean of its peers. An ejection lasts `baseEjectionMs` × the number of times the endpoint
 * was ejected (capped by `maxEjectionMs`), so an endpoint that keeps failing stays out longer;
 * each ejection-free `baseEjectionMs` lowers that multiplier by one again. At most
 * `maxEjectionPercent` of the endpoints are ejected at once (at least one may be), and the
 * last endpoint that can serve is never ejected.
 *
 * No timers: the success-rate interval is evaluated on the first outcome recorded after it
 * ends, and re-admission is a clock comparison in `isAvailable`.
 */

export interface OutlierOptions {
  /** Failures in a row that eject. Default 5 (Envoy). */
  consecutiveFailures?: number;
  /** First ejection's length; the n-th lasts n times this. Default 30 000 ms (Envoy). */
  baseEjectionMs?: number;
  /** Longest ejection. Default 300 000 ms (Envoy). */
  maxEjectionMs?: number;
  /** Most endpoints ejected at once, as a percentage; at least one may be. Default 10 (Envoy). */
  maxEjectionPercent?: number;
  /** The success-rate rule; `false` turns it off. */
  successRate?: SuccessRateOptions | false;
}

export interface SuccessRateOptions {
  /** Endpoints with enough volume needed before the rule applies. Default 5 (Envoy). */
  minimumHosts?: number;
  /** Requests an endpoint needs in the interval to be judged. Default 100 (Envoy). */
  requestVolume?: number;
  /** Eject below mean − stdevFactor × stdev. Default 1.9 (Envoy). */
  stdevFactor?: number;
  /** Interval over which success rates are compared. Default 10 000 ms (Envoy). */
  intervalMs?: number;
}

/** What outlier detection keeps on each endpoint. */
export interface OutlierTarget {
  readonly url: string;
  /** Failures in a row now. */
  consecutiveFailures: number;
  /** Ejection multiplier: how many times it was ejected, less the decay. */
  ejectionLevel: number;
  /** Outlier ejection lasts until this clock time (0: not ejected). */
  outlierEjectedUntil: number;
  /** Successes and outcomes in the current success-rate interval. */
  intervalSuccesses: number;
  intervalTotal: number;
  /** Whether it could take a request now, ignoring outlier ejection. */
  canServeIgnoringOutlier(): boolean;
  /** Called when ejected (counts, events). */
  ejected(reason: EjectionReason, durationMs: number, at: number): void;
}

export type EjectionReason = 'consecutive-failures' | 'success-rate' | 'connect-failure' | 'health-check';

export class OutlierDetector {
  private readonly consecutive: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly maxEjected: number;
  private readonly rate: Required<SuccessRateOptions> | undefined;
  private nextEvaluation: number;

  constructor(options: OutlierOptions, private readonly targets: readonly OutlierTarget[], private readonly clock: Clock) {
    this.consecutive = options.consecutiveFailures ?? 5;
    this.baseMs = options.baseEjectionMs ?? 30_000;
    this.maxMs = options.maxEjectionMs ?? 300_000;
    const percent = options.maxEjectionPercent ?? 10;
    if (!(this.consecutive >= 1)) throw new ConfigError(`outlier.consecutiveFailures must be at least 1, got ${options.consecutiveFailures}`);
    if (!(this.baseMs > 0) || !(this.maxMs >= this.baseMs)) throw new ConfigError('outlier: baseEjectionMs must be positive and at most maxEjectionMs');
    if (!(percent >= 0 && percent <= 100)) throw new ConfigError(`outlier.maxEjectionPercent must be in [0, 100], got ${percent}`);
    this.maxEjected = Math.max(1, Math.floor((targets.length * percent) / 100));
    const sr = options.successRate;
    this.rate =
      sr === false
        ? undefined
        : { minimumHosts: sr?.minimumHosts ?? 5, requestVolume: sr?.requestVolume ?? 100, stdevFactor: sr?.stdevFactor ?? 1.9, intervalMs: sr?.intervalMs ?? 10_000 };
    this.nextEvaluation = clock.now() + (this.rate?.intervalMs ?? Infinity);
  }

  /** One outcome of an attempt on `target`. */
  record(target: OutlierTarget, failed: boolean): void {
    if (this.rate !== undefined) {
      target.intervalTotal++;
      if (!failed) target.intervalSuccesses++;
      const now = this.clock.now();
      if (now >= this.nextEvaluation) this.evaluate(now);
    }
    if (!failed) {
      target.consecutiveFailures = 0;
      return;
    }
    if (++target.consecutiveFailures >= this.consecutive) {
      target.consecutiveFailures = 0;
      this.eject(target, 'consecutive-failures');
    }
  }

  /** Endpoints ejected by outlier detection now. */
  ejectedNow(): number {
    const now = this.clock.now();
    let n = 0;
    for (const t of this.targets) if (t.outlierEjectedUntil > now) n++;
    return n;
  }

  /** Ejects `target` unless the cap or the last-one-serving rule forbids it; true when ejected. */
  eject(target: OutlierTarget, reason: EjectionReason): boolean {
    const now = this.clock.now();
    if (target.outlierEjectedUntil > now) return false;
    if (this.ejectedNow() >= this.maxEjected) return false;
    // Never take out the last endpoint that could serve: a degraded answer beats none.
    let others = 0;
    for (const t of this.targets) if (t !== target && t.outlierEjectedUntil <= now && t.canServeIgnoringOutlier()) others++;
    if (others === 0) return false;
    // The multiplier decays by one for every ejection-free base period since the last ejection ended.
    if (target.outlierEjectedUntil > 0) {
      const quiet = Math.floor((now - target.outlierEjectedUntil) / this.baseMs);
      target.ejectionLevel = Math.max(0, target.ejectionLevel - quiet);
    }
    target.ejectionLevel++;
    const durationMs = Math.min(this.maxMs, this.baseMs * target.ejectionLevel);
    target.outlierEjectedUntil = now + durationMs;
    target.ejected(reason, durationMs, now);
    return true;
  }

  /** The success-rate rule over the interval that just ended. */
  private evaluate(now: number): void {
    const rate = this.rate!;
    this.nextEvaluation = now + rate.intervalMs;
    const judged = this.targets.filter((t) => t.intervalTotal >= rate.requestVolume);
    const rates = judged.map((t) => t.intervalSuccesses / t.intervalTotal);
    for (const t of this.targets) {
      t.intervalSuccesses = 0;
      t.intervalTotal = 0;
    }
    if (judged.length < rate.minimumHosts) return;
    const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
    const stdev = Math.sqrt(rates.reduce((a, r) => a + (r - mean) ** 2, 0) / rates.length);
    const floor = mean - rate.stdevFactor * stdev;
    for (let i = 0; i < judged.length; i++) if (rates[i] < floor) this.eject(judged[i], 'success-rate');
  }
}
