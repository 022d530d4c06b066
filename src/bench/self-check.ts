import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * Is the generator itself the bottleneck? A load generator that is late to read responses
 * adds its own delay to every latency it reports. We watch event-loop delay (how late timers
 * and I/O callbacks ran), CPU use of this thread's process, and (open loop) schedule lag.
 */
export interface SelfCheckSample {
  /** Event-loop delay percentiles, ms. */
  loopDelayP50: number;
  loopDelayP99: number;
  loopDelayMax: number;
  /** Process CPU time over the measured span, ms. */
  cpuUserMs: number;
  cpuSystemMs: number;
  /** Wall time of the measured span, ms. */
  wallMs: number;
}

const RESOLUTION_MS = 10;

export class SelfCheck {
  private readonly monitor: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private cpu0: NodeJS.CpuUsage = process.cpuUsage();
  private wall0 = 0;

  start(now: number): void {
    this.monitor.reset();
    this.monitor.enable();
    this.cpu0 = process.cpuUsage();
    this.wall0 = now;
  }

  stop(now: number): SelfCheckSample {
    this.monitor.disable();
    const cpu = process.cpuUsage(this.cpu0);
    // The monitor measures whole timer periods: subtract the 10 ms resolution to get the delay.
    const ns = (v: number) => (Number.isFinite(v) ? Math.max(0, v / 1e6 - RESOLUTION_MS) : 0);
    const has = this.monitor.count > 0;
    return {
      loopDelayP50: has ? ns(this.monitor.percentile(50)) : 0,
      loopDelayP99: has ? ns(this.monitor.percentile(99)) : 0,
      loopDelayMax: has ? ns(this.monitor.max) : 0,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      wallMs: now - this.wall0,
    };
  }
}
