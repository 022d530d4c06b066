import { ConfigError } from '../errors.js';
import { TailQuantile } from '../stats/tail-quantile.js';
import type { RequestProfile } from './profiler.js';
import type { RequestTimeline } from './stream-timeline.js';
import type { SpanIds } from './otel-span.js';

/**
 * Slow-request capture: the "colour the P99 traces" step of the incident, for Node. Requests
 * above a threshold (fixed ms, or a running P99 estimate) are kept in a bounded ring with
 * what was going on around them, so the question "was it the network, the connection, the
 * event loop or the GC?" can be answered after the fact.
 */

/** A captured slow request. */
export interface SlowRequest {
  /** Trace id of the request (from traceparent / x-request-id, or generated). */
  traceId: string;
  /** Bounded route label. */
  route: string;
  /** `:method`. */
  method: string;
  /** Response status; 0 when no response headers were sent (reset or destroyed stream). */
  status: number;
  /** Wall-clock time the request headers arrived (ms since the epoch). */
  receivedAt: number;
  /** Milliseconds from request headers received to the response headers being sent; undefined if never. */
  firstByteMs: number | undefined;
  /** Milliseconds from request headers received to the stream closing. */
  durationMs: number;
  /** RST_STREAM code the stream closed with (0 = clean end). */
  rstCode: number;
  /** The connection the request travelled on. */
  session: {
    /** Server-local session number, in order of arrival. */
    id: number;
    /** Streams open on the session when the request arrived (including this one). */
    streamsOpenAtStart: number;
    /** Requests the session had served before this one. */
    requestsBefore: number;
  };
  /** Worst event-loop delay (ms) while the request ran; undefined when the runtime monitor is off. */
  eventLoopDelayMaxMs: number | undefined;
  /** GC pauses that overlapped the request; undefined when the runtime monitor is off. */
  gc: { count: number; totalMs: number } | undefined;
  /** The threshold the request was judged against (ms). */
  thresholdMs: number;
  /** CPU samples taken while the request ran (profiler.ts); absent unless `instrument(…, { profile })`. */
  profile?: RequestProfile;
  /** The stream's side of the request in time (stream-timeline.ts); absent unless `instrument(…, { timeline: true })`. */
  timeline?: RequestTimeline;
  /** The request's OpenTelemetry server span (otel-span.ts); absent when no SDK is registered or `otel: false`. */
  otel?: SpanIds;
}

export interface SlowRequestOptions {
  /** Fixed threshold in ms, or 'p99' for a running estimate (default 'p99'). */
  threshold?: number | 'p99';
  /** How many slow requests the ring keeps (default 100). */
  keep?: number;
  /** With 'p99': requests to observe before any is called slow (default 200). */
  minSamples?: number;
}

/** Decides which requests are slow and keeps the newest `keep` of them. */
export class SlowRequestLog {
  private readonly fixedMs: number | undefined;
  private readonly estimate: TailQuantile | undefined;
  private readonly minSamples: number;
  readonly keep: number;
  /** Ring storage; `next` is the slot written next. */
  private readonly ring: SlowRequest[] = [];
  private next = 0;
  /** Slow requests seen in total (the ring holds at most `keep`). */
  total = 0;

  constructor(options: SlowRequestOptions = {}) {
    const threshold = options.threshold ?? 'p99';
    this.keep = options.keep ?? 100;
    this.minSamples = options.minSamples ?? 200;
    if (!Number.isInteger(this.keep) || this.keep < 1) throw new ConfigError(`slowRequests.keep must be a positive integer, got ${this.keep}`);
    if (threshold === 'p99') {
      this.estimate = new TailQuantile(0.99);
    } else if (typeof threshold === 'number' && threshold >= 0 && Number.isFinite(threshold)) {
      this.fixedMs = threshold;
    } else {
      throw new ConfigError(`slowRequests.threshold must be 'p99' or a number of ms, got ${JSON.stringify(threshold)}`);
    }
  }

  /** The current threshold in ms; undefined while a p99 estimate is still warming up. */
  thresholdMs(): number | undefined {
    if (this.fixedMs !== undefined) return this.fixedMs;
    const q = this.estimate!;
    return q.count >= this.minSamples ? q.value() : undefined;
  }

  /**
   * Judges one finished request: returns the threshold it exceeded, or undefined if it is not
   * slow. The duration then feeds the running estimate (after judging, so a request is
   * compared with the ones before it).
   */
  judge(durationMs: number): number | undefined {
    const threshold = this.thresholdMs();
    this.estimate?.observe(durationMs);
    return threshold !== undefined && durationMs > threshold ? threshold : undefined;
  }

  add(request: SlowRequest): void {
    this.total++;
    if (this.ring.length < this.keep) this.ring.push(request);
    else this.ring[this.next] = request;
    this.next = (this.next + 1) % this.keep;
  }

  /** Captured requests, oldest first. */
  list(): SlowRequest[] {
    if (this.ring.length < this.keep) return [...this.ring];
    return [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
  }
}
