/**
 * A bounded, time-ordered record of pauses (event-loop delay intervals, GC pauses) that can
 * answer "what overlapped [from, to]?" for a slow request.
 *
 * Pure: entries come in with times from the injected clock; the ring drops the oldest when
 * full, so memory stays fixed whatever the request rate.
 */

/** One pause or sampling interval. */
export interface Pause {
  /** Start, clock milliseconds. */
  start: number;
  /** End, clock milliseconds (≥ start). */
  end: number;
  /** What the entry measured: a GC pause's duration, or an interval's worst loop delay (ms). */
  value: number;
  /** Free-form kind: GC flavour (`minor`, `major`…) or `loop`. */
  kind: string;
}

/** Summary of the pauses that overlapped a window. */
export interface PauseSummary {
  /** Entries that overlapped. */
  count: number;
  /** Sum of their values (ms). */
  totalMs: number;
  /** Largest value (ms); 0 when none. */
  maxMs: number;
}

export class PauseTimeline {
  /** Ring storage; `next` is the slot written next. */
  private readonly ring: Pause[] = [];
  private next = 0;

  constructor(readonly capacity: number) {}

  record(pause: Pause): void {
    if (this.ring.length < this.capacity) this.ring.push(pause);
    else this.ring[this.next] = pause;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Summary of entries whose [start, end] overlaps [from, to]. */
  overlapping(from: number, to: number): PauseSummary {
    let count = 0;
    let totalMs = 0;
    let maxMs = 0;
    for (const p of this.ring) {
      if (p.end < from || p.start > to) continue;
      count++;
      totalMs += p.value;
      if (p.value > maxMs) maxMs = p.value;
    }
    return { count, totalMs, maxMs };
  }

  /** Number of entries held. */
  get size(): number {
    return this.ring.length;
  }
}
