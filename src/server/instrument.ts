import type { Http2SecureServer, Http2Server, ServerHttp2Session } from 'node:http2';
import type { Registry } from 'prom-client';
import { monotonicClock, type Clock } from '../clock.js';
import { ConfigError } from '../errors.js';
import { version } from '../version.js';
import { hookStreamEmit } from './emit-hook.js';
import { closeGracefully, type GracefulCloseOptions, type GracefulCloseResult } from './graceful-close.js';
import { createMetricsHandler, createSnapshotHandler, type CompatHandler } from './handlers.js';
import { GrpcServerMetrics, resolveGrpcMetrics, type GrpcServerMetricsOptions } from './grpc-metrics.js';
import { startKeepalivePing } from './keepalive-ping.js';
import { KeepaliveEnforcer, registerKeepaliveMetrics, resolveKeepalivePolicy, type KeepalivePolicy } from './keepalive-policy.js';
import { createServerMetrics, type ServerMetrics } from './metrics.js';
import { RequestProfiler, resolveProfileOptions, type ProfileOptions } from './profiler.js';
import { PushLogLimiter, resolvePushPolicy, type PushOption } from './push-policy.js';
import { kSessionRecord, type RecordedSession } from './records.js';
import { RequestTracker } from './request-tracker.js';
import { defaultRoute, RouteLabeler, type RouteFunction } from './route-label.js';
import { SessionTracker } from './session-tracker.js';
import { SlowCapture } from './slow-capture.js';
import { TimelineRecorder } from './stream-timeline.js';
import { loadOtelApi, RequestSpans } from './otel-span.js';
import type { SlowRequest, SlowRequestOptions } from './slow-requests.js';
import { buildSnapshot, type ServerSnapshot } from './snapshot.js';
import { createServerStats, type ServerStats } from './stats.js';
import { createTraceIdGenerator } from './trace.js';

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
  /**
   * CPU samples for slow requests (profiler.ts): V8's sampling profiler kept running, samples
   * kept for `windowMs`; each slow request's record gets `profile`. Needs `slowRequests` and the
   * default clock. Default: off.
   */
  profile?: ProfileOptions | boolean;
  /**
   * A frame timeline for slow requests (stream-timeline.ts): response HEADERS, DATA writes,
   * flow-control waits, end, RST_STREAM and GOAWAY. Needs `slowRequests`. Default: off.
   */
  timeline?: boolean;
  /**
   * OpenTelemetry server spans (otel-span.ts). Default: on when `@opentelemetry/api` is
   * installed and an SDK has registered a tracer provider by the time `instrument()` runs;
   * `true` insists (ConfigError when there is none), `false` turns it off.
   */
  otel?: boolean;
  /** Send a PING to every session this often and record the RTT (default: off). */
  pingIntervalMs?: number;
  /**
   * Enforce a gRPC keep-alive policy on clients' PINGs, as grpc-go and C-core servers do:
   * too many early PINGs get GOAWAY ENHANCE_YOUR_CALM `too_many_pings` (keepalive-policy.ts).
   * Defaults of a given object: grpc-go's (5 min, false, 2). Default: off.
   */
  keepalivePolicy?: Partial<KeepalivePolicy>;
  /**
   * go-grpc-prometheus's server metrics (grpc_server_started_total, grpc_server_handled_total
   * by grpc_code, grpc_server_handling_seconds) for requests with content-type
   * application/grpc*, read from the grpc-status the server sends (grpc-metrics.ts), into the
   * metrics registry, unprefixed. Default: off.
   */
  grpcMetrics?: boolean | GrpcServerMetricsOptions;
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

type InstrumentedServer = (Http2Server | Http2SecureServer) & { [kInstrumented]?: boolean };

