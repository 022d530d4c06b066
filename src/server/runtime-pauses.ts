import { monitorEventLoopDelay, PerformanceObserver, constants as perfConstants, type IntervalHistogram } from 'node:perf_hooks';
import type { Clock } from '../clock.js';
import { PauseTimeline, type PauseSummary } from './pause-timeline.js';

/**
 * Watches the runtime for pauses a slow request may have suffered that are not the
 * network's fault: event-loop delay (`monitorEventLoopDelay`) and GC pauses
 * (`PerformanceObserver` 'gc').
 *
 * `monitorEventLoopDelay` only gives a histogram since its last reset, so every `sampleMs`
 * its max is read into a timeline entry covering that interval and the histogram reset; a
 * slow request then reports the worst delay of the intervals it overlapped. The granularity
 * is `sampleMs`, which is enough to tell "the loop was blocked while this request ran" from
 * "it was not". Because a stall is only recorded after it ends, a request's picture is
 * complete `settleMs` after the request.
 *
 * GC entries carry `startTime` on the performance.now() timeline, so this monitor requires
 * the clock to be that timeline (the default `monotonicClock` is).
 */
export interface RuntimePauseOptions {
  /** Interval of the loop-delay timeline, ms (default 100). */
  sampleMs?: number;
  /** Entries kept per timeline (default 600: one minute of loop samples at 100 ms). */
  capacity?: number;
}

export interface RuntimePauses {
  /**
   * How long after a window ends its pauses are all recorded (two sampling intervals: the
   * one the window ended in and the next, which may carry a stall's delay).
   */
  readonly settleMs: number;
  /** Worst event-loop delay (ms) over the sampling intervals overlapping [from, to]. */
  loopDelayDuring(from: number, to: number): number;
  /** GC pauses overlapping [from, to]. */
  gcDuring(from: number, to: number): PauseSummary;
  /** Stops sampling and observing. */
  stop(): void;
}

const gcKinds: Record<number, string> = {
  [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [perfConstants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

export function startRuntimePauses(clock: Clock, options: RuntimePauseOptions = {}): RuntimePauses {
  const sampleMs = options.sampleMs ?? 100;
  const capacity = options.capacity ?? 600;
  const loop = new PauseTimeline(capacity);
  const gc = new PauseTimeline(capacity);

  // 10 ms resolution: finer sampling costs a timer wakeup per ms for every process using it.
  const resolutionMs = 10;
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  let intervalStart = clock.now();
  let due = intervalStart + sampleMs;
  let keptLastTime = false;
  const timer = setInterval(function sampleLoopDelay() {
    const now = clock.now();
    // The histogram holds the time between its timer's firings (resolution + delay), in ns.
    const maxMs = histogram.count > 0 ? Math.max(0, histogram.max / 1e6 - resolutionMs) : 0;
    // A stall is recorded only when the histogram's own timer fires after it, measuring
    // from its previous firing; reset() forgets that previous firing. If this sampler runs
    // late, a stall has just ended and that timer may not have fired yet: keep the
    // histogram, so the stall lands in the next interval instead of being lost. When this
    // sampler is on time, any stall ended before its due time, where the histogram's timer
    // (due earlier) has already run.
    // At most one skip in a row, so a loop that is always late still gets fresh intervals.
    if (now - due < resolutionMs || keptLastTime) {
      histogram.reset();
      keptLastTime = false;
    } else {
      keptLastTime = true;
    }
    // A stall is recorded at its *end*, which may fall in the interval after the one it
    // began in: the entry covers [start - max, end], every moment such a stall could cover.
    loop.record({ start: intervalStart - maxMs, end: now, value: maxMs, kind: 'loop' });
    intervalStart = now;
    due = now + sampleMs;
  }, sampleMs);
  timer.unref();

  const observer = new PerformanceObserver(function recordGc(list) {
    for (const entry of list.getEntries()) {
      const detail = (entry as { detail?: { kind?: number } }).detail;
      gc.record({
        start: entry.startTime,
        end: entry.startTime + entry.duration,
        value: entry.duration,
        kind: gcKinds[detail?.kind ?? -1] ?? 'other',
      });
    }
  });
  observer.observe({ entryTypes: ['gc'] });

  return {
    settleMs: 2 * sampleMs + 20,
    loopDelayDuring: (from, to) => loop.overlapping(from, to).maxMs,
    gcDuring: (from, to) => gc.overlapping(from, to),
    stop() {
      clearInterval(timer);
      histogram.disable();
      observer.disconnect();
    },
  };
}
