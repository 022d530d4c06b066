import type { Http2SecureServer, Http2Server, IncomingHttpHeaders, ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import type { Registry } from 'prom-client';
import { monotonicClock, type Clock } from '../clock.js';
import { ConfigError } from '../errors.js';
import { createServerMetrics, type ServerMetrics } from './metrics.js';
import { PushLogLimiter, resolvePushPolicy, type PushOption, type PushPolicy } from './push-policy.js';
import { kSessionRecord, kStreamRecord, StreamRecord, type RecordedSession, type RecordedStream, type SessionRecord } from './records.js';
import { defaultRoute, RouteLabeler, type RouteFunction } from './route-label.js';
import { startRuntimePauses, type RuntimePauses } from './runtime-pauses.js';
import { SlowRequestLog, type SlowRequest, type SlowRequestOptions } from './slow-requests.js';
import { bump, createServerStats, type ServerStats, type SessionCloseReason } from './stats.js';
import { acquireStreamHooks, type StreamHookContext } from './stream-hooks.js';
import { createTraceIdGenerator, traceContextWanted, traceStorage, swapEmittingTrace } from './trace.js';
import { h2ErrorLabel } from '../codec/names.js';
import { closeGracefully, type GracefulCloseOptions, type GracefulCloseResult } from './graceful-close.js';
import { buildSnapshot, type ServerSnapshot } from './snapshot.js';
import { createMetricsHandler, createSnapshotHandler, type CompatHandler } from './handlers.js';

/**
 * `instrument(server, options)`: the three lines a node:http2 service adds to refuse push,
 * count what its connections do, catch its slow requests and shut down without failing the
 * requests it accepted. See docs/server.md.
 */

export interface InstrumentOptions {
  /** Push guard (default 'deny'). */
  push?: PushOption;
  /** Prometheus metrics: a prom-client Registry (default: a new one) and a name prefix (default `h2_`). */
  metrics?: { registry?: Registry; prefix?: string; durationBuckets?: number[] };
  /** Route label for metrics and logs; always capped to `maxRoutes` distinct values. */
  route?: RouteFunction;
  /** Most distinct route labels (default 100); the rest share `other`. */
  maxRoutes?: number;
  /** Slow-request capture (default threshold 'p99', keep 100); `false` turns it off. */
  slowRequests?: (SlowRequestOptions & { runtime?: boolean }) | false;
  /**
   * Trace ids: headers to read in order (default `traceparent`, then `x-request-id`), and
   * whether to generate one when none is present (default true). `false` turns off the
   * AsyncLocalStorage context (getTraceId() then returns undefined). `asyncContext: true`
   * enters the context for every request from the start rather than from the first
   * getTraceId() call (trace.ts explains the cost).
   */
  trace?: { header?: string | string[]; generate?: boolean | (() => string); asyncContext?: boolean } | false;
  /** Send a PING to every session this often and record the RTT (default: off). */
  pingIntervalMs?: number;
  /** Where push log lines go (default: stderr). */
  log?: (line: string) => void;
  /** Clock for durations (default: performance.now()). GC overlap assumes that timeline. */
  clock?: Clock;
}

export interface ServerDoctor {
  /** Serves the Prometheus text of the registry: `(req, res)` for the compat API or node:http. */
  readonly metricsHandler: CompatHandler;
  /** Serves `snapshot()` as JSON: a debug route. */
  readonly snapshotHandler: CompatHandler;
  /** The registry the metrics live in. */
  readonly registry: Registry;
  /** Sessions, reuse, streams, pushes, resets, GOAWAYs and slow requests, as plain JSON. */
  snapshot(): ServerSnapshot;
  /**
   * Calls `listener` for every captured slow request; returns the unsubscribe. With the
   * runtime monitor on, a slow request is published (here and in `snapshot()`) about 70 ms
   * after it ends, once the event-loop stalls and GC pauses it overlapped are recorded.
   */
  onSlowRequest(listener: (request: SlowRequest) => void): () => void;
  /** GOAWAY(NO_ERROR) to every session, in-flight streams get `graceMs` to finish, then close. */
  close(options?: GracefulCloseOptions, signal?: AbortSignal): Promise<GracefulCloseResult>;
  /** Stops instrumenting (timers, observers, the emit hook); counters stay readable. */
  detach(): void;
}

const defaultTraceHeaders = ['traceparent', 'x-request-id'];

const kInstrumented = Symbol('h2doctor.instrumented');

export function instrument(server: Http2Server | Http2SecureServer, options: InstrumentOptions = {}): ServerDoctor {
  const target = server as (Http2Server | Http2SecureServer) & { [kInstrumented]?: boolean };
  if (target[kInstrumented] === true) throw new ConfigError('this server is already instrumented');
  if (options.pingIntervalMs !== undefined && !(options.pingIntervalMs > 0 && Number.isFinite(options.pingIntervalMs))) {
    throw new ConfigError(`pingIntervalMs must be a positive number of ms, got ${options.pingIntervalMs}`);
  }
  const clock = options.clock ?? monotonicClock;
  const policy: PushPolicy = resolvePushPolicy(options.push);
  const routes = new RouteLabeler(options.route ?? defaultRoute, options.maxRoutes ?? 100);
  const stats: ServerStats = createServerStats();
  let metrics: ServerMetrics;
  try {
    metrics = createServerMetrics(stats, options.metrics);
  } catch (err) {
    // prom-client refuses a second metric of the same name: two instrumented servers on one
    // registry need different prefixes.
    throw new ConfigError(`metrics: ${(err as Error).message} (give each instrumented server its own registry or prefix)`, { cause: err });
  }
  const slowOptions = options.slowRequests === false ? undefined : (options.slowRequests ?? {});
  const slow = slowOptions === undefined ? undefined : new SlowRequestLog(slowOptions);
  const runtime: RuntimePauses | undefined = slowOptions !== undefined && slowOptions.runtime !== false ? startRuntimePauses(clock) : undefined;
  const traceOn = options.trace !== false;
  const asyncContext = options.trace !== false && options.trace?.asyncContext === true;
  const traceOptions = options.trace === false ? {} : (options.trace ?? {});
  const traceHeaders = traceOptions.header === undefined ? defaultTraceHeaders
    : (Array.isArray(traceOptions.header) ? traceOptions.header : [traceOptions.header]).map((h) => h.toLowerCase());
  const generate = traceOptions.generate === false ? undefined
    : typeof traceOptions.generate === 'function' ? traceOptions.generate
    : traceOn ? createTraceIdGenerator() : undefined;
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const hooks: StreamHookContext = { policy, stats, clock, pushLog: new PushLogLimiter(clock), log, onStreamEnd: endRequest };
  /** Releases the stream hooks (stream-hooks.ts); set on the first request. */
  let releaseHooks: (() => void) | undefined;
  const sessions = new Set<ServerHttp2Session>();
  const slowListeners = new Set<(request: SlowRequest) => void>();
  /** Slow requests waiting for the runtime timeline to settle, with how to publish them now. */
  const pendingSlow = new Map<NodeJS.Timeout, () => void>();
  let nextSessionId = 1;
  let closing = false;
  let detached = false;

  // ------------------------------------------------------------------ sessions

  function recordOf(session: RecordedSession): SessionRecord {
    let rec = session[kSessionRecord];
    if (rec === undefined) rec = adoptSession(session);
    return rec;
  }

  /** Starts tracking a session (from 'session', or lazily for one that predates instrument()). */
  function adoptSession(session: RecordedSession): SessionRecord {
    const rec: SessionRecord = {
      id: nextSessionId++, streamsOpen: 0, requests: 0, pushedBytes: 0,
      closeCause: undefined, destroying: false,
    };
    session[kSessionRecord] = rec;
    sessions.add(session);
    stats.sessions.opened++;
    stats.sessions.active++;
    // Per session, like the stream hooks (stream-hooks.ts explains why not the prototype):
    // close() sends its GOAWAY through goaway(), so this one hook sees both.
    const baseGoaway = session.goaway;
    session.goaway = function countedGoaway(this: RecordedSession, code?: number, ...rest: unknown[]) {
      if (!this.destroyed) {
        rec.closeCause ??= 'goaway_sent';
        bump(stats.goaways.sent, h2ErrorLabel(code ?? 0));
      }
      return (baseGoaway as (...a: unknown[]) => void).call(this, code, ...rest);
    };
    const baseDestroy = session.destroy;
    session.destroy = function markedDestroy(this: RecordedSession, ...args: unknown[]) {
      rec.destroying = true;
      return (baseDestroy as (...a: unknown[]) => void).apply(this, args);
    };
    session.on('goaway', onSessionGoaway);
    session.on('timeout', onSessionTimeout);
    session.on('error', onSessionError);
    session.once('close', onSessionClose);
    if (closing) session.close();
    return rec;
  }

  function onSessionGoaway(this: RecordedSession, code: number): void {
    recordOf(this).closeCause ??= 'goaway_received';
    bump(stats.goaways.received, h2ErrorLabel(code));
  }
  function onSessionTimeout(this: RecordedSession): void {
    recordOf(this).closeCause ??= 'idle_timeout';
  }
  function onSessionError(this: RecordedSession): void {
    recordOf(this).closeCause = 'error';
  }
  function onSessionClose(this: RecordedSession): void {
    const rec = recordOf(this);
    sessions.delete(this);
    stats.sessions.active--;
    // The first cause wins (our GOAWAY after the client's is only the reply to it), except
    // an error, which explains whatever GOAWAY came with it.
    const reason: SessionCloseReason = rec.closeCause ?? 'peer_close';
    stats.sessions.closed[reason]++;
    metrics.observeSessionClose(rec.requests);
  }

  function onSession(session: ServerHttp2Session): void {
    if (!detached) recordOf(session as RecordedSession);
  }
  server.prependListener('session', onSession);

  // ------------------------------------------------------------------ streams

  function startStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): StreamRecord {
    const session = recordOf(stream.session as RecordedSession);
    stats.requests.total++;
    if (session.requests > 0) stats.requests.reused++;
    const requestsBefore = session.requests;
    session.requests++;
    session.streamsOpen++;
    stats.streams.active++;
    const method = String(headers[':method'] ?? '');
    const route = routes.labelFor(method, String(headers[':path'] ?? ''), headers);
    if (releaseHooks === undefined) releaseHooks = acquireStreamHooks(stream);
    const rec = new StreamRecord(
      hooks, session, route, method, headers, traceHeaders, generate,
      clock.now(), session.streamsOpen, requestsBefore,
    );
    (stream as RecordedStream)[kStreamRecord] = rec;
    return rec;
  }

  /** The request's stream is gone (from the destroy hook, stream-hooks.ts): count and judge it. */
  function endRequest(stream: RecordedStream, rec: StreamRecord): void {
    const end = clock.now();
    stats.streams.active--;
    rec.session.streamsOpen--;
    const code = stream.rstCode ?? 0;
    if (code !== 0 && !rec.session.destroying) bump(rec.localClose ? stats.resets.sent : stats.resets.received, h2ErrorLabel(code));
    const rawStatus = stream.sentHeaders?.[':status'];
    const status = rawStatus === undefined ? 0 : Number(rawStatus);
    const durationMs = end - rec.startedAt;
    const ttfbMs = rec.respondedAt === undefined ? undefined : rec.respondedAt - rec.startedAt;
    metrics.observeRequest(rec.route, status, durationMs / 1000, ttfbMs === undefined ? undefined : ttfbMs / 1000);
    if (slow === undefined) return;
    const thresholdMs = slow.judge(durationMs);
    if (thresholdMs === undefined) return;
    const captured: SlowRequest = {
      traceId: rec.traceId, route: rec.route, method: rec.method, status,
      receivedAt: Date.now() - durationMs, firstByteMs: ttfbMs, durationMs, rstCode: code,
      session: { id: rec.session.id, streamsOpenAtStart: rec.streamsOpenAtStart, requestsBefore: rec.requestsBefore },
      eventLoopDelayMaxMs: undefined, gc: undefined, thresholdMs,
    };
    if (runtime === undefined) {
      publishSlow(captured);
      return;
    }
    // The loop stall or GC pause that made this request slow may not be recorded yet (a
    // stall is only measured once it ends): publish once the runtime timeline has settled.
    const startedAt = rec.startedAt;
    const settle = setTimeout(function settleSlowRequest() {
      pendingSlow.delete(settle);
      completeRuntime(captured, startedAt, end);
      publishSlow(captured);
    }, runtime.settleMs);
    settle.unref();
    pendingSlow.set(settle, () => {
      completeRuntime(captured, startedAt, end);
      publishSlow(captured);
    });
  }

  function completeRuntime(captured: SlowRequest, from: number, to: number): void {
    if (runtime === undefined) return;
    captured.eventLoopDelayMaxMs = runtime.loopDelayDuring(from, to);
    const gc = runtime.gcDuring(from, to);
    captured.gc = { count: gc.count, totalMs: gc.totalMs };
  }

  function publishSlow(captured: SlowRequest): void {
    slow!.add(captured);
    stats.slowRequests++;
    for (const listener of slowListeners) {
      // This runs inside node:http2's stream teardown (or a timer): a throwing listener must
      // not break either, so its error becomes a log line.
      try {
        listener(captured);
      } catch (err) {
        log(`h2doctor: onSlowRequest listener threw: ${(err as Error)?.message ?? String(err)}`);
      }
    }
  }

  // The one hook on the server object: its own `emit`, so the bookkeeping runs before every
  // 'stream' listener (the compat layer's included, which is itself a 'stream' listener) and
  // the handlers run inside the trace context. Restored by detach().
  const baseEmit = server.emit;
  // Fixed parameters rather than rest arguments: 'stream' carries (stream, headers, flags,
  // rawHeaders), and this runs for every event the server emits.
  function instrumentedEmit(this: typeof server, event: string | symbol, a?: unknown, b?: unknown, c?: unknown, d?: unknown): boolean {
    // eslint-disable-next-line prefer-rest-params -- forwards exactly what was emitted
    if (event !== 'stream' || detached) return baseEmit.apply(this, arguments as never);
    const rec = startStream(a as ServerHttp2Stream, b as IncomingHttpHeaders);
    if (!traceOn) return baseEmit.call(this, event, a, b, c, d);
    if (asyncContext || traceContextWanted()) return traceStorage.run(rec, emitStream, this, a, b, c, d);
    const previous = swapEmittingTrace(rec);
    try {
      return baseEmit.call(this, event, a, b, c, d);
    } finally {
      swapEmittingTrace(previous);
    }
  }
  function emitStream(self: typeof server, a: unknown, b: unknown, c: unknown, d: unknown): boolean {
    return baseEmit.call(self, 'stream', a, b, c, d);
  }
  target.emit = instrumentedEmit as typeof server.emit;
  target[kInstrumented] = true;

  // ------------------------------------------------------------------ PING RTT

  let pingTimer: NodeJS.Timeout | undefined;
  if (options.pingIntervalMs !== undefined) {
    pingTimer = setInterval(function pingSessions() {
      for (const session of sessions) {
        if (session.closed || session.destroyed) continue;
        try {
          session.ping((err, durationMs) => {
            if (err === null) metrics.observePingRtt(durationMs / 1000);
          });
        } catch {
          // Too many unanswered PINGs, or the session is going: skip it this round.
        }
      }
    }, options.pingIntervalMs);
    pingTimer.unref();
  }

  // ------------------------------------------------------------------ the doctor

  const doctor: ServerDoctor = {
    registry: metrics.registry,
    metricsHandler: createMetricsHandler(metrics.registry),
    snapshotHandler: createSnapshotHandler(() => doctor.snapshot()),
    snapshot: () => buildSnapshot(stats, slow, runtime),
    onSlowRequest(listener) {
      slowListeners.add(listener);
      return () => void slowListeners.delete(listener);
    },
    async close(closeOptions, signal) {
      closing = true;
      try {
        return await closeGracefully(server, sessions, (s) => (s as RecordedSession)[kSessionRecord]?.streamsOpen ?? 0, closeOptions, signal);
      } finally {
        doctor.detach();
      }
    },
    detach() {
      if (detached) return;
      detached = true;
      if (target.emit === instrumentedEmit) target.emit = baseEmit;
      delete target[kInstrumented];
      server.removeListener('session', onSession);
      if (pingTimer !== undefined) clearInterval(pingTimer);
      // Publish what is pending with the timeline as it stands, rather than lose it.
      for (const [timer, publish] of pendingSlow) {
        clearTimeout(timer);
        publish();
      }
      pendingSlow.clear();
      runtime?.stop();
      releaseHooks?.();
    },
  };
  return doctor;
}
