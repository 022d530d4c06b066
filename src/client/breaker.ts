import type { Clock } from '../clock.js';
import { monotonicClock } from '../clock.js';
import { AbortError, BreakerOpenError, ConfigError } from '../errors.js';
import { createSlidingWindow, type CallOutcome, type SlidingWindow, type WindowSpec, type WindowSnapshot } from './sliding-window.js';

/**
 * A circuit breaker with resilience4j semantics: a sliding window (count- or time-based)
 * opens the breaker when the failure rate or the slow-call rate reaches its threshold once
 * `minimumCalls` calls are in the window; after `openMs` it lets `halfOpenCalls` trial calls
 * through and closes or reopens on their outcome.
 *
 * No timers: open → half-open is decided lazily when someone asks (cockatiel's good idea), so
 * thousands of per-endpoint breakers cost nothing while idle. Half-open callers beyond the
 * permits are rejected at once with BreakerOpenError rather than queued.
 */

export interface BreakerOptions {
  /** Sliding window: `{ seconds: 10 }` or `{ calls: 100 }`. Default `{ seconds: 10 }`. */
  window?: WindowSpec;
  /** Open when failures ÷ calls reaches this (0–1). Default 0.5. */
  failureRate?: number;
  /** Open when slow calls ÷ calls reaches this (0–1). Default 1 (resilience4j's 100 %). */
  slowCallRate?: number;
  /** A call slower than this counts as slow. Default 60 000 ms (resilience4j). */
  slowCallMs?: number;
  /** No decision before this many calls are in the window. Default 20. */
  minimumCalls?: number;
  /** How long the breaker stays open before trial calls. Default 30 000 ms. */
  openMs?: number;
  /** Trial calls allowed in half-open. Default 3. */
  halfOpenCalls?: number;
}

export type BreakerStateName = 'closed' | 'open' | 'half-open';

/** Discriminated union of the breaker's state. */
export type BreakerState =
  | { name: 'closed' }
  | { name: 'open'; /** clock time it opened */ openedAt: number }
  | {
      name: 'half-open';
      /** Permits handed out so far. */
      issued: number;
      /** Trial calls finished. */
      finished: number;
      /** Trial calls that failed. */
      failures: number;
      /** Trial calls that were slow. */
      slowCalls: number;
    };

export interface BreakerTransition {
  from: BreakerStateName;
  to: BreakerStateName;
  /** Clock time of the change. */
  at: number;
  /** Window aggregate that caused a close → open change (absent otherwise). */
  window?: WindowSnapshot;
}

/** What a caller holds while its call runs; hand it back to `record` or `release`. */
export interface BreakerPermit {
  /** Clock time the permit was taken; call duration is measured from here. */
  readonly startedAt: number;
  /** True for a half-open trial call. */
  readonly trial: boolean;
  /** Set once recorded or released, so a permit counts once. */
  done: boolean;
}

interface ResolvedBreakerOptions {
  failureRate: number;
  slowCallRate: number;
  slowCallMs: number;
  minimumCalls: number;
  openMs: number;
  halfOpenCalls: number;
}

function rate(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!(v > 0 && v <= 1)) throw new ConfigError(`breaker.${name} must be in (0, 1], got ${value}`);
  return v;
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!(Number.isFinite(v) && v >= 0)) throw new ConfigError(`breaker.${name} must be a non-negative number, got ${value}`);
  return v;
}

/** The four outcomes, shared: recording a call allocates nothing (it runs once per request). */
const OUTCOMES: readonly CallOutcome[] = [
  Object.freeze({ failed: false, slow: false }),
  Object.freeze({ failed: true, slow: false }),
  Object.freeze({ failed: false, slow: true }),
  Object.freeze({ failed: true, slow: true }),
];

export class CircuitBreaker {
  private readonly options: ResolvedBreakerOptions;
  private readonly window: SlidingWindow;
  private current: BreakerState = { name: 'closed' };
  private readonly listeners = new Set<(t: BreakerTransition) => void>();
  /** Times the breaker went to open (from closed or half-open). */
  opens = 0;

  constructor(options: BreakerOptions = {}, private readonly clock: Clock = monotonicClock) {
    this.options = {
      failureRate: rate(options.failureRate, 0.5, 'failureRate'),
      slowCallRate: rate(options.slowCallRate, 1, 'slowCallRate'),
      slowCallMs: nonNegative(options.slowCallMs, 60_000, 'slowCallMs'),
      minimumCalls: Math.max(1, Math.floor(nonNegative(options.minimumCalls, 20, 'minimumCalls'))),
      openMs: nonNegative(options.openMs, 30_000, 'openMs'),
      halfOpenCalls: Math.max(1, Math.floor(nonNegative(options.halfOpenCalls, 3, 'halfOpenCalls'))),
    };
    try {
      this.window = createSlidingWindow(options.window ?? { seconds: 10 });
    } catch (err) {
      throw new ConfigError(`breaker.window: ${(err as Error).message}`, { cause: err });
    }
  }

