import type { Clock } from '../clock.js';
import type { RequestProfiler } from './profiler.js';
import type { StreamRecord } from './records.js';
import type { TimelineRecorder } from './stream-timeline.js';
import type { RequestSpans } from './otel-span.js';

/** What a slow record can be given beyond its timing; each part undefined when its option is off. */
export interface SlowEvidence {
  /** CPU samples (`profile`). */
  profiler?: RequestProfiler | undefined;
  /** Stream timelines (`timeline`). */
  timelines?: TimelineRecorder | undefined;
  /** OpenTelemetry spans (`otel`). */
  spans?: RequestSpans | undefined;
}
import { startRuntimePauses, type RuntimePauses } from './runtime-pauses.js';
import { SlowRequestLog, type SlowRequest, type SlowRequestOptions } from './slow-requests.js';
import type { ServerStats } from './stats.js';

/**
 * Slow-request capture for one instrumented server: judges each finished request against the
 * threshold (slow-requests.ts), completes a slow one with the event-loop stalls and GC pauses
 * it overlapped (runtime-pauses.ts), and publishes it to the ring and the listeners.
 *
 * Only slow requests reach past `judge`'s first comparison, so only they allocate.
 */
export class SlowCapture {
  /** The threshold and the ring of captured requests. */
  readonly log: SlowRequestLog;
  /** Loop-delay and GC timeline; undefined when `runtime: false`. */
  readonly runtime: RuntimePauses | undefined;
  private readonly profiler: RequestProfiler | undefined;
  private readonly timelines: TimelineRecorder | undefined;
  private readonly spans: RequestSpans | undefined;
  /** `onSlowRequest` subscribers. */
  private readonly listeners = new Set<(request: SlowRequest) => void>();
  /** Slow requests waiting for the runtime timeline to settle, with how to publish them now. */
  private readonly pending = new Map<NodeJS.Timeout, () => void>();

  constructor(
    options: SlowRequestOptions & { runtime?: boolean },
    clock: Clock,
    /** The server's counters (`slowRequests`). */
    private readonly stats: ServerStats,
    /** Where a throwing listener is reported. */
    private readonly writeLog: (line: string) => void,
    evidence: SlowEvidence = {},
  ) {
    this.profiler = evidence.profiler;
    this.timelines = evidence.timelines;
    this.spans = evidence.spans;
    this.log = new SlowRequestLog(options);
    this.runtime = options.runtime !== false ? startRuntimePauses(clock) : undefined;
  }

  /** A request ended at clock time `end`: capture it if it was slow. */
  judge(rec: StreamRecord, end: number, status: number, rstCode: number, ttfbMs: number | undefined): void {
    const durationMs = end - rec.startedAt;
    const thresholdMs = this.log.judge(durationMs);
    if (thresholdMs === undefined) {
      if (this.profiler !== undefined) this.profiler.noteEnd(end);
      return;
    }
    const captured: SlowRequest = {
      traceId: rec.traceId, route: rec.route, method: rec.method, status,
      receivedAt: Date.now() - durationMs, firstByteMs: ttfbMs, durationMs, rstCode,
      session: { id: rec.session.id, streamsOpenAtStart: rec.streamsOpenAtStart, requestsBefore: rec.requestsBefore },
      eventLoopDelayMaxMs: undefined, gc: undefined, thresholdMs,
    };
    if (this.spans !== undefined) captured.otel = this.spans.idsOf(rec);
    if (this.timelines !== undefined) captured.timeline = this.timelines.finish(rec, end, rstCode);
    const startedAt = rec.startedAt;
    const profiler = this.profiler;
    const overlap = profiler?.overlapping(startedAt, this.stats.streams.active);
    profiler?.noteEnd(end);
    // With the profiler on, a record is published once the samples up to its end are in.
    const withProfile = () => {
      if (profiler === undefined || overlap === undefined) return this.publish(captured);
      profiler.whenCovered(end, () => {
        captured.profile = profiler.profileDuring(startedAt, end, overlap);
        this.publish(captured);
      });
    };
    if (this.runtime === undefined) return withProfile();
    // The loop stall or GC pause that made this request slow may not be recorded yet (a
    // stall is only measured once it ends): publish once the runtime timeline has settled.
    const publishNow = () => {
      this.completeRuntime(captured, startedAt, end);
      withProfile();
    };
    const settleSlowRequest = () => {
      this.pending.delete(settle);
      publishNow();
    };
    const settle = setTimeout(settleSlowRequest, this.runtime.settleMs);
    settle.unref();
    this.pending.set(settle, publishNow);
  }

  /** Calls `listener` for every captured slow request; returns the unsubscribe. */
  subscribe(listener: (request: SlowRequest) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Publishes what is pending with the timeline as it stands, rather than lose it; stops the monitor. */
  stop(): void {
    for (const [timer, publish] of this.pending) {
      clearTimeout(timer);
      publish();
    }
    this.pending.clear();
    this.runtime?.stop();
    this.profiler?.stop();
    this.timelines?.stop();
  }

  private completeRuntime(captured: SlowRequest, from: number, to: number): void {
    if (this.runtime === undefined) return;
    captured.eventLoopDelayMaxMs = this.runtime.loopDelayDuring(from, to);
    const gc = this.runtime.gcDuring(from, to);
    captured.gc = { count: gc.count, totalMs: gc.totalMs };
  }

  private publish(captured: SlowRequest): void {
    this.log.add(captured);
    this.stats.slowRequests++;
    for (const listener of this.listeners) {
      // This runs inside node:http2's stream teardown (or a timer): a throwing listener must
      // not break either, so its error becomes a log line.
      try {
        listener(captured);
      } catch (err) {
        this.writeLog(`h2doctor: onSlowRequest listener threw: ${(err as Error)?.message ?? String(err)}`);
      }
    }
  }
}
