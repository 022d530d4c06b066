import { LatencyHistogram, type HistogramSnapshot } from '../stats/log-linear-histogram.js';

/**
 * `-i FILE`: what one target (one line of the file) got. Mergeable like the rest of the
 * recorder: counts add, histograms add.
 */
export class TargetStats {
  /** Requests completed (every outcome). */
  requests = 0;
  /** Requests that did not succeed. */
  failures = 0;
  /** Final status code → count. */
  readonly status = new Map<number, number>();
  /** Total latency (same definition and precision as the run's `total`). */
  readonly latency = new LatencyHistogram();

  constructor(readonly path: string) {}

  record(totalMs: number, status: number, failed: boolean): void {
    this.requests++;
    if (failed) this.failures++;
    if (status !== 0) this.status.set(status, (this.status.get(status) ?? 0) + 1);
    this.latency.recordMs(totalMs);
  }

  snapshot(): TargetSnapshot {
    return { path: this.path, requests: this.requests, failures: this.failures, status: [...this.status], latency: this.latency.snapshot() };
  }

  add(s: TargetSnapshot): void {
    this.requests += s.requests;
    this.failures += s.failures;
    for (const [code, n] of s.status) this.status.set(code, (this.status.get(code) ?? 0) + n);
    this.latency.add(s.latency);
  }
}

export interface TargetSnapshot {
  path: string;
  requests: number;
  failures: number;
  status: [number, number][];
  latency: HistogramSnapshot;
}
