/**
 * The breaker's sliding window (resilience4j semantics): the outcomes of the last N calls, or
 * of the calls in the last N seconds. Pure: time comes in as an argument.
 *
 * The time-based window keeps one bucket per second and expires buckets by the clock when it
 * is read or written, so after an idle gap it holds nothing stale (cockatiel's sampling
 * breaker counts old buckets after a gap, its issue #64).
 */

/** `{ seconds }` for a time-based window, `{ calls }` for a count-based one. */
export type WindowSpec = { seconds: number } | { calls: number };

/** One finished call as the window sees it. */
export interface CallOutcome {
  /** The call failed (error, or a status the caller counts as failure). */
  failed: boolean;
  /** The call took longer than the slow-call threshold. */
  slow: boolean;
}

/** Aggregate over the calls currently in the window. */
export interface WindowSnapshot {
  /** Calls in the window. */
  calls: number;
  /** Failed calls in the window. */
  failures: number;
  /** Slow calls in the window (failed or not). */
  slowCalls: number;
  /** failures ÷ calls, 0 when empty. */
  failureRate: number;
  /** slowCalls ÷ calls, 0 when empty. */
  slowCallRate: number;
}

export interface SlidingWindow {
  record(outcome: CallOutcome, nowMs: number): void;
  snapshot(nowMs: number): WindowSnapshot;
  reset(): void;
}

function toSnapshot(calls: number, failures: number, slowCalls: number): WindowSnapshot {
  return {
    calls,
    failures,
    slowCalls,
    failureRate: calls === 0 ? 0 : failures / calls,
    slowCallRate: calls === 0 ? 0 : slowCalls / calls,
  };
}

/** The last `size` calls, kept in a ring of one byte each (bit 0 failed, bit 1 slow). */
export class CountSlidingWindow implements SlidingWindow {
  private readonly ring: Uint8Array;
  /** Next slot to write. */
  private head = 0;
  /** Slots filled, up to the ring size. */
  private filled = 0;
  private failures = 0;
  private slowCalls = 0;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`window calls must be a positive integer, got ${size}`);
    this.ring = new Uint8Array(size);
  }

  record(outcome: CallOutcome): void {
    if (this.filled === this.size) {
      const old = this.ring[this.head];
      if (old & 1) this.failures--;
      if (old & 2) this.slowCalls--;
    } else {
      this.filled++;
    }
    const bits = (outcome.failed ? 1 : 0) | (outcome.slow ? 2 : 0);
    this.ring[this.head] = bits;
    if (outcome.failed) this.failures++;
    if (outcome.slow) this.slowCalls++;
    this.head = (this.head + 1) % this.size;
  }

  snapshot(): WindowSnapshot {
    return toSnapshot(this.filled, this.failures, this.slowCalls);
  }

  reset(): void {
    this.head = 0;
    this.filled = 0;
    this.failures = 0;
    this.slowCalls = 0;
  }
}

/** Calls in the last `seconds` seconds, in one bucket per second, expired lazily by the clock. */
export class TimeSlidingWindow implements SlidingWindow {
  private readonly calls: Uint32Array;
  private readonly failures: Uint32Array;
  private readonly slow: Uint32Array;
  private totalCalls = 0;
  private totalFailures = 0;
  private totalSlow = 0;
  /** Newest second seen; buckets older than `newest - seconds + 1` are expired. */
  private newest = -Infinity;

  constructor(readonly seconds: number) {
    if (!Number.isInteger(seconds) || seconds < 1) throw new RangeError(`window seconds must be a positive integer, got ${seconds}`);
    this.calls = new Uint32Array(seconds);
    this.failures = new Uint32Array(seconds);
    this.slow = new Uint32Array(seconds);
  }

  private advance(nowMs: number): number {
    const second = Math.floor(nowMs / 1000);
    if (second <= this.newest) return second;
    if (second - this.newest >= this.seconds) {
      // An idle gap longer than the window: everything is stale.
      this.reset();
    } else {
      for (let s = this.newest + 1; s <= second; s++) this.clearBucket(((s % this.seconds) + this.seconds) % this.seconds);
    }
    this.newest = second;
    return second;
  }

  private clearBucket(i: number): void {
    this.totalCalls -= this.calls[i];
    this.totalFailures -= this.failures[i];
    this.totalSlow -= this.slow[i];
    this.calls[i] = 0;
    this.failures[i] = 0;
    this.slow[i] = 0;
  }

  record(outcome: CallOutcome, nowMs: number): void {
    const second = this.advance(nowMs);
    // A clock that steps backwards by more than the window would land in an expired bucket:
    // count it in the newest one instead of resurrecting old data.
    const target = second < this.newest - this.seconds + 1 ? this.newest : second;
    const i = ((target % this.seconds) + this.seconds) % this.seconds;
    this.calls[i]++;
    this.totalCalls++;
    if (outcome.failed) {
      this.failures[i]++;
      this.totalFailures++;
    }
    if (outcome.slow) {
      this.slow[i]++;
      this.totalSlow++;
    }
  }

  snapshot(nowMs: number): WindowSnapshot {
    this.advance(nowMs);
    return toSnapshot(this.totalCalls, this.totalFailures, this.totalSlow);
  }

  reset(): void {
    this.calls.fill(0);
    this.failures.fill(0);
    this.slow.fill(0);
    this.totalCalls = 0;
    this.totalFailures = 0;
    this.totalSlow = 0;
  }
}

/** Builds the window a spec asks for. */
export function createSlidingWindow(spec: WindowSpec): SlidingWindow {
  return 'seconds' in spec ? new TimeSlidingWindow(spec.seconds) : new CountSlidingWindow(spec.calls);
}
