/**
 * Facts read straight from the tap's frame events of one connection. Pure: events in, facts out,
 * so each reading is unit-tested with hand-made frames. The wire is the authority here:
 * node:http2's `remoteSettings` fills in defaults the server never sent.
 */
import { DEFAULT_INITIAL_WINDOW_SIZE, SettingId, type Setting } from '../codec/types.js';
import type { TapEvent } from '../tap/index.js';
import type { FlowControlStallFacts, PushFacts, ResetFacts } from './facts.js';

/** The first non-ACK SETTINGS in a direction: the preface settings, in wire order. */
export function firstSettings(events: readonly TapEvent[], dir: 'send' | 'recv'): Setting[] | null {
  for (const e of events) if (e.dir === dir && e.frame.type === 'SETTINGS' && !e.frame.ack) return e.frame.settings.map((s) => ({ ...s }));
  return null;
}

/** From our first SETTINGS to the server's ACK of it (RFC 9113 §6.5.3). */
export function settingsAckMs(events: readonly TapEvent[]): number | null {
  const sent = events.find((e) => e.dir === 'send' && e.frame.type === 'SETTINGS' && !e.frame.ack);
  const ack = events.find((e) => e.dir === 'recv' && e.frame.type === 'SETTINGS' && e.frame.ack);
  return sent && ack ? Math.max(0, ack.t - sent.t) : null;
}

/** WINDOW_UPDATEs on stream 0 the server sent (its connection receive window). */
export function connectionWindowUpdates(events: readonly TapEvent[]): { count: number; bytes: number } {
  let count = 0, bytes = 0;
  for (const e of events) {
    if (e.dir === 'recv' && e.frame.type === 'WINDOW_UPDATE' && e.frame.streamId === 0) {
      count++;
      bytes += e.frame.windowSizeIncrement;
    }
  }
  return { count, bytes };
}

/** The value of a setting in a SETTINGS list (last one wins), or undefined. */
export function settingValue(settings: readonly Setting[] | null, id: number): number | undefined {
  let v: number | undefined;
  for (const s of settings ?? []) if (s.id === id) v = s.value;
  return v;
}

/** Every PUSH_PROMISE received, with the DATA bytes that came on the promised stream. */
export function pushesOf(events: readonly TapEvent[], connection: number): PushFacts[] {
  const pushes: PushFacts[] = [];
  const byStream = new Map<number, PushFacts>();
  for (const e of events) {
    const f = e.frame;
    if (e.dir !== 'recv') continue;
    if (f.type === 'PUSH_PROMISE') {
      const path = f.headers?.find((h) => h.name === ':path')?.value ?? '?';
      const p: PushFacts = { connection, associatedStreamId: f.streamId, promisedStreamId: f.promisedStreamId, path, bytes: 0, used: false };
      pushes.push(p);
      byStream.set(f.promisedStreamId, p);
    } else if (f.type === 'DATA' && f.streamId % 2 === 0) {
      const p = byStream.get(f.streamId);
      if (p) p.bytes += f.data.length || f.length - (f.padLength > 0 ? f.padLength + 1 : 0);
    }
  }
  return pushes;
}

/** RST_STREAM frames the server sent. */
export function resetsOf(events: readonly TapEvent[], connection: number, origin: number): ResetFacts[] {
  return events
    .filter((e) => e.dir === 'recv' && e.frame.type === 'RST_STREAM')
    .map((e) => ({ connection, streamId: e.frame.streamId, errorCode: (e.frame as { errorCode: number }).errorCode, atMs: e.t + origin }));
}

/** Send windows of one direction: per stream and for the connection (RFC 9113 §6.9). */
interface WindowBook {
  initial: number;
  connection: number;
  streams: Map<number, number>;
  /** Streams that ended in this direction: a zero window there does not hold anything up. */
  ended: Set<number>;
  /** Windows at zero, waiting for a WINDOW_UPDATE: key stream id (0 = connection). */
  waiting: Map<number, FlowControlStallFacts>;
}

function newBook(): WindowBook {
  return { initial: DEFAULT_INITIAL_WINDOW_SIZE, connection: DEFAULT_INITIAL_WINDOW_SIZE, streams: new Map(), ended: new Set(), waiting: new Map() };
}

/**
 * Windows that reached zero while their stream had not ended. `send`: DATA the probe wrote
 * against the server's windows; `recv`: DATA the server wrote against the probe's. A sender
 * that exhausts a window must wait for WINDOW_UPDATE (RFC 9113 §6.9.1), so a zero window with
 * the stream still open is a stall unless END_STREAM came with the last byte.
 *
 * `origin` shifts event times (tap-relative) onto the probe's timeline.
 */
export function flowControlStalls(events: readonly TapEvent[], connection: number, origin = 0): FlowControlStallFacts[] {
  const stalls: FlowControlStallFacts[] = [];
  // book[dir] tracks the windows that limit DATA sent in `dir`; they are set by the *other* side.
  const book = { send: newBook(), recv: newBook() };
  const other = (d: 'send' | 'recv') => (d === 'send' ? 'recv' : 'send');
  for (const e of events) {
    const f = e.frame;
    if (f.type === 'SETTINGS' && !f.ack) {
      // A receiver's INITIAL_WINDOW_SIZE bounds DATA sent towards it; changes apply to open streams (§6.9.2).
      const v = settingValue(f.settings, SettingId.INITIAL_WINDOW_SIZE);
      if (v !== undefined) {
        const b = book[other(e.dir)];
        const delta = v - b.initial;
        b.initial = v;
        for (const [id, w] of b.streams) b.streams.set(id, w + delta);
      }
    } else if (f.type === 'DATA') {
      const b = book[e.dir];
      const w = (b.streams.get(f.streamId) ?? b.initial) - f.length;
      b.streams.set(f.streamId, w);
      b.connection -= f.length;
      if (f.endStream) b.ended.add(f.streamId);
      const at = e.t + origin;
      if (w <= 0 && !f.endStream && !b.waiting.has(f.streamId)) {
        const s: FlowControlStallFacts = { connection, streamId: f.streamId, direction: e.dir, atMs: at, waitedMs: null };
        b.waiting.set(f.streamId, s);
        stalls.push(s);
      }
      if (b.connection <= 0 && !f.endStream && !b.waiting.has(0)) {
        const s: FlowControlStallFacts = { connection, streamId: 0, direction: e.dir, atMs: at, waitedMs: null };
        b.waiting.set(0, s);
        stalls.push(s);
      }
    } else if (f.type === 'WINDOW_UPDATE') {
      // A WINDOW_UPDATE sent in `dir` opens the window for DATA travelling the other way.
      const b = book[other(e.dir)];
      if (f.streamId === 0) b.connection += f.windowSizeIncrement;
      else b.streams.set(f.streamId, (b.streams.get(f.streamId) ?? b.initial) + f.windowSizeIncrement);
      const s = b.waiting.get(f.streamId);
      const open = f.streamId === 0 ? b.connection > 0 : (b.streams.get(f.streamId) ?? 0) > 0;
      if (s && open) {
        s.waitedMs = e.t + origin - s.atMs;
        b.waiting.delete(f.streamId);
      }
    } else if (f.type === 'RST_STREAM') {
      book.send.waiting.delete(f.streamId);
      book.recv.waiting.delete(f.streamId);
    }
  }
  return stalls;
}
