import { performance } from 'node:perf_hooks';
import type { Clock } from '../clock.js';
import type { RequestProfiler } from './profiler.js';
import type { StreamRecord } from './records.js';
import type { TimelineRecorder } from './stream-timeline.js';
import type { RequestSpans } from './otel-span.js';

/** A captured slow request on its way to the ring and the listeners. */
interface PendingCapture {
  captured: SlowRequest;
  startedAt: number;
  end: number;
  /** Requests that overlapped it, for the profile (`profile` only). */
  overlap: { count: number; lowerBound: boolean } | undefined;
  /** performance.now() at which the runtime timeline covers it (0 without the runtime monitor). */
  due: number;
}

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
  /**
   * Slow requests waiting for the runtime timeline to settle, oldest first (`head` is the
   * first not yet published). One timer serves the whole queue: with the 'p99' threshold a
   * busy server captures 1 % of its requests (300 a second at 30,000 req/s), and a timer,
   * three closures and a Map entry per capture, all living past the next scavenge, were
   * promoted to old space only to die there (#20's survivor profile).
   */
  private readonly queue: PendingCapture[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined = undefined;

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
    const profiler = this.profiler;
    const overlap = profiler?.overlapping(rec.startedAt, this.stats.streams.active);
    profiler?.noteEnd(end);
    const pending: PendingCapture = { captured, startedAt: rec.startedAt, end, overlap, due: 0 };
    if (this.runtime === undefined) return this.withProfile(pending);
    // The loop stall or GC pause that made this request slow may not be recorded yet (a
    // stall is only measured once it ends): publish once the runtime timeline has settled.
    pending.due = performance.now() + this.runtime.settleMs;
    this.queue.push(pending);
    if (this.timer === undefined) this.arm(this.runtime.settleMs);
  }

  /** Calls `listener` for every captured slow request; returns the unsubscribe. */
  subscribe(listener: (request: SlowRequest) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Publishes what is pending with the timeline as it stands, rather than lose it; stops the monitor. */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.settle(Number.POSITIVE_INFINITY);
    this.runtime?.stop();
    this.profiler?.stop();
    this.timelines?.stop();
  }

  /** Wakes `settle` in `ms` (real time: it only paces publishing). */
  private arm(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.settle(performance.now());
    }, ms);
    this.timer.unref();
  }

  /** Publishes every queued capture due by `now`, in order; re-arms for the next one. */
  private settle(now: number): void {
    const queue = this.queue;
    while (this.head < queue.length && queue[this.head]!.due <= now) {
      const pending = queue[this.head]!;
      queue[this.head++] = undefined as never;
      this.completeRuntime(pending.captured, pending.startedAt, pending.end);
      this.withProfile(pending);
    }
    if (this.head === queue.length) {
      queue.length = 0;
      this.head = 0;
      return;
    }
    // Drop the published prefix now and then, not on every wake.
    if (this.head >= 1024 && this.head * 2 >= queue.length) {
      queue.splice(0, this.head);
      this.head = 0;
    }
    if (this.timer === undefined && now !== Number.POSITIVE_INFINITY) this.arm(Math.max(1, queue[this.head]!.due - now));
  }

  /** With the profiler on, a record is published once the samples up to its end are in. */
  private withProfile(pending: PendingCapture): void {
    const profiler = this.profiler;
    const { captured, overlap } = pending;
    if (profiler === undefined || overlap === undefined) return this.publish(captured);
    profiler.whenCovered(pending.end, () => {
      captured.profile = profiler.profileDuring(pending.startedAt, pending.end, overlap);
      this.publish(captured);
    });
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