export function instrument(server: Http2Server | Http2SecureServer, options: InstrumentOptions = {}): ServerDoctor {
  const target = server as InstrumentedServer;
  if (target[kInstrumented] === true) throw new ConfigError('this server is already instrumented');
  if (options.pingIntervalMs !== undefined && !(options.pingIntervalMs > 0 && Number.isFinite(options.pingIntervalMs))) {
    throw new ConfigError(`pingIntervalMs must be a positive number of ms, got ${options.pingIntervalMs}`);
  }
  const clock = options.clock ?? monotonicClock;
  // Options that can be refused are checked before anything registers metrics or starts timers.
  const policy = resolvePushPolicy(options.push);
  const keepalivePolicy = resolveKeepalivePolicy(options.keepalivePolicy);
  const grpcOptions = resolveGrpcMetrics(options.grpcMetrics);
  const routes = new RouteLabeler(options.route ?? defaultRoute, options.maxRoutes ?? 100);
  const profile = profileOptions(options);
  if (options.timeline === true && options.slowRequests === false) throw new ConfigError('timeline needs slowRequests: timelines are kept for slow requests');
  const stats: ServerStats = createServerStats();
  const metrics = serverMetrics(stats, options);
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const otel = options.otel === false ? undefined : loadOtelApi();
  if (options.otel === true && otel === undefined) throw new ConfigError('otel: true needs @opentelemetry/api installed and an OpenTelemetry SDK registered');
  const timelines = options.timeline === true ? new TimelineRecorder(clock) : undefined;
  const spans = otel === undefined ? undefined : new RequestSpans(otel, version);
  const slow = options.slowRequests === false ? undefined : new SlowCapture(options.slowRequests ?? {}, clock, stats, log, {
    profiler: profile === undefined ? undefined : new RequestProfiler(profile, ++profilers), timelines, spans,
  });
  const sessions = new SessionTracker(stats, metrics);
  const keepalive = keepalivePolicy === undefined ? undefined : new KeepaliveEnforcer(keepalivePolicy, clock);
  if (keepalive !== undefined) registerKeepaliveMetrics(keepalive.counters, metrics.registry, options.metrics?.prefix ?? 'h2_');
  const grpc = grpcOptions === undefined ? undefined : new GrpcServerMetrics(grpcOptions, metrics.registry, clock);
  const requests = new RequestTracker({
    policy, stats, clock, pushLog: new PushLogLimiter(clock), log, metrics, sessions, routes, slow, grpc, ...traceParts(options.trace),
  });
  let detached = false;

  function onSession(session: ServerHttp2Session): void {
    if (detached) return;
    const rec = sessions.recordOf(session as RecordedSession);
    keepalive?.watch(session, () => rec.streamsOpen);
  }
  server.prependListener('session', onSession);
  if (timelines !== undefined) {
    server.prependListener('stream', timelines.onStream);
    server.prependListener('session', timelines.onSession);
  }
  if (spans !== undefined) server.prependListener('stream', spans.onStream);
  const unhookEmit = hookStreamEmit(server, requests, traceMode(options.trace));
  target[kInstrumented] = true;
  const stopPing = options.pingIntervalMs === undefined ? undefined : startKeepalivePing(sessions.sessions, options.pingIntervalMs, metrics);

  const doctor: ServerDoctor = {
    registry: metrics.registry,
    metricsHandler: createMetricsHandler(metrics.registry),
    snapshotHandler: createSnapshotHandler(() => doctor.snapshot()),
    snapshot: () => buildSnapshot(stats, slow?.log, slow?.runtime, keepalive?.counters),
    onSlowRequest: (listener) => (slow === undefined ? () => undefined : slow.subscribe(listener)),
    async close(closeOptions, signal) {
      sessions.closing = true;
      try {
        return await closeGracefully(server, sessions.sessions, (s) => (s as RecordedSession)[kSessionRecord]?.streamsOpen ?? 0, closeOptions, signal);
      } finally {
        doctor.detach();
      }
    },
    detach() {
      if (detached) return;
      detached = true;
      unhookEmit();
      delete target[kInstrumented];
      server.removeListener('session', onSession);
      if (timelines !== undefined) {
        server.removeListener('stream', timelines.onStream);
        server.removeListener('session', timelines.onSession);
      }
      if (spans !== undefined) server.removeListener('stream', spans.onStream);
      stopPing?.();
      if (keepalive !== undefined) for (const s of sessions.sessions) keepalive.unwatch(s);
      slow?.stop();
      requests.release();
    },
  };
  return doctor;
}

function serverMetrics(stats: ServerStats, options: InstrumentOptions): ServerMetrics {
  try {
    return createServerMetrics(stats, options.metrics);
  } catch (err) {
    // prom-client refuses a second metric of the same name: two instrumented servers on one
    // registry need different prefixes.
    throw new ConfigError(`metrics: ${(err as Error).message} (give each instrumented server its own registry or prefix)`, { cause: err });
  }
}

let profilers = 0;

/** The checked `profile` options; undefined when profiling is off. */
function profileOptions(options: InstrumentOptions): Required<ProfileOptions> | undefined {
  const profile = options.profile;
  if (profile === undefined || profile === false) return undefined;
  if (options.slowRequests === false) throw new ConfigError('profile needs slowRequests: the samples are kept for slow requests');
  if (options.clock !== undefined) throw new ConfigError('profile needs the default clock (sample times are on the performance.now() timeline)');
  return resolveProfileOptions(profile === true ? {} : profile);
}

/** Which headers carry a trace id, and how one is made when none does. */
function traceParts(trace: InstrumentOptions['trace']): { traceHeaders: readonly string[]; generateTraceId: (() => string) | undefined } {
  const o = trace === false ? {} : (trace ?? {});
  const traceHeaders = o.header === undefined ? defaultTraceHeaders
    : (Array.isArray(o.header) ? o.header : [o.header]).map((h) => h.toLowerCase());
  const generateTraceId = o.generate === false ? undefined
    : typeof o.generate === 'function' ? o.generate
    : trace !== false ? createTraceIdGenerator() : undefined;
  return { traceHeaders, generateTraceId };
}

function traceMode(trace: InstrumentOptions['trace']): 'off' | 'lazy' | 'async' {
  if (trace === false) return 'off';
  return trace?.asyncContext === true ? 'async' : 'lazy';
}
