import type { Duplex } from 'node:stream';
import type { Clock } from '../clock.js';
import { createRandom, deriveSeed } from '../random.js';
import { scheduleChunk, planDirection, type ScheduleDraws, type ScheduleState, type SharedLink, type TimedPiece } from './fault-decisions.js';
import type { Fault } from './fault-spec.js';
import type { FaultEvent } from './fault-log.js';
import type { ReadTarget } from './read-relay.js';

/**
 * One direction of a proxied connection (client→upstream is `up`, upstream→client is `down`):
 * reads chunks from `src`, applies the TCP faults planned for this connection and writes to
 * `dst` at the scheduled times. Backpressure is kept: when the queue or the destination is
 * full, the source is paused.
 */

/** What a pipe needs from its connection. */
export interface PipeHost {
  readonly seed: number;
  readonly connId: number;
  readonly clock: Clock;
  /** Current fault set of the route and its version (bumped on every change). */
  faults(): { version: number; faults: readonly Fault[] };
  record(e: Omit<FaultEvent, 't' | 'route' | 'conn'>): void;
  /** Resets both sides (TCP RST). */
  reset(why: Fault): void;
  /** Ends both sides cleanly once queued data is written. */
  closeGracefully(why: Fault): void;
  /** The route's shared links for a direction (bandwidth `link=shared`). */
  sharedLinks?(dir: 'up' | 'down'): Map<string, SharedLink> | undefined;
}

/** Optional frame layer: returns the bytes to forward for a chunk (see frame-layer.ts). */
export interface ChunkFilter {
  push(chunk: Buffer): Buffer[];
}

/** Pause the source when this many bytes wait in the delay queue. */
const QUEUE_HIGH_WATER = 1 << 20;
/**
 * Largest chunk the fault path sees: what a stream socket reads at once. Faults decide per
 * chunk (stall, latency jitter), so reads into a larger buffer are cut to this size first and
 * a fault acts on the same grain whichever way the socket reads.
 */
const FAULT_CHUNK_BYTES = 64 * 1024;
/** A timer that fires this close to its piece's time releases it (timers have 1 ms grain). */
const RELEASE_SLACK_MS = 0.5;

export class DirectionPipe implements ReadTarget {
  /** Faults acting on this direction of this connection; recomputed when the route's set changes. */
  private plan: Fault[] = [];
  private planVersion = -1;
  /** Seeded per connection and direction, so decisions repeat for a seed: per chunk, and per segment for loss. */
  readonly draws: ScheduleDraws;
  private readonly schedule: ScheduleState;
  /** Pieces waiting for their release time, in order. */
  private readonly queue: TimedPiece[] = [];
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Connection-level timers of this direction (reset-after / blackhole close). */
  private faultTimers: NodeJS.Timeout[] = [];
  /** Bytes seen from the source. */
  bytes = 0;
  private srcEnded = false;
  private dstEnded = false;
  private blackholeLogged = false;
  private paused = false;
  /** A write still refers to the source's reused read buffer (onRead): reading waits for it. */
  private readBufferHeld = false;
  private closed = false;
  /** The source was reset: what to do once the queue is delivered (resetAfterQueue). */
  private afterQueue: (() => void) | undefined = undefined;
  filter: ChunkFilter | undefined;

  constructor(
    private readonly src: Duplex,
    private readonly dst: Duplex,
    readonly dir: 'up' | 'down',
    private readonly host: PipeHost,
    private readonly startedAt: number,
  ) {
    this.draws = {
      chunk: createRandom(deriveSeed(host.seed, host.connId, dir)),
      loss: createRandom(deriveSeed(host.seed, host.connId, dir, 'loss')),
    };
    this.schedule = { lastAt: 0, linkFreeAt: 0, sharedLinks: host.sharedLinks?.(dir) };
    this.onData = this.onData.bind(this);
    this.onDrain = this.onDrain.bind(this);
    this.afterReadBufferWrite = this.afterReadBufferWrite.bind(this);
  }

  start(): void {
    this.refreshPlan();
    this.src.on('data', this.onData);
    this.src.on('end', () => {
      this.srcEnded = true;
      this.maybeEnd();
    });
    this.dst.on('drain', this.onDrain);
  }

