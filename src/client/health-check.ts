/**
 * Active health checks: each endpoint is probed every `intervalMs` with a GET of `path`;
 * a 2xx within `timeoutMs` marks it healthy, anything else unhealthy. One timer per endpoint
 * (unref'd: checks never keep the process alive).
 */

export interface HealthCheckOptions {
  /** Path to GET, e.g. '/health'. */
  path: string;
  /** Probe interval. Default 1000 ms. */
  intervalMs?: number;
  /** Probe timeout. Default 500 ms. */
  timeoutMs?: number;
}

/** Sends one probe; resolves true when healthy. Must settle within `timeoutMs`. */
export type HealthProbe = (path: string, timeoutMs: number) => Promise<boolean>;

/** Starts probing at once and every interval; returns the stop function. */
export function startHealthChecks(options: HealthCheckOptions, probe: HealthProbe, report: (healthy: boolean) => void): () => void {
  const intervalMs = options.intervalMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? 500;
  let stopped = false;
  let running = false;
  const check = (): void => {
    if (stopped || running) return; // a slow probe is not stacked on by the next tick
    running = true;
    probe(options.path, timeoutMs).then(
      (ok) => {
        running = false;
        if (!stopped) report(ok);
      },
      () => {
        running = false;
        if (!stopped) report(false);
      },
    );
  };
  const timer = setInterval(check, intervalMs);
  timer.unref();
  check();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
