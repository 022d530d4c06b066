import { performance } from 'node:perf_hooks';

/**
 * Time is injected everywhere logic depends on it (breakers, windows, schedulers, fault
 * decisions), so tests are exact without fake timers.
 */
export interface Clock {
  /** Monotonic milliseconds (fractional), arbitrary origin. */
  now(): number;
}

/** The real monotonic clock. */
export const monotonicClock: Clock = { now: () => performance.now() };

/** A clock that moves only when told to: for tests. */
export class ManualClock implements Clock {
  constructor(private t = 0) {}
  now(): number {
    return this.t;
  }
  /** Moves time forward by `ms`. */
  advance(ms: number): void {
    this.t += ms;
  }
  set(ms: number): void {
    this.t = ms;
  }
}
