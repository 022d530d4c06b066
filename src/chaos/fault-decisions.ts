import { createRandom, deriveSeed, type Random } from '../random.js';
import { appliesTo, type Fault, type SliceFault, type StallFault, type LatencyFault } from './fault-spec.js';

/**
 * Fault decisions as pure functions of a seeded Random and numbers. The I/O layer
 * (connection-pipe.ts) applies what these return, so a run repeats exactly for a seed.
 */

/**
 * Whether `fault` applies to connection `connId` (toxicity, decided once per connection).
 * The draw is keyed by the fault's name, not its position, so adding or removing another fault
 * never changes which connections this one hits.
 */
export function selectsConnection(seed: number, connId: number, fault: Fault): boolean {
  if (fault.toxicity >= 1) return true;
  if (fault.toxicity <= 0) return false;
  return createRandom(deriveSeed(seed, connId, 'select', fault.name))() < fault.toxicity;
}

/** The faults that act on one direction of one connection. */
export function planDirection(seed: number, connId: number, faults: readonly Fault[], dir: 'up' | 'down'): Fault[] {
  return faults.filter((f) => appliesTo(f, dir) && selectsConnection(seed, connId, f));
}

/** Delay for one chunk: `ms` plus uniform jitter in [-jitter, +jitter], never below zero. */
export function latencyDelayMs(f: LatencyFault, random: Random): number {
  if (f.jitterMs <= 0) return f.ms;
  return Math.max(0, f.ms + (random() * 2 - 1) * f.jitterMs);
}

/**
 * Stall for one chunk: 0 with probability 1-p; otherwise `ms`, doubled for each further
 * consecutive loss (exponential RTO back-off, RFC 6298 §5.5), at most 6 doublings.
 */
export function stallDelayMs(f: StallFault, random: Random): number {
  if (random() >= f.p) return 0;
  let ms = f.ms;
  for (let i = 0; i < 6 && random() < f.p; i++) ms *= 2;
  return ms;
}

/** Time to serialise `bytes` at `bitsPerSecond`, in ms. */
export function transmitMs(bytes: number, bitsPerSecond: number): number {
  return (bytes * 8 * 1000) / bitsPerSecond;
}

/** Piece sizes for a chunk of `total` bytes under a slice fault. Sum equals `total`. */
export function sliceSizes(total: number, f: SliceFault, random: Random): number[] {
  const sizes: number[] = [];
  let left = total;
  while (left > 0) {
    const v = f.variation > 0 ? Math.round((random() * 2 - 1) * f.variation) : 0;
    const n = Math.min(left, Math.max(1, f.size + v));
    sizes.push(n);
    left -= n;
  }
  return sizes;
}

/** One piece of output: bytes with the time (clock ms) before which they must not be written. */
export interface TimedPiece {
  bytes: Buffer;
  at: number;
}

/**
 * Loss is decided per segment of this many bytes (a typical Ethernet MSS), not per chunk read,
 * so the same bytes see the same losses however TCP happened to chunk them.
 */
export const STALL_SEGMENT_BYTES = 1460;

/** Per-direction scheduling state carried between chunks. */
export interface ScheduleState {
  /** Release time of the last piece: later pieces never overtake it (TCP keeps order). */
  lastAt: number;
  /** When the emulated link finishes its current transmission (bandwidth fault). */
  linkFreeAt: number;
  /** Bytes scheduled so far in this direction (segment numbering for stalls). */
  bytes?: number;
  /** Links shared by every connection of the route in this direction, by fault name (`link=shared`). */
  sharedLinks?: Map<string, SharedLink>;
}

/** An emulated link several connections transmit over, one after another. */
export interface SharedLink {
  /** When the link finishes its current transmission (clock ms). */
  freeAt: number;
}

/** What scheduling one chunk applied, for the fault log. */
export interface AppliedDelay {
  kind: 'latency' | 'stall' | 'bandwidth' | 'slice';
  /** Name of the fault in its set. */
  name: string;
  ms: number;
  /** For a stall: the lost segment (bytes from segment × 1460 on). */
  segment?: number;
}

/** The two draw streams of a direction: per-chunk (jitter, slicing) and per-segment (loss). */
export interface ScheduleDraws {
  chunk: Random;
  loss: Random;
}

/**
 * Schedules one chunk arriving at `now` through the TCP delay faults (bandwidth, latency,
 * stall, slice): returns the timed pieces and what was applied. Order is kept: a piece is never
 * released before the one ahead of it. Jitter and slice sizes draw per chunk; losses draw per
 * segment from their own stream.
 */
export function scheduleChunk(
  chunk: Buffer,
  now: number,
  faults: readonly Fault[],
  state: ScheduleState,
  draws: ScheduleDraws,
): { pieces: TimedPiece[]; applied: AppliedDelay[] } {
  const random = draws.chunk;
  const applied: AppliedDelay[] = [];
  const startByte = state.bytes ?? 0;
  state.bytes = startByte + chunk.length;
  let ready = now;
  let slice: SliceFault | undefined;
  let delay = 0;
  for (const f of faults) {
    if (f.kind === 'bandwidth') {
      let link: SharedLink | undefined;
      if (f.shared && state.sharedLinks) {
        link = state.sharedLinks.get(f.name);
        if (!link) state.sharedLinks.set(f.name, (link = { freeAt: 0 }));
      }
      const start = Math.max(now, link ? link.freeAt : state.linkFreeAt);
      const end = start + transmitMs(chunk.length, f.bitsPerSecond);
      if (link) link.freeAt = end;
      else state.linkFreeAt = end;
      ready = Math.max(ready, end);
      applied.push({ kind: 'bandwidth', name: f.name, ms: end - now });
    } else if (f.kind === 'latency') {
      const ms = latencyDelayMs(f, random);
      delay += ms;
      applied.push({ kind: 'latency', name: f.name, ms });
    } else if (f.kind === 'stall') {
      // One draw per segment that starts in this chunk; overlapping retransmissions of several
      // lost segments wait together, so the chunk waits for the longest.
      let worst = 0;
      const first = Math.ceil(startByte / STALL_SEGMENT_BYTES);
      const end = Math.ceil((startByte + chunk.length) / STALL_SEGMENT_BYTES);
      for (let seg = first; seg < end; seg++) {
        const ms = stallDelayMs(f, draws.loss);
        if (ms > 0) {
          applied.push({ kind: 'stall', name: f.name, ms, segment: seg });
          worst = Math.max(worst, ms);
        }
      }
      delay += worst;
    } else if (f.kind === 'slice') {
      slice = f;
    }
  }
  let at = Math.max(ready + delay, state.lastAt);
  const pieces: TimedPiece[] = [];
  if (slice && chunk.length > 0) {
    let off = 0;
    const sizes = sliceSizes(chunk.length, slice, random);
    for (const [i, n] of sizes.entries()) {
      if (i > 0) at += slice.delayMs;
      pieces.push({ bytes: chunk.subarray(off, off + n), at });
      off += n;
    }
    if (sizes.length > 1) applied.push({ kind: 'slice', name: slice.name, ms: slice.delayMs * (sizes.length - 1) });
  } else {
    pieces.push({ bytes: chunk, at });
  }
  state.lastAt = at;
  return { pieces, applied };
}
