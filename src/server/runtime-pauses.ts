import { monitorEventLoopDelay, PerformanceObserver, constants as perfConstants, type IntervalHistogram } from 'node:perf_hooks';
import type { Clock } from '../clock.js';
import { PauseTimeline, type PauseSummary } from './pause-timeline.js';

/**
 * Watches the runtime for pauses a slow request may have suffered that are not the
 * network's fault: event-loop stalls and GC pauses (`PerformanceObserver` 'gc').
 *
 * Stalls are timed by a 10 ms interval timer that notes how late it fires: a stall of D ms
 * makes the next firing D ms late, and is recorded as [firing - lateness, firing]. That is
 * what `monitorEventLoopDelay` measures too, but its histogram cannot be attributed to a
 * time window: reading one window means reset(), and reset() forgets the previous firing,
 * so a stall that starts before the histogram's first firing after a reset is never
 * recorded (seen as a flaky test: a 150 ms block reported as 0). So `monitorEventLoopDelay`
 * is kept, never reset, for the process-wide percentiles (`loopDelaySummary`), and the timer
 * gives the per-request attribution.
 *
 * GC entries carry `startTime` on the performance.now() timeline, so this monitor requires
 * the clock to be that timeline (the default `monotonicClock` is).
 */
export interface RuntimePauseOptions {
  /** Interval of the stall timer, ms (default 10). */
  resolutionMs?: number;
  /** Stalls and GC pauses kept (default 1000 each). */
  capacity?: number;
}

/** Process-wide event-loop delay since the monitor started (monitorEventLoopDelay). */
export interface LoopDelaySummary {
  /** Median, p99 and max delay, ms. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface RuntimePauses {
  /** How long after a window ends its pauses are all recorded. */
  readonly settleMs: number;
  /** Worst event-loop stall (ms) overlapping [from, to]; 0 when none. */
  loopDelayDuring(from: number, to: number): number;
  /** GC pauses overlapping [from, to]. */
  gcDuring(from: number, to: number): PauseSummary;
  /** Event-loop delay percentiles since the start. */
  loopDelaySummary(): LoopDelaySummary;
  /** Stops timing and observing. */
  stop(): void;
}

const gcKinds: Record<number, string> = {
  [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [perfConstants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

export function startRuntimePauses(clock: Clock, options: RuntimePauseOptions = {}): RuntimePauses {
  const resolutionMs = options.resolutionMs ?? 10;
  const capacity = options.capacity ?? 1000;
  const stalls = new PauseTimeline(capacity);
  const gc = new PauseTimeline(capacity);

  // A timer every 10 ms: about a hundred wakeups a second, a few µs each.
  let due = clock.now() + resolutionMs;
  const timer = setInterval(function timeStall() {
    const now = clock.now();
    const late = now - due;
    // Timers fire a little late anyway; half an interval late and more counts as a stall.
    if (late > resolutionMs / 2) stalls.record({ start: now - late, end: now, value: late, kind: 'loop' });
    due = now + resolutionMs;
  }, resolutionMs);
  timer.unref();

  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();

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

  // The histogram holds the time between its timer's firings (resolution + delay), in ns.
  const delayMs = (ns: number) => Math.max(0, ns / 1e6 - resolutionMs);
  return {
    // A stall is recorded when the timer fires after it, and GC entries are delivered a tick
    // or so after the pause: a few intervals cover both.
    settleMs: 5 * resolutionMs + 20,
    loopDelayDuring: (from, to) => stalls.overlapping(from, to).maxMs,
    gcDuring: (from, to) => gc.overlapping(from, to),
    loopDelaySummary: () => histogram.count === 0
      ? { p50Ms: 0, p99Ms: 0, maxMs: 0 }
      : { p50Ms: delayMs(histogram.percentile(50)), p99Ms: delayMs(histogram.percentile(99)), maxMs: delayMs(histogram.max) },
    stop() {
      clearInterval(timer);
      histogram.disable();
      observer.disconnect();
    },
  };
}