  /** Re-reads the route's faults when they changed (set(), API, scenario phase). */
  refreshPlan(): void {
    const { version, faults } = this.host.faults();
    if (version === this.planVersion) return;
    this.planVersion = version;
    this.plan = planDirection(this.host.seed, this.host.connId, faults, this.dir);
    for (const t of this.faultTimers) clearTimeout(t);
    this.faultTimers = [];
    const elapsed = this.host.clock.now() - this.startedAt;
    for (const f of this.plan) {
      if (f.kind === 'reset-after' && f.afterMs !== undefined) {
        this.faultTimers.push(setTimeout(() => {
          this.host.record({ dir: this.dir, fault: f.kind, name: f.name, detail: `${f.afterMs} ms` });
          this.host.reset(f);
        }, Math.max(0, f.afterMs - elapsed)));
      } else if (f.kind === 'blackhole' && f.closeAfterMs !== undefined && f.closeAfterMs > 0) {
        this.faultTimers.push(setTimeout(() => {
          this.host.record({ dir: this.dir, fault: f.kind, name: f.name, detail: `closed after ${f.closeAfterMs} ms` });
          this.host.closeGracefully(f);
        }, Math.max(0, f.closeAfterMs - elapsed)));
      }
    }
  }

  private onData(chunk: Buffer): void {
    this.refreshPlan();
    const plan = this.plan;
    if (plan.length === 0 && this.filter === undefined && this.queue.length === 0) {
      // Fast path: no fault on this direction; behave like stream.pipe().
      this.bytes += chunk.length;
      if (!this.dst.write(chunk)) this.pause();
      return;
    }
    for (const f of plan) {
      if (f.kind === 'blackhole') {
        if (!this.blackholeLogged) {
          this.blackholeLogged = true;
          this.host.record({ dir: this.dir, fault: 'blackhole', name: f.name });
        }
        this.bytes += chunk.length;
        return;
      }
      if (f.kind === 'limit-data' || (f.kind === 'reset-after' && f.afterBytes !== undefined)) {
        const limit = f.kind === 'limit-data' ? f.bytes : f.afterBytes!;
        if (this.bytes + chunk.length >= limit) {
          const keep = Math.max(0, limit - this.bytes);
          this.bytes += chunk.length;
          if (keep > 0) this.enqueueChunk(chunk.subarray(0, keep), plan);
          this.host.record({ dir: this.dir, fault: f.kind, name: f.name, detail: `${limit} bytes` });
          if (f.kind === 'limit-data') this.host.closeGracefully(f);
          else this.host.reset(f);
          return;
        }
      }
    }
    this.bytes += chunk.length;
    if (this.filter) {
      for (const piece of this.filter.push(chunk)) this.enqueueChunk(piece, plan);
    } else {
      this.enqueueChunk(chunk, plan);
    }
  }

  /**
   * A read into the source's reused buffer (ReadRelay): the bytes are valid until the next
   * read. With no fault, no frame layer and nothing queued they go straight to the
   * destination; a write the kernel did not take whole keeps a reference to the buffer, so
   * reading stops until that write is done. Any other path copies the bytes first.
   */
  onRead(n: number, buffer: Buffer): boolean {
    if (this.closed) return false;
    this.refreshPlan();
    const dst = this.dst;
    if (this.plan.length === 0 && this.filter === undefined && this.queue.length === 0 && dst.writableLength === 0) {
      this.bytes += n;
      dst.write(buffer.subarray(0, n), this.afterReadBufferWrite);
      // A chunk the kernel took whole is off the stream's books when write() returns; one
      // still counted waits in libuv or in the stream's buffer, pointing into ours.
      if (dst.writableLength > 0) {
        this.readBufferHeld = true;
        this.pause();
      }
      return !this.paused;
    }
    // Stop once a fault ended the source (limit-data, blackhole close): a paused stream
    // socket would not have delivered the rest either.
    for (let at = 0; at < n && !this.closed && !this.srcEnded; at += FAULT_CHUNK_BYTES) {
      this.onData(Buffer.from(buffer.subarray(at, Math.min(n, at + FAULT_CHUNK_BYTES))));
    }
    return !this.paused && !this.closed;
  }

  private afterReadBufferWrite(): void {
    if (this.readBufferHeld && this.dst.writableLength === 0) {
      this.readBufferHeld = false;
      this.resume();
    }
  }

  private enqueueChunk(chunk: Buffer, plan: readonly Fault[]): void {
    const now = this.host.clock.now();
    const { pieces, applied } = scheduleChunk(chunk, now, plan, this.schedule, this.draws);
    for (const a of applied) {
      this.host.record({ dir: this.dir, fault: a.kind, name: a.name, ms: a.ms, ...(a.segment === undefined ? {} : { detail: `segment ${a.segment}` }) });
    }
    for (const p of pieces) {
      this.queue.push(p);
      this.queuedBytes += p.bytes.length;
    }
    this.flush();
  }

