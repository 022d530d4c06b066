import type { ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import type { Clock } from '../clock.js';
import { kStreamRecord, type RecordedStream, type StreamRecord } from './records.js';

/**
 * The server's side of one request stream, in time: HEADERS in, response out, DATA written,
 * time spent waiting for flow-control window, the end, and any GOAWAY on its connection.
 * Taken from node:http2's own events, write callbacks and session state: no wire tap.
 *
 * What node:http2 shows, and what is inferred:
 * - A write's callback runs once nghttp2 has put the bytes in DATA frames and the socket has
 *   taken them, so `dataWrites[].doneMs` is when that write's DATA frames left.
 * - There is no event for a closed window or for WINDOW_UPDATE. While a stream has bytes
 *   waiting, a timer (every `pollMs`, running only while some stream waits) reads the
 *   session's state: connection send window (`remoteWindowSize`) at 0 is a connection wait;
 *   else bytes queued in nghttp2 or the socket are a transport wait; else the bytes can only
 *   be held by the stream's own send window (nghttp2 does not expose it). A wait ends at the
 *   write callback, so its end is exact and its start is late by at most one poll.
 *
 * Off unless `instrument(…, { timeline: true })`: it costs a 'stream' listener, two own
 * properties, an object and a closure per write on every request.
 */

/** One write of response body. Times are ms after the request's HEADERS arrived. */
export interface DataWrite {
  atMs: number;
  bytes: number;
  /** When its DATA frames were handed to the socket; undefined if never (stream reset first). */
  doneMs: number | undefined;
}

/** What a slow request's record carries under `timeline`. Times are ms after its HEADERS arrived. */
export interface RequestTimeline {
  /** HTTP/2 stream id. */
  streamId: number;
  /** The handler sent response HEADERS; undefined if it never did. */
  respondedMs: number | undefined;
  /** The first writes of body (at most 32). */
  dataWrites: DataWrite[];
  /** Writes and bytes in all. */
  writes: number;
  bytes: number;
  /** Time with body waiting, by what held it, ms. */
  flowControl: { streamWindowMs: number; connectionWindowMs: number; transportMs: number };
  /** The stream closed. */
  endMs: number;
  /** RST_STREAM that closed it: who sent it and the code; undefined for a clean end. */
  rst: { code: number; by: 'server' | 'client' } | undefined;
  /** First GOAWAY on its connection up to the end, with when (negative: before the request). */
  goaway: { code: number; by: 'server' | 'client'; atMs: number } | undefined;
}

const kTimeline = Symbol('h2doctor.timeline');
const kGoaway = Symbol('h2doctor.timelineGoaway');
const maxWrites = 32;

type Waiting = 'none' | 'stream' | 'connection' | 'transport';
type TimedSession = ServerHttp2Session & { [kGoaway]?: { code: number; by: 'server' | 'client'; at: number } };
type TimedStream = RecordedStream & { [kTimeline]?: StreamTimeline };
type AnyWrite = (this: TimedStream, ...args: unknown[]) => boolean;

/** One stream's timeline while it runs. */
class StreamTimeline {
  readonly writes: DataWrite[] = [];
  count = 0;
  bytes = 0;
  streamWindowMs = 0;
  connectionWindowMs = 0;
  transportMs = 0;
  /** What held the body at the last look, and when that was (clock ms). */
  waiting: Waiting = 'none';
  lookedAt = 0;
  /** Bytes of the write being noted. */
  lastBytes = 0;
  constructor(
    readonly recorder: TimelineRecorder,
    readonly startedAt: number,
    readonly streamId: number,
    /** The stream's session, for the GOAWAY noted on it. */
    readonly session: TimedSession | undefined,
  ) {}

  /** Adds the time since the last look to what held the body then. */
  account(now: number): void {
    const ms = now - this.lookedAt;
    if (this.waiting === 'stream') this.streamWindowMs += ms;
    else if (this.waiting === 'connection') this.connectionWindowMs += ms;
    else if (this.waiting === 'transport') this.transportMs += ms;
    this.lookedAt = now;
  }
}

export class TimelineRecorder {
  /** Timelines by request record, for the slow capture (it sees the record, not the stream). */
  private readonly byRecord = new WeakMap<StreamRecord, StreamTimeline>();
  /** Streams with body waiting to go out. */
  private readonly waiting = new Set<TimedStream>();
  private timer: NodeJS.Timeout | undefined = undefined;
  /** The 'stream' listener (prepended, so it runs before the application's). */
  readonly onStream: (stream: ServerHttp2Stream) => void;
  /** The 'session' listener: notes the first GOAWAY each way. */
  readonly onSession: (session: ServerHttp2Session) => void;

  constructor(readonly clock: Clock, private readonly pollMs = 5) {
    this.onStream = (stream) => this.track(stream as TimedStream);
    this.onSession = (session) => watchGoaway(session as TimedSession, clock);
  }

  /** The timeline of a request that ended at `end` (clock ms); undefined if it was not tracked. */
  finish(rec: StreamRecord, end: number, rstCode: number): RequestTimeline | undefined {
    const t = this.byRecord.get(rec);
    if (t === undefined) return undefined;
    // A wait still open when the stream ends (reset while held) ends with it.
    if (t.waiting !== 'none') t.account(end);
    const rel = (at: number) => round(at - t.startedAt);
    const goaway = t.session?.[kGoaway];
    return {
      streamId: t.streamId,
      respondedMs: rec.respondedAt === undefined ? undefined : rel(rec.respondedAt),
      dataWrites: t.writes.map((w) => ({ atMs: w.atMs, bytes: w.bytes, doneMs: w.doneMs })),
      writes: t.count,
      bytes: t.bytes,
      flowControl: { streamWindowMs: round(t.streamWindowMs), connectionWindowMs: round(t.connectionWindowMs), transportMs: round(t.transportMs) },
      endMs: rel(end),
      rst: rstCode === 0 ? undefined : { code: rstCode, by: rec.localClose ? 'server' : 'client' },
      goaway: goaway === undefined || goaway.at > end ? undefined : { code: goaway.code, by: goaway.by, atMs: rel(goaway.at) },
    };
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.waiting.clear();
  }

  private track(stream: TimedStream): void {
    const rec = stream[kStreamRecord];
    if (rec === undefined) return;
    const t = new StreamTimeline(this, rec.startedAt, stream.id ?? 0, stream.session as TimedSession | undefined);
    stream[kTimeline] = t;
    this.byRecord.set(rec, t);
    stream.write = timedWrite as never;
    stream.end = timedEnd as never;
  }

  /** A write was handed to the stream at `now`: look at it until it has gone. */
  wrote(stream: TimedStream, t: StreamTimeline, now: number): void {
    if (!this.waiting.has(stream)) {
      t.waiting = 'none';
      t.lookedAt = now;
      this.waiting.add(stream);
    }
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.look(), this.pollMs);
      this.timer.unref();
    }
  }

  /** A write's callback ran: if nothing is left to send, the wait ends now. */
  flushed(stream: TimedStream, t: StreamTimeline, now: number): void {
    if (stream.writableLength > 0 && !stream.destroyed) return;
    if (this.waiting.delete(stream)) t.account(now);
    t.waiting = 'none';
  }

  /** The poll: what holds each waiting stream's body now. */
  private look(): void {
    const now = this.clock.now();
    for (const stream of this.waiting) {
      const t = stream[kTimeline]!;
      if (stream.destroyed) {
        t.account(now);
        this.waiting.delete(stream);
        continue;
      }
      // The first look after a write: bytes that could leave left at once, so what holds the
      // rest now has held it since the write.
      const held = heldBy(stream);
      if (t.waiting === 'none') t.waiting = held;
      t.account(now);
      t.waiting = held;
    }
    if (this.waiting.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

/** What holds a stream's unsent body: the connection window, the transport, or (else) the stream window. */
function heldBy(stream: ServerHttp2Stream): Waiting {
  const session = stream.session;
  if (session === undefined || session.destroyed) return 'none';
  const state = session.state;
  if ((state.remoteWindowSize ?? 1) <= 0) return 'connection';
  const socketQueued = (session.socket as { writableLength?: number } | null)?.writableLength ?? 0;
  if (socketQueued > 0 || (state.outboundQueueSize ?? 0) > 1) return 'transport';
  return 'stream';
}

function noteWrite(stream: TimedStream, chunk: unknown, encoding: unknown): StreamTimeline | undefined {
  const t = stream[kTimeline];
  if (t === undefined || chunk === undefined || chunk === null || typeof chunk === 'function') return undefined;
  const bytes = typeof chunk === 'string'
    ? Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
    : (chunk as { byteLength?: number }).byteLength ?? 0;
  const now = t.recorder.clock.now();
  t.count++;
  t.bytes += bytes;
  t.lastBytes = bytes;
  t.recorder.wrote(stream, t, now);
  return t;
}

/** The completion callback of one write: notes when its DATA left, then calls the caller's. */
function completion(stream: TimedStream, t: StreamTimeline, entry: DataWrite | undefined, callback: unknown): (err?: Error | null) => void {
  return function writeDone(err?: Error | null) {
    const now = t.recorder.clock.now();
    if (entry !== undefined && err == null) entry.doneMs = round(now - t.startedAt);
    t.recorder.flushed(stream, t, now);
    if (typeof callback === 'function') (callback as (e?: Error | null) => void)(err);
  };
}

function entryFor(t: StreamTimeline, bytes: number): DataWrite | undefined {
  if (t.writes.length >= maxWrites) return undefined;
  const entry: DataWrite = { atMs: round(t.recorder.clock.now() - t.startedAt), bytes, doneMs: undefined };
  t.writes.push(entry);
  return entry;
}

function timedWrite(this: TimedStream, chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
  const write = Object.getPrototypeOf(this).write as AnyWrite;
  const t = noteWrite(this, chunk, encoding);
  if (t === undefined) return write.call(this, chunk, encoding, callback);
  const cb = typeof encoding === 'function' ? encoding : callback;
  const enc = typeof encoding === 'function' ? undefined : encoding;
  return write.call(this, chunk, enc, completion(this, t, entryFor(t, t.lastBytes), cb));
}

/** end(chunk) is write(chunk) then end(): the chunk's completion is a write's, end's callback is 'finish'. */
function timedEnd(this: TimedStream, chunk?: unknown, encoding?: unknown, callback?: unknown): unknown {
  const proto = Object.getPrototypeOf(this) as { write: AnyWrite; end: AnyWrite };
  const t = noteWrite(this, chunk, encoding);
  if (t === undefined) return proto.end.call(this, chunk, encoding, callback);
  const cb = typeof encoding === 'function' ? encoding : callback;
  const enc = typeof encoding === 'function' ? undefined : encoding;
  proto.write.call(this, chunk, enc, completion(this, t, entryFor(t, t.lastBytes), undefined));
  return typeof cb === 'function' ? proto.end.call(this, cb) : proto.end.call(this);
}

/** Notes the first GOAWAY each way on a session (a listener and an own-property wrapper). */
function watchGoaway(session: TimedSession, clock: Clock): void {
  session.on('goaway', function noteGoawayReceived(this: TimedSession, code: number) {
    this[kGoaway] ??= { code, by: 'client', at: clock.now() };
  });
  const baseGoaway = session.goaway;
  session.goaway = function timedGoaway(this: TimedSession, code?: number, ...rest: unknown[]) {
    this[kGoaway] ??= { code: code ?? 0, by: 'server', at: clock.now() };
    return (baseGoaway as (...a: unknown[]) => void).call(this, code, ...rest);
  } as typeof session.goaway;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
