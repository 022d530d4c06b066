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
  /** Every entry so far started no earlier than the one before it (the usual case: see below). */
  private inOrder = true;
  /** Start of the newest entry. */
  private lastStart = Number.NEGATIVE_INFINITY;
  /** Longest entry ever recorded (end − start), ms: how far back an overlap can begin. */
  private longest = 0;

  constructor(readonly capacity: number) {}

  record(pause: Pause): void {
    if (pause.start < this.lastStart) this.inOrder = false;
    this.lastStart = pause.start;
    if (pause.end - pause.start > this.longest) this.longest = pause.end - pause.start;
    if (this.ring.length < this.capacity) this.ring.push(pause);
    else this.ring[this.next] = pause;
    this.next = (this.next + 1) % this.capacity;
  }

  /**
   * Summary of entries whose [start, end] overlaps [from, to].
   *
   * Stalls and GC pauses arrive in time order, so the ring holds them sorted by start from
   * its oldest slot on: a binary search finds the last entry starting by `to`, and the scan
   * goes back only as far as an entry could still reach `from`. A long-lived server keeps
   * the ring full (a thousand GC pauses are a few minutes of traffic), and scanning all of it
   * for every slow request cost that request's capture a few thousand loads of scattered
   * objects. Out-of-order entries (never seen, but the clock is injected) fall back to the
   * full scan.
   */
  overlapping(from: number, to: number): PauseSummary {
    const ring = this.ring;
    const size = ring.length;
    if (!this.inOrder) return summarise(ring, 0, size, 0, from, to);
    // Chronological index i is at slot (first + i) % size.
    const first = size < this.capacity ? 0 : this.next;
    let lo = 0;
    let hi = size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ring[(first + mid) % size]!.start <= to) lo = mid + 1;
      else hi = mid;
    }
    // Entries [0, lo) start by `to`; walk back while one could still end at or after `from`.
    const reach = from - this.longest;
    let begin = lo;
    while (begin > 0 && ring[(first + begin - 1) % size]!.start >= reach) begin--;
    return summarise(ring, begin, lo, first, from, to);
  }

  /** Number of entries held. */
  get size(): number {
    return this.ring.length;
  }
}

/** Sums the entries at chronological indexes [begin, end) that overlap [from, to]. */
function summarise(ring: readonly Pause[], begin: number, end: number, first: number, from: number, to: number): PauseSummary {
  let count = 0;
  let totalMs = 0;
  let maxMs = 0;
  const size = ring.length;
  for (let i = begin; i < end; i++) {
    const p = ring[(first + i) % size]!;
    if (p.end < from || p.start > to) continue;
    count++;
    totalMs += p.value;
    if (p.value > maxMs) maxMs = p.value;
  }
  return { count, totalMs, maxMs };
}
