import { FrameDecoder } from '../codec/frame-decoder.js';
import { CONNECTION_PREFACE_BYTES } from '../codec/frame-encoder.js';
import { MAX_ALLOWED_FRAME_SIZE, type Frame } from '../codec/types.js';
import { createRandom, deriveSeed } from '../random.js';
import { planDirection } from './fault-decisions.js';
import { isFrameFault, type FrameFault } from './fault-spec.js';
import { FrameFaultEngine, type FrameDecision } from './frame-faults.js';
import type { ChunkFilter, DirectionPipe, PipeHost } from './direction-pipe.js';

/**
 * The HTTP/2 layer of a connection: decodes both directions with the frame codec and forwards
 * each frame's original bytes (never re-encoded, so HPACK state is never disturbed), dropping,
 * holding or adding frames as FrameFaultEngine decides. If a direction does not decode as
 * HTTP/2 it falls back to passing bytes through untouched.
 */

const FRAME_HEADER_LENGTH = 9;

/** Raw bytes received but not yet assigned to a whole frame, as a list of chunks. */
class ByteQueue {
  private chunks: Buffer[] = [];
  length = 0;

  push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }

  /** Removes and returns the first `n` bytes (a view when they lie in one chunk). */
  take(n: number): Buffer {
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const c = this.chunks[0]!;
        const k = Math.min(c.length, n - filled);
        c.copy(out, filled, 0, k);
        filled += k;
        if (k === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(k);
      }
    }
    this.length -= n;
    return out;
  }

  takeAll(): Buffer[] {
    const all = this.chunks;
    this.chunks = [];
    this.length = 0;
    return all;
  }
}

/** On-wire size of a decoded frame: its header(s) plus payload, CONTINUATIONs included. */
function wireSize(f: Frame): number {
  const headers = f.type === 'HEADERS' || f.type === 'PUSH_PROMISE' ? 1 + f.continuations : 1;
  return headers * FRAME_HEADER_LENGTH + f.length;
}

export interface FrameLayerHost extends PipeHost {
  onStream(): void;
}

export class FrameLayer {
  readonly engine: FrameFaultEngine;
  private readonly decoders: { up: FrameDecoder; down: FrameDecoder };
  private readonly raw = { up: new ByteQueue(), down: new ByteQueue() };
  /** Preface bytes still to pass before frames start (client→server only, RFC 9113 §3.4). */
  private prefaceLeft = CONNECTION_PREFACE_BYTES.length;
  /** A direction that failed to decode passes bytes through from then on. */
  private readonly passthrough = { up: false, down: false };
  private timers = new Set<NodeJS.Timeout>();
  private goawayTimer: NodeJS.Timeout | undefined;
  private planVersion = -1;
  private disposed = false;
  /**
   * The server's first frame must be its SETTINGS (RFC 9113 §3.4): a client that sees an
   * injected frame first fails the connection, so frames for the client wait until then.
   */
  private serverPrefaceSeen = false;
  private heldForClient: Buffer[] = [];
  /** Streams already reported to the host. */
  private countedStreams = 0;

  constructor(
    private readonly host: FrameLayerHost,
    private readonly up: DirectionPipe,
    private readonly down: DirectionPipe,
    private readonly startedAt: number,
  ) {
    // Separate from the TCP draws: frame verdicts do not depend on how TCP chunked the bytes.
    this.engine = new FrameFaultEngine({
      up: createRandom(deriveSeed(host.seed, host.connId, 'up', 'frames')),
      down: createRandom(deriveSeed(host.seed, host.connId, 'down', 'frames')),
    });
    // A proxy must not be stricter than the peers: accept any frame size and long header blocks.
    const opts = { maxFrameSize: MAX_ALLOWED_FRAME_SIZE, maxHeaderBlockSize: MAX_ALLOWED_FRAME_SIZE, maxContinuations: 100_000 };
    this.decoders = { up: new FrameDecoder({ ...opts, expectPreface: true }), down: new FrameDecoder(opts) };
  }

  start(): void {
    this.refreshPlan();
  }

