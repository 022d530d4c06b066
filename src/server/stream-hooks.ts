import type { OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { PushDeniedError } from '../errors.js';
import type { Clock } from '../clock.js';
import { decidePush, type PushLogLimiter, type PushPolicy } from './push-policy.js';
import { bump, type ServerStats } from './stats.js';
import { h2ErrorLabel } from '../codec/names.js';
import { kStreamRecord, type RecordedStream, type StreamRecord } from './records.js';

/**
 * The push guard and the per-request timing hooks, on the streams of instrumented servers.
 *
 * Where to intercept. node:http2 offers three places: each stream, each session, or the
 * `ServerHttp2Stream` prototype. Sessions do not own `pushStream`, so that leaves two.
 *
 * - Per stream (own properties set on 'stream') touches nothing else, but costs every
 *   request six property stores that outgrow the stream object's in-object slots: an extra
 *   backing store per request and a second hidden class for node:http2's own call sites.
 *   Measured: about 0.6 µs of a ~16 µs request, an eighth of the 5 % overhead budget.
 * - The prototype, gated: each method is replaced once on `ServerHttp2Stream.prototype`
 *   (never on `Http2Stream` or `Duplex`, so client streams and other duplexes are untouched)
 *   by a wrapper that first looks for this module's record on the stream. A stream of a
 *   server nobody instrumented has none and goes straight to the original method, with the
 *   same arguments, `this` and result: its behaviour is unchanged and its cost is one
 *   missed property lookup. The wrappers are installed on the first instrumented request
 *   and removed when the last instrumented server detaches (reference counted).
 *
 * We take the gated prototype: same behaviour where it matters, a fraction of the cost.
 *
 * Either way the guard reaches every route to a push: the stream API (`stream.pushStream`),
 * the compat API (`res.createPushResponse` calls `this[kStream].pushStream(...)`) and any
 * framework built on them. The same wrappers record when response headers go out
 * (`respond*`: time to first byte), whether this side closed the stream first (`close` /
 * `destroy`: how an RST_STREAM is told apart as sent or received, since node:http2 gives
 * only the final `rstCode`), and the end of the request (`destroy`, below).
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

type PushCallback = (err: Error | null, pushStream: ServerHttp2Stream, headers: OutgoingHttpHeaders) => void;
type AnyMethod = (this: unknown, ...args: unknown[]) => unknown;

const hookedNames = ['pushStream', 'respond', 'respondWithFD', 'respondWithFile', 'close', 'destroy'] as const;
type HookedName = (typeof hookedNames)[number];

/** The prototype methods the wrappers call through to (looked up before installing). */
const base = {} as Record<HookedName | 'write' | 'end', AnyMethod>;

/** What is installed where, and how many instrumented servers use it. */
let installed: { proto: Record<string, unknown>; ownBefore: Map<HookedName, unknown>; refs: number } | undefined;

/**
 * Installs the wrappers on the prototype of `stream` (a ServerHttp2Stream; node:http2 does not
 * export the class) if they are not there yet. Returns the release for `detach()`.
 */
export function acquireStreamHooks(stream: ServerHttp2Stream): () => void {
  const proto = Object.getPrototypeOf(stream) as Record<string, unknown>;
  if (installed === undefined) {
    const ownBefore = new Map<HookedName, unknown>();
    for (const name of hookedNames) {
      base[name] = proto[name] as AnyMethod;
      if (Object.prototype.hasOwnProperty.call(proto, name)) ownBefore.set(name, proto[name]);
    }
    base.write = proto.write as AnyMethod;
    base.end = proto.end as AnyMethod;
    for (const name of hookedNames) proto[name] = wrappers[name];
    installed = { proto, ownBefore, refs: 0 };
  }
  installed.refs++;
  let released = false;
  return function releaseStreamHooks() {
    if (released || installed === undefined) return;
    released = true;
    if (--installed.refs > 0) return;
    const { proto: p, ownBefore } = installed;
    for (const name of hookedNames) {
      // Leave a method alone if someone replaced ours after us: theirs calls ours, which
      // passes through for streams without a record.
      if (p[name] !== wrappers[name]) continue;
      if (ownBefore.has(name)) p[name] = ownBefore.get(name);
      else delete p[name];
    }
    installed = undefined;
  };
}

// respond(headers, options) is called once per request: its two parameters are forwarded as
// they are (node:http2 treats a missing and an undefined argument alike), which spares the
// `arguments` object the other wrappers forward.
function hookedRespond(this: RecordedStream, headers?: unknown, options?: unknown): unknown {
  const rec = this[kStreamRecord];
  if (rec !== undefined && rec.respondedAt === undefined) rec.respondedAt = rec.hooks.clock.now();
  return base.respond.call(this, headers, options);
}
function hookedRespondWithFD(this: RecordedStream): unknown {
  const rec = this[kStreamRecord];
  if (rec !== undefined && rec.respondedAt === undefined) rec.respondedAt = rec.hooks.clock.now();
  // eslint-disable-next-line prefer-rest-params
  return base.respondWithFD.apply(this, arguments as never);
}
function hookedRespondWithFile(this: RecordedStream): unknown {
  const rec = this[kStreamRecord];
  if (rec !== undefined && rec.respondedAt === undefined) rec.respondedAt = rec.hooks.clock.now();
  // eslint-disable-next-line prefer-rest-params
  return base.respondWithFile.apply(this, arguments as never);
}
function hookedClose(this: RecordedStream): unknown {
  const rec = this[kStreamRecord];
  if (rec !== undefined && !this.closed) rec.localClose = true;
  // eslint-disable-next-line prefer-rest-params
  return base.close.apply(this, arguments as never);
}

/**
 * Every end of a stream passes through destroy(): node:http2 calls it when nghttp2 reports
 * the stream closed (clean end or RST_STREAM either way) and when the session goes, and so
 * do user code and stream.finished/pipeline. Finishing the request's bookkeeping here, right
 * after the base destroy has set `rstCode`, spares every request a 'close' listener.
 */
function hookedDestroy(this: RecordedStream): unknown {
  const rec = this[kStreamRecord];
  // eslint-disable-next-line prefer-rest-params
  if (rec === undefined) return base.destroy.apply(this, arguments as never);
  if (!this.closed) rec.localClose = true;
  // eslint-disable-next-line prefer-rest-params
  const result = base.destroy.apply(this, arguments as never);
  if (!rec.ended) {
    rec.ended = true;
    rec.hooks.onStreamEnd(this, rec);
  }
  return result;
}

/**
 * A PushDeniedError without a stack trace. A handler that pushes on every response (the
 * incident's) meets the guard several times per request, and capturing a stack costs about
 * 8 µs per error: 3 denied pushes per request were 45 % of an instrumented server's CPU
 * (measured with h2load and --cpu-prof). The stack would only point into this hook; the message
 * names the path, the route and the reason.
 */
function stacklessPushDenied(message: string): PushDeniedError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new PushDeniedError(message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function hookedPushStream(this: RecordedStream, headers: OutgoingHttpHeaders, a?: unknown, b?: unknown): unknown {
  const rec = this[kStreamRecord];
  const callback = (typeof a === 'function' ? a : b) as PushCallback | undefined;
  // Not ours, or no callback (node:http2 then throws its own ERR_INVALID_ARG_TYPE: a
  // programming error, left to surface as Node reports it).
  // eslint-disable-next-line prefer-rest-params
  if (rec === undefined || typeof callback !== 'function') return base.pushStream.apply(this, arguments as never);
  const options = typeof a === 'function' ? undefined : a;
  const { policy, stats, pushLog, log } = rec.hooks;
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
    const err = stacklessPushDenied(`server push of ${path} on route ${rec.route} denied by the push guard (${decision.reason.replace(/_/g, ' ')})`);
    // Asynchronously, like node:http2 reports its own push errors, so a handler that pushes
    // and then responds behaves the same whether the push is allowed or not.
    process.nextTick(callback, err);
    return undefined;
  }
  if (policy.mode === 'log') {
    const line = pushLog.record('allowed', rec.route, rec.userAgent);
    if (line !== undefined) log(line);
  }
  rec.pushes++;
  return base.pushStream.call(this, headers, options ?? {}, function onPushStream(err: Error | null, pushed: ServerHttp2Stream, pushHeaders: OutgoingHttpHeaders) {
    if (err === null) {
      stats.pushes.sent++;
      const p = pushed as PushedStream;
      // Pushed streams are rare: plain own-property hooks are fine here.
      p[kPushOwner] = rec;
      p.write = countedWrite as never;
      p.end = countedEnd as never;
      p.close = trackedPushedClose as never;
      p.on('close', onPushedClose);
    }
    callback(err, pushed, pushHeaders);
  });
}

const wrappers: Record<HookedName, AnyMethod> = {
  pushStream: hookedPushStream as AnyMethod,
  respond: hookedRespond as AnyMethod,
  respondWithFD: hookedRespondWithFD as AnyMethod,
  respondWithFile: hookedRespondWithFile as AnyMethod,
  close: hookedClose as AnyMethod,
  destroy: hookedDestroy as AnyMethod,
};

// ---------------------------------------------------------------- pushed streams

const kPushOwner = Symbol('h2doctor.pushOwner');
const kPushLocalClose = Symbol('h2doctor.pushLocalClose');
type PushedStream = ServerHttp2Stream & { [kPushOwner]?: StreamRecord; [kPushLocalClose]?: boolean };

/** Pushed streams: count body bytes as they are written (they have no byte counter of their own). */
function countedWrite(this: PushedStream, chunk: unknown, ...rest: unknown[]): unknown {
  countPushedBytes(this, chunk, rest[0]);
  return base.write.call(this, chunk, ...rest);
}
function countedEnd(this: PushedStream, chunk?: unknown, ...rest: unknown[]): unknown {
  if (typeof chunk !== 'function') countPushedBytes(this, chunk, rest[0]);
  return base.end.call(this, chunk, ...rest);
}
function trackedPushedClose(this: PushedStream, ...args: unknown[]): unknown {
  if (!this.closed) this[kPushLocalClose] = true;
  return base.close.apply(this, args);
}
function onPushedClose(this: PushedStream): void {
  const code = this.rstCode ?? 0;
  const owner = this[kPushOwner];
  if (code === 0 || owner === undefined || owner.session.destroying) return;
  const { stats } = owner.hooks;
  if (this[kPushLocalClose] === true) {
    bump(stats.resets.sent, h2ErrorLabel(code));
  } else {
    // The client refused or abandoned the push: RST_STREAM on the even stream id
    // (RFC 9113 §8.4: a client cancels a push with RST_STREAM, usually CANCEL).
    bump(stats.resets.received, h2ErrorLabel(code));
    stats.pushes.cancelled++;
  }
}

function countPushedBytes(stream: PushedStream, chunk: unknown, encoding: unknown): void {
  const owner = stream[kPushOwner];
  if (chunk === undefined || chunk === null || owner === undefined) return;
  const bytes = typeof chunk === 'string'
    ? Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
    : (chunk as { byteLength?: number }).byteLength ?? 0;
  owner.hooks.stats.pushes.bytes += bytes;
  owner.session.pushedBytes += bytes;
}
