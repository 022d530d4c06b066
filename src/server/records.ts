import type { IncomingHttpHeaders, ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import { traceIdFromHeader, traceIdFromHeaders, type RequestTrace } from './trace.js';
import type { StreamHookContext } from './stream-hooks.js';
import type { SessionCloseReason } from './stats.js';
import type { SessionTracker } from './session-tracker.js';

/**
 * Per-session and per-stream bookkeeping, hung on the node:http2 objects under private
 * symbols: one property per object, read back without a Map lookup, and gone with the object.
 */

export const kSessionRecord = Symbol('h2doctor.session');
export const kStreamRecord = Symbol('h2doctor.stream');

export interface SessionRecord {
  /** The tracker of the server this session belongs to (its counters and session set). */
  tracker: SessionTracker;
  /** Server-local session number, in order of arrival. */
  id: number;
  /** Request streams open now. */
  streamsOpen: number;
  /** Request streams started on this session. */
  requests: number;
  /** Body bytes written to pushed streams on this session (for `push.limit.bytesPerConnection`). */
  pushedBytes: number;
  /**
   * What began the end of this session: the first of GOAWAY sent, GOAWAY received, idle
   * timeout; an 'error' overrides them all. Undefined: none yet (a bare close is `peer_close`).
   */
  closeCause: SessionCloseReason | undefined;
  /**
   * `destroy()` was called: the streams closed from here on are cut with the session, not
   * reset one by one, so their codes are not counted as RST_STREAM frames.
   */
  destroying: boolean;
}

/**
 * One request stream's bookkeeping. It is also the AsyncLocalStorage store of the request
 * (it has `traceId` and `route`), so a request allocates one object for both.
 *
 * It does not keep the request's headers object. Under load a server has many streams in
 * flight, and everything they hold survives each young-generation GC with them, while the
 * headers object and its strings are otherwise garbage once the handler returns. It keeps the
 * user-agent string and the value of the first trace header present (one string: what the
 * trace id is read from, on first use); the whole headers object only in the rare case that
 * more than one of the trace headers is present, since a later one is read when the first
 * is invalid.
 */
export class StreamRecord implements RequestTrace {
  /** Clock time the response headers were handed to nghttp2; undefined until then. */
  respondedAt: number | undefined = undefined;
  /** This side called close() or destroy() before the stream closed: its RST_STREAM is sent, not received. */
  localClose = false;
  /** Pushes allowed for this request. */
  pushes = 0;
  /** The end of the request has been recorded (destroy() may be called more than once). */
  ended = false;
  /** `user-agent` request header, for push log lines. */
  readonly userAgent: string | undefined;
  /** Index in `traceHeaders` of the first trace header present, -1 when none is. */
  private readonly traceIndex: number = -1;
  /** That header's value, as it arrived. */
  private readonly traceValue: string | string[] | undefined = undefined;
  /** The request headers, only when two or more of `traceHeaders` are present (see above). */
  private readonly traceSource: IncomingHttpHeaders | undefined = undefined;
  /** The trace id once read; undefined until the first read. */
  private resolvedTraceId: string | undefined = undefined;

  constructor(
    /** The instrumentation this stream belongs to (its server's policy, counters, clock). */
    readonly hooks: StreamHookContext,
    readonly session: SessionRecord,
    /** Bounded route label. */
    readonly route: string,
    /** `:method`. */
    readonly method: string,
    /** The request headers, as node:http2 gave them (not kept: see above). */
    headers: IncomingHttpHeaders,
    /** Headers that may carry a trace id, in order. */
    private readonly traceHeaders: readonly string[],
    /** Makes a trace id; undefined: none is made and the id reads ''. */
    private readonly generateTraceId: (() => string) | undefined,
    /** Clock time the request headers arrived. */
    readonly startedAt: number,
    /** Streams open on the session when this one arrived (including itself). */
    readonly streamsOpenAtStart: number,
    /** Requests the session carried before this one. */
    readonly requestsBefore: number,
  ) {
    const ua = headers['user-agent'];
    this.userAgent = typeof ua === 'string' ? ua : undefined;
    for (let i = 0; i < traceHeaders.length; i++) {
      const value = headers[traceHeaders[i]!];
      if (value === undefined) continue;
      if (this.traceIndex === -1) {
        this.traceIndex = i;
        this.traceValue = value;
      } else {
        this.traceSource = headers;
        break;
      }
    }
  }

  /**
   * Trace id: the one the request headers carry, else a generated one, else ''. Both are
   * worked out on first read: most requests are never slow and nobody asks for their id, so
   * most never pay for a header parse or a new id.
   */
  get traceId(): string {
    if (this.resolvedTraceId === undefined) {
      const fromHeaders = this.traceSource !== undefined ? traceIdFromHeaders(this.traceSource, this.traceHeaders)
        : this.traceIndex >= 0 ? traceIdFromHeader(this.traceHeaders[this.traceIndex]!, this.traceValue) : undefined;
      this.resolvedTraceId = fromHeaders ?? this.generateTraceId?.() ?? '';
    }
    return this.resolvedTraceId;
  }
}

export type RecordedSession = ServerHttp2Session & { [kSessionRecord]?: SessionRecord };
export type RecordedStream = ServerHttp2Stream & { [kStreamRecord]?: StreamRecord };