  /** Puts bytes (an injected frame) in the queue behind what is already there, with no TCP fault. */
  inject(bytes: Buffer): void {
    if (this.closed || this.dstEnded) return;
    const at = Math.max(this.host.clock.now(), this.schedule.lastAt);
    this.schedule.lastAt = at;
    this.queue.push({ bytes, at });
    this.queuedBytes += bytes.length;
    this.flush();
  }

  /** Writes every piece whose time has come; arms one timer for the next. */
  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.closed) return;
    const now = this.host.clock.now();
    while (this.queue.length > 0 && this.queue[0]!.at <= now + RELEASE_SLACK_MS) {
      const p = this.queue.shift()!;
      this.queuedBytes -= p.bytes.length;
      if (!this.dst.destroyed && !this.dstEnded) {
        // The last bytes before a pending reset: the reset follows once they are handed to the kernel.
        const last = this.afterQueue !== undefined && this.queue.length === 0;
        // (On the next turn: a socket reset from inside its own write callback goes out as a FIN.)
        this.dst.write(p.bytes, last ? () => setImmediate(() => this.runAfterQueue()) : undefined);
      }
    }
    if (this.queue.length > 0) {
      this.timer = setTimeout(() => this.flush(), this.queue[0]!.at - now);
    } else if (this.afterQueue !== undefined && (this.dst.destroyed || this.dstEnded)) {
      this.runAfterQueue();
    }
    if (this.queuedBytes >= QUEUE_HIGH_WATER || this.dst.writableNeedDrain) this.pause();
    else this.resume();
    this.maybeEnd();
  }

  private pause(): void {
    if (!this.paused) {
      this.paused = true;
      this.src.pause();
    }
  }

  private resume(): void {
    if (this.paused && !this.readBufferHeld && !this.dst.writableNeedDrain && this.queuedBytes < QUEUE_HIGH_WATER) {
      this.paused = false;
      this.src.resume();
    }
  }

  private onDrain(): void {
    this.resume();
  }

  private slowCloseMs(): number {
    let ms = 0;
    for (const f of this.plan) if (f.kind === 'slow-close') ms = Math.max(ms, f.ms);
    return ms;
  }

  /** Sends the FIN once the source ended and the queue is empty (after any slow-close hold). */
  private maybeEnd(): void {
    if (!this.srcEnded || this.dstEnded || this.queue.length > 0 || this.closed || this.afterQueue !== undefined) return;
    this.dstEnded = true;
    const hold = this.slowCloseMs();
    const end = () => {
      if (!this.dst.destroyed) this.dst.end();
    };
    if (hold > 0) {
      const f = this.plan.find((x) => x.kind === 'slow-close')!;
      this.host.record({ dir: this.dir, fault: 'slow-close', name: f.name, ms: hold });
      this.faultTimers.push(setTimeout(end, hold));
    } else {
      end();
    }
  }

  /** Ends the destination after what is queued (graceful close of the connection). */
  endAfterQueue(): void {
    this.srcEnded = true;
    this.plan = this.plan.filter((f) => f.kind !== 'slow-close');
    this.src.pause();
    this.maybeEnd();
  }

  /**
   * The source was reset (or closed without a FIN) while bytes it sent earlier may still be
   * held here by a latency or bandwidth fault. On a real path those bytes are on the wire ahead
   * of the RST and arrive first (a GOAWAY just before a server's reset, say), so `then` (which
   * resets the destination) runs only once the queue has been delivered: at once if it is empty.
   */
  resetAfterQueue(then: () => void): void {
    if (this.afterQueue !== undefined) return;
    if (this.closed || this.queue.length === 0 || this.dst.destroyed || this.dstEnded) {
      then();
      return;
    }
    this.afterQueue = then;
  }

  private runAfterQueue(): void {
    const then = this.afterQueue;
    this.afterQueue = undefined;
    then?.();
  }

  /** Stops all timers; the connection is gone. */
  dispose(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const t of this.faultTimers) clearTimeout(t);
    this.faultTimers = [];
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.src.removeListener('data', this.onData);
    this.dst.removeListener('drain', this.onDrain);
  }

  get ended(): boolean {
    return this.dstEnded;
  }
}
