import type { Clock } from '../clock.js';
import { monotonicClock } from '../clock.js';
import { ConfigError } from '../errors.js';

/**
 * A retry budget (Finagle / Envoy style): retries may be at most `ratio` of the requests of
 * the last `ttlMs`, plus a floor of `minPerSecond` so a quiet client can still retry. This
 * bounds the extra load retries put on a struggling backend to a share of real traffic,
 * where a fixed `maxAttempts` alone multiplies it (3 attempts = up to 3× load in a storm).
 *
 * Pure counting over one-second buckets expired by the injected clock; no timers.
 */
export interface RetryBudgetOptions {
  /** Retries allowed as a share of recent requests. Default 0.2 (Finagle, Envoy). */
  ratio?: number;
  /** Retries per second allowed regardless of traffic. Default 10 (Finagle). */
  minPerSecond?: number;
  /** How far back requests and retries count. Default 10 000 ms. */
  ttlMs?: number;
}

export interface RetryBudgetSnapshot {
  /** Requests (first attempts) in the budget's window. */
  requests: number;
  /** Retries taken in the window. */
  retries: number;
  /** Retries still allowed now (floor of the balance). */
  available: number;
  /** Retries refused since the budget was made. */
  refused: number;
}

export class RetryBudget {
  private readonly ratio: number;
  private readonly reserve: number;
  private readonly seconds: number;
  private readonly requests: Uint32Array;
  private readonly retries: Uint32Array;
  private totalRequests = 0;
  private totalRetries = 0;
  private newest = -Infinity;
  /** Retries refused since creation. */
  refused = 0;

  constructor(options: RetryBudgetOptions = {}, private readonly clock: Clock = monotonicClock) {
    this.ratio = options.ratio ?? 0.2;
    if (!(this.ratio >= 0 && Number.isFinite(this.ratio))) throw new ConfigError(`retry.budget must be a non-negative number, got ${options.ratio}`);
    const minPerSecond = options.minPerSecond ?? 10;
    if (!(minPerSecond >= 0 && Number.isFinite(minPerSecond))) throw new ConfigError(`retry.minPerSecond must be a non-negative number, got ${options.minPerSecond}`);
    const ttlMs = options.ttlMs ?? 10_000;
    if (!(ttlMs >= 1000 && Number.isFinite(ttlMs))) throw new ConfigError(`retry budget ttlMs must be at least 1000, got ${options.ttlMs}`);
    this.seconds = Math.round(ttlMs / 1000);
    this.reserve = minPerSecond * this.seconds;
    this.requests = new Uint32Array(this.seconds);
    this.retries = new Uint32Array(this.seconds);
  }

  private advance(): number {
    const second = Math.floor(this.clock.now() / 1000);
    if (second <= this.newest) return ((this.newest % this.seconds) + this.seconds) % this.seconds;
    if (second - this.newest >= this.seconds) {
      this.requests.fill(0);
      this.retries.fill(0);
      this.totalRequests = 0;
      this.totalRetries = 0;
    } else {
      for (let s = this.newest + 1; s <= second; s++) {
        const i = ((s % this.seconds) + this.seconds) % this.seconds;
        this.totalRequests -= this.requests[i];
        this.totalRetries -= this.retries[i];
        this.requests[i] = 0;
        this.retries[i] = 0;
      }
    }
    this.newest = second;
    return ((second % this.seconds) + this.seconds) % this.seconds;
  }

  /** Counts one request (a first attempt): deposits `ratio` of a retry. */
  recordRequest(): void {
    const i = this.advance();
    this.requests[i]++;
    this.totalRequests++;
  }

  private balance(): number {
    return this.reserve + this.ratio * this.totalRequests - this.totalRetries;
  }

  /** Takes one retry from the budget; false (and counted as refused) when none is left. */
  tryWithdraw(): boolean {
    const i = this.advance();
    if (this.balance() < 1) {
      this.refused++;
      return false;
    }
    this.retries[i]++;
    this.totalRetries++;
    return true;
  }

  snapshot(): RetryBudgetSnapshot {
    this.advance();
    return { requests: this.totalRequests, retries: this.totalRetries, available: Math.max(0, Math.floor(this.balance())), refused: this.refused };
  }
}
