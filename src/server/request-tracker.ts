import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Clock } from '../clock.js';
import { h2ErrorLabel } from '../codec/names.js';
import type { GrpcServerMetrics } from './grpc-metrics.js';
import type { ServerMetrics } from './metrics.js';
import type { PushLogLimiter, PushPolicy } from './push-policy.js';
import { kStreamRecord, StreamRecord, type RecordedSession, type RecordedStream } from './records.js';
import type { RouteLabeler } from './route-label.js';
import type { SessionTracker } from './session-tracker.js';
import type { SlowCapture } from './slow-capture.js';
import { bump, type ServerStats } from './stats.js';
import { acquireStreamHooks, type StreamHookContext } from './stream-hooks.js';

/** What a RequestTracker is built from: one instrumented server's parts. */
export interface RequestTrackerParts {
  policy: PushPolicy;
  stats: ServerStats;
  clock: Clock;
  pushLog: PushLogLimiter;
  log: (line: string) => void;
  metrics: ServerMetrics;
  sessions: SessionTracker;
  routes: RouteLabeler;
  /** Headers that may carry a trace id, in order. */
  traceHeaders: readonly string[];
  /** Makes a trace id when a request carries none; undefined: none is made. */
  generateTraceId: (() => string) | undefined;
  /** Slow-request capture; undefined when it is off. */
  slow: SlowCapture | undefined;
  /** gRPC metrics (grpc-metrics.ts); undefined when off. */
  grpc?: GrpcServerMetrics | undefined;
}

/**
 * The request streams of one instrumented server: a StreamRecord (records.ts) when a stream
 * starts, and its counters, metrics and slow-request judgement when it ends.
 *
 * This is the hot path. It is also the StreamHookContext the stream hooks reach through each
 * record (`rec.hooks`), so a request costs one StreamRecord and no closure.
 */
export class RequestTracker implements StreamHookContext {
  readonly policy: PushPolicy;
  readonly stats: ServerStats;
  readonly clock: Clock;
  readonly pushLog: PushLogLimiter;
  readonly log: (line: string) => void;
  private readonly metrics: ServerMetrics;
  private readonly sessions: SessionTracker;
  private readonly routes: RouteLabeler;
  private readonly traceHeaders: readonly string[];
  private readonly generateTraceId: (() => string) | undefined;
  private readonly slow: SlowCapture | undefined;
  private readonly grpc: GrpcServerMetrics | undefined;
  /** Releases the stream hooks (stream-hooks.ts); set on the first request. */
  private releaseHooks: (() => void) | undefined = undefined;

  constructor(parts: RequestTrackerParts) {
    this.policy = parts.policy;
    this.stats = parts.stats;
    this.clock = parts.clock;
    this.pushLog = parts.pushLog;
    this.log = parts.log;
    this.metrics = parts.metrics;
    this.sessions = parts.sessions;
    this.routes = parts.routes;
    this.traceHeaders = parts.traceHeaders;
    this.generateTraceId = parts.generateTraceId;
    this.slow = parts.slow;
    this.grpc = parts.grpc;
  }

  /** A request stream arrived ('stream'): count it and hang its record on it. */
  start(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): StreamRecord {
    const session = this.sessions.recordOf(stream.session as RecordedSession);
    const stats = this.stats;
    stats.requests.total++;
    if (session.requests > 0) stats.requests.reused++;
    const requestsBefore = session.requests;
    session.requests++;
    session.streamsOpen++;
    stats.streams.active++;
    // node:http2 gives pseudo-headers as strings: String() (a builtin call each) only for anything else.
    const rawMethod = headers[':method'];
    const rawPath = headers[':path'];
    const method = typeof rawMethod === 'string' ? rawMethod : String(rawMethod ?? '');
    const route = this.routes.labelFor(method, typeof rawPath === 'string' ? rawPath : String(rawPath ?? ''), headers);
    if (this.releaseHooks === undefined) this.releaseHooks = acquireStreamHooks(stream);
    const rec = new StreamRecord(
      this, session, route, method, headers, this.traceHeaders, this.generateTraceId,
      this.clock.now(), session.streamsOpen, requestsBefore,
    );
    (stream as RecordedStream)[kStreamRecord] = rec;
    if (this.grpc !== undefined) this.grpc.start(stream, headers, rec.startedAt);
    return rec;
  }

  /** The request's stream is gone (from the destroy hook, stream-hooks.ts): count and judge it. */
  onStreamEnd(stream: RecordedStream, rec: StreamRecord): void {
    const end = this.clock.now();
    const stats = this.stats;
    stats.streams.active--;
    rec.session.streamsOpen--;
    const code = stream.rstCode ?? 0;
    if (code !== 0 && !rec.session.destroying) bump(rec.localClose ? stats.resets.sent : stats.resets.received, h2ErrorLabel(code));
    const rawStatus = stream.sentHeaders?.[':status'];
    const status = rawStatus === undefined ? 0 : Number(rawStatus);
    const durationMs = end - rec.startedAt;
    const ttfbMs = rec.respondedAt === undefined ? undefined : rec.respondedAt - rec.startedAt;
    this.metrics.observeRequest(rec.route, status, durationMs / 1000, ttfbMs === undefined ? undefined : ttfbMs / 1000);
    this.slow?.judge(rec, end, status, code, ttfbMs);
  }

  /** Lets go of the stream hooks (the last instrumented server to do so removes them). */
  release(): void {
    this.releaseHooks?.();
    this.releaseHooks = undefined;
  }
}