  /** The state now; an open breaker whose `openMs` has passed reads as half-open. */
  get state(): BreakerStateName {
    return this.settle().name;
  }

  /** Aggregate of the closed-state window now. */
  snapshot(): WindowSnapshot {
    return this.window.snapshot(this.clock.now());
  }

  /** True when a call would be let through now (without taking a permit). */
  isCallPermitted(): boolean {
    const s = this.settle();
    return s.name === 'closed' || (s.name === 'half-open' && s.issued < this.options.halfOpenCalls);
  }

  /**
   * Takes a permit or throws BreakerOpenError at once (never waits). An already-aborted
   * signal throws AbortError before any permit is taken.
   */
  acquire(signal?: AbortSignal): BreakerPermit {
    if (signal?.aborted) throw new AbortError('aborted before the breaker was asked', { cause: signal.reason });
    const s = this.settle();
    const now = this.clock.now();
    if (s.name === 'closed') return { startedAt: now, trial: false, done: false };
    if (s.name === 'half-open' && s.issued < this.options.halfOpenCalls) {
      s.issued++;
      return { startedAt: now, trial: true, done: false };
    }
    if (s.name === 'open') {
      const left = Math.max(0, Math.ceil(s.openedAt + this.options.openMs - now));
      throw new BreakerOpenError(`circuit breaker open (half-open in ${left} ms)`);
    }
    throw new BreakerOpenError(`circuit breaker half-open: all ${this.options.halfOpenCalls} trial permits taken`);
  }

  /** Records the outcome of a permitted call. `failed` says whether it counts as a failure. */
  record(permit: BreakerPermit, failed: boolean): void {
    if (permit.done) return;
    permit.done = true;
    const now = this.clock.now();
    const slow = now - permit.startedAt > this.options.slowCallMs;
    const s = this.settle();
    if (permit.trial) {
      if (s.name !== 'half-open') return; // a stale trial from an earlier half-open period
      s.finished++;
      if (failed) s.failures++;
      if (slow) s.slowCalls++;
      if (s.finished >= this.options.halfOpenCalls) {
        const failureRate = s.failures / s.finished;
        const slowRate = s.slowCalls / s.finished;
        if (failureRate >= this.options.failureRate || slowRate >= this.options.slowCallRate) this.open(now);
        else this.transition({ name: 'closed' }, now);
      }
      return;
    }
    if (s.name !== 'closed') return; // finished after the breaker opened: the window was reset
    this.window.record(OUTCOMES[(failed ? 1 : 0) | (slow ? 2 : 0)], now);
    const snap = this.window.snapshot(now);
    if (snap.calls < this.options.minimumCalls) return;
    if (snap.failureRate >= this.options.failureRate || snap.slowCallRate >= this.options.slowCallRate) this.open(now, snap);
  }

  /**
   * Gives a permit back without an outcome (the caller aborted, or the call never reached
   * the server): a half-open permit becomes available again.
   */
  release(permit: BreakerPermit): void {
    if (permit.done) return;
    permit.done = true;
    const s = this.settle();
    if (permit.trial && s.name === 'half-open' && s.issued > s.finished) s.issued--;
  }

  /** Forces the breaker open now (passive ejection on a dead connection, for example). */
  forceOpen(): void {
    if (this.settle().name !== 'open') this.open(this.clock.now());
  }

  /** Runs `fn` under the breaker; a thrown error counts as failure unless `isFailure` says no. */
  async execute<T>(fn: (signal?: AbortSignal) => Promise<T>, signal?: AbortSignal, isFailure: (err: unknown) => boolean = () => true): Promise<T> {
    const permit = this.acquire(signal);
    try {
      const value = await fn(signal);
      this.record(permit, false);
      return value;
    } catch (err) {
      if (err instanceof AbortError || signal?.aborted) this.release(permit);
      else this.record(permit, isFailure(err));
      throw err;
    }
  }

  /** Subscribes to state changes; returns the unsubscribe function. */
  onStateChange(listener: (t: BreakerTransition) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private settle(): BreakerState {
    const s = this.current;
    if (s.name === 'open') {
      const now = this.clock.now();
      if (now - s.openedAt >= this.options.openMs) {
        this.transition({ name: 'half-open', issued: 0, finished: 0, failures: 0, slowCalls: 0 }, s.openedAt + this.options.openMs);
      }
    }
    return this.current;
  }

  private open(now: number, window?: WindowSnapshot): void {
    this.opens++;
    this.transition({ name: 'open', openedAt: now }, now, window);
  }

  private transition(next: BreakerState, at: number, window?: WindowSnapshot): void {
    const from = this.current.name;
    this.current = next;
    // Each state starts with an empty window (resilience4j resets on every transition).
    this.window.reset();
    const event: BreakerTransition = window ? { from, to: next.name, at, window } : { from, to: next.name, at };
    for (const listener of [...this.listeners]) listener(event);
  }
}
