import { H2ErrorCode } from '../errors.js';
import type { Random } from '../random.js';
import type { Frame } from '../codec/types.js';
import { encodeGoaway, encodeRstStream, encodeWindowUpdate } from '../codec/frame-encoder.js';
import type { FrameFault } from './fault-spec.js';
import type { FaultEvent } from './fault-log.js';

/**
 * HTTP/2 frame fault decisions for one connection: frames in, a verdict per frame out, plus the
 * frames to inject. Pure: no sockets, no timers; randomness is one seeded Random per direction
 * and time is elapsed ms handed in.
 */

/** What to do with one frame. */
export type FrameVerdict =
  | { action: 'forward' }
  | { action: 'drop' }
  /** Hold this frame for `ms`, letting later frames pass (only SETTINGS ACKs). */
  | { action: 'delay'; ms: number };

/** A frame to inject, in the direction it travels (`up`: towards the server). */
export interface Injection {
  dir: 'up' | 'down';
  bytes: Uint8Array;
}

export interface FrameDecision {
  verdict: FrameVerdict;
  /** Frames to send after this one (same direction) or at once (other direction). */
  inject: Injection[];
  events: Array<Omit<FaultEvent, 't' | 'route' | 'conn'>>;
}

/** Per-connection state the decisions depend on. Every field is needed to stay protocol-correct. */
export class FrameFaultEngine {
  /** Streams we reset: later frames on them are dropped (data credited back, see below). */
  readonly resetStreams = new Set<number>();
  /** Client-initiated streams seen so far (HEADERS opening a new odd stream id). */
  streamsOpened = 0;
  /** Highest client stream id seen: the GOAWAY last-stream-id (RFC 9113 §6.8). */
  highestClientStream = 0;
  /** True once our GOAWAY was injected; it is sent once. */
  goawaySent = false;
  /** The last-stream-id our GOAWAY carried. */
  goawayLastStreamId = 0;
  /** Frame faults per direction, as planned for this connection. */
  plan: { up: FrameFault[]; down: FrameFault[] } = { up: [], down: [] };

  constructor(private readonly random: { up: Random; down: Random }) {}

  /** Connection-wide faults (rst-stream, goaway-after) that this connection was selected for. */
  private connectionWide<K extends FrameFault['kind']>(kind: K): Extract<FrameFault, { kind: K }> | undefined {
    return (this.plan.up.find((f) => f.kind === kind) ?? this.plan.down.find((f) => f.kind === kind)) as
      | Extract<FrameFault, { kind: K }>
      | undefined;
  }

  /** The goaway-after time limit for this connection, if any. */
  goawayAfterMs(): number | undefined {
    return this.connectionWide('goaway-after')?.afterMs;
  }

  /** Builds the GOAWAY a time-based fault sends (or nothing when already sent). */
  goawayNow(): FrameDecision | undefined {
    const f = this.connectionWide('goaway-after');
    if (!f || this.goawaySent) return undefined;
    return { verdict: { action: 'forward' }, ...this.goaway(f) };
  }

  private goaway(f: Extract<FrameFault, { kind: 'goaway-after' }>): Omit<FrameDecision, 'verdict'> {
    this.goawaySent = true;
    const last = this.highestClientStream;
    this.goawayLastStreamId = last;
    return {
      // The client sees the server going away: streams above `last` were not processed
      // (RFC 9113 §6.8) and it opens no new ones on this connection.
      inject: [{ dir: 'down', bytes: encodeGoaway(last, f.code) }],
      events: [{ dir: 'down', fault: 'goaway-after', name: f.name, stream: last, detail: `code=${f.code}` }],
    };
  }

  onFrame(dir: 'up' | 'down', frame: Frame): FrameDecision {
    const forward: FrameVerdict = { action: 'forward' };
    const other = dir === 'up' ? 'down' : 'up';
    const sid = frame.streamId;
    if (sid !== 0 && this.resetStreams.has(sid)) {
      // Header blocks must still pass: HPACK state is shared by the connection (RFC 7541 §2.3.2)
      // and a dropped block would desynchronise every later request.
      if (frame.type === 'HEADERS' || frame.type === 'PUSH_PROMISE' || frame.type === 'PRIORITY') {
        return { verdict: forward, inject: [], events: [] };
      }
      const inject: Injection[] = [];
      if (frame.type === 'DATA' && frame.length > 0) {
        // Dropped DATA still counted against the connection window at the sender (RFC 9113
        // §6.9): give it back, or the connection would slowly starve.
        inject.push({ dir: other, bytes: encodeWindowUpdate(0, frame.length) });
      }
      return { verdict: { action: 'drop' }, inject, events: [] };
    }
    if (dir === 'up' && frame.type === 'HEADERS' && sid % 2 === 1 && sid > this.highestClientStream) {
      this.highestClientStream = sid;
      this.streamsOpened++;
      const inject: Injection[] = [];
      const events: FrameDecision['events'] = [];
      if (this.goawaySent) {
        // Sent before the client saw our GOAWAY: the client counts it as not processed (RFC 9113
        // §6.8), so the server must not process it either.
        this.resetStreams.add(sid);
        inject.push({ dir: 'up', bytes: encodeRstStream(sid, H2ErrorCode.REFUSED_STREAM) });
        const ga = this.connectionWide('goaway-after');
        events.push({ dir: 'up', fault: 'goaway-after', name: ga?.name, stream: sid, detail: 'refused after GOAWAY' });
        return { verdict: forward, inject, events };
      }
      const rst = this.connectionWide('rst-stream');
      if (rst && !this.goawaySent && this.random.up() < rst.p) {
        // RFC 9113 §6.4: both peers see the stream reset, as if the other had done it.
        this.resetStreams.add(sid);
        inject.push({ dir: 'up', bytes: encodeRstStream(sid, rst.code) }, { dir: 'down', bytes: encodeRstStream(sid, rst.code) });
        events.push({ dir: 'both', fault: 'rst-stream', name: rst.name, stream: sid, detail: `code=${rst.code}` });
      }
      const ga = this.connectionWide('goaway-after');
      if (ga?.streams !== undefined && !this.goawaySent && this.streamsOpened >= ga.streams) {
        const g = this.goaway(ga);
        inject.push(...g.inject);
        events.push(...g.events);
      }
      return { verdict: forward, inject, events };
    }
    const plan = this.plan[dir];
    if (plan.length === 0) return { verdict: forward, inject: [], events: [] };
    const random = this.random[dir];
    if (frame.type === 'WINDOW_UPDATE') {
      const f = plan.find((x) => x.kind === 'withhold-window-update');
      if (f && f.kind === 'withhold-window-update' && random() < f.p) {
        return { verdict: { action: 'drop' }, inject: [], events: [{ dir, fault: f.kind, name: f.name, stream: sid, detail: `increment=${frame.windowSizeIncrement}` }] };
      }
    } else if (frame.type === 'SETTINGS' && frame.ack) {
      const f = plan.find((x) => x.kind === 'delay-settings-ack');
      if (f && f.kind === 'delay-settings-ack') {
        return { verdict: { action: 'delay', ms: f.ms }, inject: [], events: [{ dir, fault: f.kind, name: f.name, stream: 0, ms: f.ms }] };
      }
    } else if (frame.type === 'PING' && frame.ack) {
      const f = plan.find((x) => x.kind === 'drop-ping-ack');
      if (f && f.kind === 'drop-ping-ack' && random() < f.p) {
        return { verdict: { action: 'drop' }, inject: [], events: [{ dir, fault: f.kind, name: f.name, stream: 0 }] };
      }
    }
    return { verdict: forward, inject: [], events: [] };
  }
}