  refreshPlan(): void {
    const { version, faults } = this.host.faults();
    if (version === this.planVersion) return;
    this.planVersion = version;
    const frameFaults = faults.filter(isFrameFault);
    this.engine.plan = {
      up: planDirection(this.host.seed, this.host.connId, frameFaults, 'up') as FrameFault[],
      down: planDirection(this.host.seed, this.host.connId, frameFaults, 'down') as FrameFault[],
    };
    if (this.goawayTimer) clearTimeout(this.goawayTimer);
    const ms = this.engine.goawayAfterMs();
    if (ms !== undefined && !this.engine.goawaySent) {
      const elapsed = this.host.clock.now() - this.startedAt;
      this.goawayTimer = setTimeout(() => {
        const d = this.engine.goawayNow();
        if (d) this.apply(d, 'down', []);
      }, Math.max(0, ms - elapsed));
    }
  }

  filterFor(dir: 'up' | 'down'): ChunkFilter {
    return { push: (chunk) => this.push(dir, chunk) };
  }

  private pipe(dir: 'up' | 'down'): DirectionPipe {
    return dir === 'up' ? this.up : this.down;
  }

  /** Returns the bytes to forward now for a chunk travelling in `dir`. */
  private push(dir: 'up' | 'down', chunk: Buffer): Buffer[] {
    if (this.passthrough[dir]) return [chunk];
    const raw = this.raw[dir];
    raw.push(chunk);
    let frames: Frame[];
    try {
      frames = this.decoders[dir].push(chunk);
    } catch {
      // Not HTTP/2 (or broken): stop interpreting, forward everything as is. When the client
      // did not send the preface (HTTP/1.1, TLS to an h2c port…) the replies are not HTTP/2
      // either: read as frame headers they could hold bytes back for megabytes.
      this.passthrough[dir] = true;
      const out = raw.takeAll();
      if (dir === 'up') {
        this.passthrough.down = true;
        const held = this.raw.down.takeAll();
        if (held.length > 0) for (const b of held) this.down.inject(b);
      }
      return out;
    }
    const out: Buffer[] = [];
    if (dir === 'up' && this.prefaceLeft > 0) {
      const n = Math.min(this.prefaceLeft, raw.length);
      if (n > 0) out.push(raw.take(n));
      this.prefaceLeft -= n;
    }
    for (const frame of frames) {
      const bytes = raw.take(wireSize(frame));
      const decision = this.engine.onFrame(dir, frame);
      if (decision.verdict.action === 'forward') out.push(bytes);
      this.apply(decision, dir, out, bytes);
      if (dir === 'down' && !this.serverPrefaceSeen && frame.type === 'SETTINGS') {
        this.serverPrefaceSeen = true;
        // Frames held for the client go right behind the server's SETTINGS.
        out.push(...this.heldForClient);
        this.heldForClient = [];
      }
    }
    return out;
  }

  /** Carries out a decision: log, inject, hold. `out` collects same-direction bytes in order. */
  private apply(d: FrameDecision, dir: 'up' | 'down', out: Buffer[], bytes?: Buffer): void {
    for (const e of d.events) this.host.record(e);
    if (d.verdict.action === 'delay' && bytes) {
      const held = Buffer.from(bytes);
      const t = setTimeout(() => {
        this.timers.delete(t);
        if (!this.disposed) this.pipe(dir).inject(held);
      }, d.verdict.ms);
      this.timers.add(t);
    }
    for (const inj of d.inject) {
      const b = Buffer.from(inj.bytes.buffer, inj.bytes.byteOffset, inj.bytes.byteLength);
      if (inj.dir === 'down' && !this.serverPrefaceSeen) this.heldForClient.push(b);
      else if (inj.dir === dir && bytes !== undefined) out.push(b);
      else this.pipe(inj.dir).inject(b);
    }
    // Stream counting drives scenario phases that start "after N streams".
    if (dir === 'up' && bytes && this.engine.streamsOpened > this.countedStreams) {
      this.countedStreams = this.engine.streamsOpened;
      this.host.onStream();
    }
  }

  dispose(): void {
    this.disposed = true;
    if (this.goawayTimer) clearTimeout(this.goawayTimer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
