import type { OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { PushDeniedError } from '../errors.js';
import type { Clock } from '../clock.js';
import { decidePush, PushLogLimiter, type PushPolicy } from './push-policy.js';
import { bump, type ServerStats } from './stats.js';
import { h2CodeLabel } from './h2-code-name.js';
import { kStreamRecord, type RecordedStream, type StreamRecord } from './records.js';

/**
 * The methods an instrumented server puts on each of its request streams.
 *
 * Where to intercept push. node:http2 offers three places: the `Http2Stream` /
 * `ServerHttp2Stream` prototypes, each session, or each stream. Patching the prototype would
 * change every server in the process, including ones nobody asked us to instrument (a
 * library's internal server, a second app), and could not be undone while streams live.
 * Sessions do not own `pushStream`. So the guard is set per stream, as own properties
 * installed when the instrumented server emits 'stream', before any listener runs. This
 * covers the stream API (`stream.pushStream`), the compat API (`res.createPushResponse`
 * calls `this[kStream].pushStream(...)`, so it reaches the own property) and any framework
 * built on either. The methods are shared functions created once per `instrument()` call;
 * a stream gets references, not fresh closures.
 *
 * The same per-stream approach records when response headers go out (`respond*`) and
 * whether this side closed the stream first (`close` / `destroy`), which is how an
 * RST_STREAM is told apart as sent or received: node:http2 gives only the final `rstCode`.
 */

export interface StreamHookContext {
  policy: PushPolicy;
  stats: ServerStats;
  clock: Clock;
  pushLog: PushLogLimiter;
  /** Writes one log line. */
  log: (line: string) => void;
  /** Called once per request stream, when it is destroyed (its rstCode and sent headers final). */
  onStreamEnd: (stream: RecordedStream, record: StreamRecord) => void;
}

export interface StreamHooks {
  /** Puts the hooks on a request stream. */
  install(stream: ServerHttp2Stream): void;
}

type PushCallback = (err: Error | null, pushStream: ServerHttp2Stream, headers: OutgoingHttpHeaders) => void;

/** The ServerHttp2Stream prototype methods the hooks call through to. */
interface BaseMethods {
  pushStream: ServerHttp2Stream['pushStream'];
  respond: ServerHttp2Stream['respond'];
  respondWithFD: ServerHttp2Stream['respondWithFD'];
  respondWithFile: ServerHttp2Stream['respondWithFile'];
  close: ServerHttp2Stream['close'];
  destroy: ServerHttp2Stream['destroy'];
  write: ServerHttp2Stream['write'];
  end: ServerHttp2Stream['end'];
}

export function createStreamHooks(ctx: StreamHookContext): StreamHooks {
  const { policy, stats, clock, pushLog, log, onStreamEnd } = ctx;
  // node:http2 does not export the ServerHttp2Stream class: its methods are read from the
  // first stream, before any hook is installed on it (all server streams share one prototype).
  let base!: BaseMethods;

  function markResponded(stream: RecordedStream): void {
    const rec = stream[kStreamRecord];
    if (rec !== undefined && rec.respondedAt === undefined) rec.respondedAt = clock.now();
  }

  function markLocalClose(stream: RecordedStream): void {
    const rec = stream[kStreamRecord];
    if (rec !== undefined && !stream.closed) rec.localClose = true;
  }

  function guardedRespond(this: RecordedStream, ...args: Parameters<ServerHttp2Stream['respond']>): void {
    markResponded(this);
    return base.respond.apply(this, args);
  }
  function guardedRespondWithFD(this: RecordedStream, ...args: Parameters<ServerHttp2Stream['respondWithFD']>): void {
    markResponded(this);
    return base.respondWithFD.apply(this, args);
  }
  function guardedRespondWithFile(this: RecordedStream, ...args: Parameters<ServerHttp2Stream['respondWithFile']>): void {
    markResponded(this);
    return base.respondWithFile.apply(this, args);
  }
  function trackedClose(this: RecordedStream, ...args: Parameters<ServerHttp2Stream['close']>): void {
    markLocalClose(this);
    return base.close.apply(this, args);
  }
  /**
   * Every end of a stream passes through destroy(): node:http2 calls it when nghttp2 reports
   * the stream closed (clean end or RST_STREAM either way), when the session goes, and so do
   * user code and stream.finished/pipeline. Finishing the request's bookkeeping here, right
   * after the base destroy has set `rstCode`, spares every request a 'close' listener.
   */
  function trackedDestroy(this: RecordedStream, ...args: Parameters<ServerHttp2Stream['destroy']>): RecordedStream {
    markLocalClose(this);
    const result = base.destroy.apply(this, args) as RecordedStream;
    const rec = this[kStreamRecord];
    if (rec !== undefined && !rec.ended) {
      rec.ended = true;
      onStreamEnd(this, rec);
    }
    return result;
  }

  /** Pushed streams: count body bytes as they are written (they have no byte counter of their own). */
  function countedWrite(this: PushedStream, chunk: unknown, ...rest: unknown[]): boolean {
    countPushedBytes(this, chunk, rest[0]);
    return (base.write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  }
  function countedEnd(this: PushedStream, chunk?: unknown, ...rest: unknown[]): PushedStream {
    if (typeof chunk !== 'function') countPushedBytes(this, chunk, rest[0]);
    return (base.end as (...a: unknown[]) => PushedStream).call(this, chunk, ...rest);
  }
  function onPushedClose(this: PushedStream): void {
    const code = this.rstCode ?? 0;
    const owner = this[kPushOwner];
    if (code === 0 || owner === undefined || owner.session.destroying) return;
    if (this[kPushLocalClose] === true) {
      bump(stats.resets.sent, h2CodeLabel(code));
    } else {
      // The client refused or abandoned the push: RST_STREAM on the even stream id
      // (RFC 9113 §8.4: a client cancels a push with RST_STREAM, usually CANCEL).
      bump(stats.resets.received, h2CodeLabel(code));
      stats.pushes.cancelled++;
    }
  }
  function trackedPushedClose(this: PushedStream, ...args: Parameters<ServerHttp2Stream['close']>): void {
    if (!this.closed) this[kPushLocalClose] = true;
    return base.close.apply(this, args);
  }

  function guardedPushStream(this: RecordedStream, headers: OutgoingHttpHeaders, a?: unknown, b?: unknown): void {
    const options = typeof a === 'function' ? undefined : (a as Record<string, unknown> | undefined);
    const callback = (typeof a === 'function' ? a : b) as PushCallback | undefined;
    const rec = this[kStreamRecord];
    // Without a callback node:http2 throws its own ERR_INVALID_ARG_TYPE: a programming error,
    // left to surface as Node reports it.
    if (typeof callback !== 'function' || rec === undefined) {
      return (base.pushStream as (...x: unknown[]) => void).call(this, headers, a, b);
    }
    stats.pushes.attempted++;
    const decision = decidePush(policy, {
      pushAllowed: this.pushAllowed,
      pushesThisRequest: rec.pushes,
      pushedBytesThisConnection: rec.session.pushedBytes,
    });
    if (!decision.allow) {
      bump(stats.pushes.denied, decision.reason);
      const line = pushLog.record('denied', rec.route, rec.userAgent, decision.reason);
      if (line !== undefined) log(line);
      const path = String(headers?.[':path'] ?? '?');
      const err = new PushDeniedError(`server push of ${path} on route ${rec.route} denied by the push guard (${decision.reason.replace(/_/g, ' ')})`);
      // Asynchronously, like node:http2 reports its own push errors, so a handler that pushes
      // and then responds behaves the same whether the push is allowed or not.
      process.nextTick(callback, err);
      return;
    }
    if (policy.mode === 'log') {
      const line = pushLog.record('allowed', rec.route, rec.userAgent);
      if (line !== undefined) log(line);
    }
    rec.pushes++;
    base.pushStream.call(this, headers, (options ?? {}) as never, function onPushStream(err, pushed, pushHeaders) {
      if (err === null) {
        stats.pushes.sent++;
        const p = pushed as PushedStream;
        p[kPushOwner] = rec;
        p.write = countedWrite as never;
        p.end = countedEnd as never;
        p.close = trackedPushedClose;
        p.on('close', onPushedClose);
      }
      callback(err, pushed, pushHeaders);
    });
  }

  function countPushedBytes(stream: PushedStream, chunk: unknown, encoding: unknown): void {
    if (chunk === undefined || chunk === null) return;
    const bytes = typeof chunk === 'string'
      ? Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
      : (chunk as { byteLength?: number }).byteLength ?? 0;
    stats.pushes.bytes += bytes;
    const owner = stream[kPushOwner];
    if (owner !== undefined) owner.session.pushedBytes += bytes;
  }

  return {
    install(stream) {
      const s = stream as RecordedStream;
      if (base === undefined) {
        const p = Object.getPrototypeOf(stream) as ServerHttp2Stream;
        base = {
          pushStream: p.pushStream, respond: p.respond, respondWithFD: p.respondWithFD, respondWithFile: p.respondWithFile,
          close: p.close, destroy: p.destroy, write: p.write, end: p.end,
        };
      }
      s.pushStream = guardedPushStream as ServerHttp2Stream['pushStream'];
      s.respond = guardedRespond;
      s.respondWithFD = guardedRespondWithFD;
      s.respondWithFile = guardedRespondWithFile;
      s.close = trackedClose;
      s.destroy = trackedDestroy as ServerHttp2Stream['destroy'];
    },
  };
}

const kPushOwner = Symbol('h2doctor.pushOwner');
const kPushLocalClose = Symbol('h2doctor.pushLocalClose');
type PushedStream = ServerHttp2Stream & { [kPushOwner]?: StreamRecord; [kPushLocalClose]?: boolean };
