import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { reuseRatio, sessionCloseReasons, type ServerStats } from './stats.js';
import { LabelledHistogram, type HistogramSeries } from './histogram-series.js';

/**
 * The Prometheus metrics of an instrumented server. Names and labels are documented in
 * docs/metrics.md; a test parses a scrape and checks them.
 *
 * Counters and gauges are filled from `ServerStats` when scraped (`collect`), so the hot path
 * only increments plain numbers. The request histograms must see every value: they are
 * `LabelledHistogram`s (histogram-series.ts) whose series are cached per (route, status),
 * so an observation costs no label hashing. The rare ones (sessions, PING) stay prom-client's.
 */
export interface ServerMetricsOptions {
  /** Registry to register into (default: a new one). */
  registry?: Registry;
  /** Metric name prefix (default `h2_`). */
  prefix?: string;
  /** Request duration buckets, seconds. */
  durationBuckets?: number[];
}

export interface ServerMetrics {
  registry: Registry;
  /** Records a finished request; `status` 0 (no response sent) is labelled `none`. */
  observeRequest(route: string, status: number, durationSeconds: number, ttfbSeconds: number | undefined): void;
  /** Records a closed session's stream and request counts. */
  observeSessionClose(streams: number): void;
  /** Records a PING round trip. */
  observePingRtt(seconds: number): void;
  /** Removes these metrics from the registry. */
  unregister(): void;
}

/** 1 ms to 10 s: API latencies, with resolution around the usual p99 targets. */
const defaultDurationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const streamsPerSessionBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000, 10000];
const pingBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

export function createServerMetrics(stats: ServerStats, options: ServerMetricsOptions = {}): ServerMetrics {
  const registry = options.registry ?? new Registry();
  const p = options.prefix ?? 'h2_';
  const registers = [registry];
  const names: string[] = [];
  const name = (n: string) => {
    names.push(p + n);
    return p + n;
  };

  registerStatsViews(stats, name, registers);

  const buckets = options.durationBuckets ?? defaultDurationBuckets;
  const duration = new LabelledHistogram(name('request_duration_seconds'),
    'From request headers received to stream closed, by route and status.', ['route', 'status'], buckets);
  const ttfb = new LabelledHistogram(name('request_ttfb_seconds'),
    'From request headers received to response headers sent, by route and status.', ['route', 'status'], buckets);
  duration.register(registry);
  ttfb.register(registry);
  const sessionStreams = new Histogram({
    name: name('session_streams'), help: 'Request streams a session carried, observed when it closes.',
    buckets: streamsPerSessionBuckets, registers,
  });
  const pingRtt = new Histogram({
    name: name('ping_rtt_seconds'), help: 'PING round-trip time per session (only with pingIntervalMs).',
    buckets: pingBuckets, registers,
  });

  /**
   * Series per route, then status code; bounded because routes are capped (route-label.ts)
   * and status codes are three digits. Keyed by the number, so the label string is made
   * once per series rather than looked up per request.
   */
  const children = new Map<string, Map<number, { duration: HistogramSeries; ttfb: HistogramSeries }>>();
  /**
   * The series of the last (route, status) observed. Route labels are the labeler's own
   * strings, so the check is two identity comparisons, and back-to-back requests to the same
   * route with the same status are the common case: it spares them both Map lookups.
   */
  let lastRoute: string | undefined;
  let lastStatus = -1;
  let lastChild: { duration: HistogramSeries; ttfb: HistogramSeries } | undefined;

  return {
    registry,
    observeRequest(route, status, durationSeconds, ttfbSeconds) {
      if (route === lastRoute && status === lastStatus) {
        lastChild!.duration.observe(durationSeconds);
        if (ttfbSeconds !== undefined) lastChild!.ttfb.observe(ttfbSeconds);
        return;
      }
      let byStatus = children.get(route);
      if (byStatus === undefined) {
        byStatus = new Map();
        children.set(route, byStatus);
      }
      let child = byStatus.get(status);
      if (child === undefined) {
        const label = status === 0 ? 'none' : String(status);
        child = { duration: duration.series([route, label]), ttfb: ttfb.series([route, label]) };
        byStatus.set(status, child);
      }
      lastRoute = route;
      lastStatus = status;
      lastChild = child;
      child.duration.observe(durationSeconds);
      if (ttfbSeconds !== undefined) child.ttfb.observe(ttfbSeconds);
    },
    observeSessionClose(streams) {
      sessionStreams.observe(streams);
    },
    observePingRtt(seconds) {
      pingRtt.observe(seconds);
    },
    unregister() {
      for (const n of names) registry.removeSingleMetric(n);
    },
  };
}

/**
 * The counters and gauges, each a view of `stats`: reset, then set from the totals at scrape,
 * so the hot path only increments plain numbers.
 */
function registerStatsViews(stats: ServerStats, name: (n: string) => string, registers: Registry[]): void {
  const fill = (metric: Counter<string>, counts: Record<string, number>, label: string, extra: Record<string, string> = {}) => {
    for (const [key, value] of Object.entries(counts)) metric.inc({ ...extra, [label]: key }, value);
  };

  new Counter({
    name: name('sessions_opened_total'), help: 'HTTP/2 sessions (connections) accepted.', registers,
    collect() { this.reset(); this.inc(stats.sessions.opened); },
  });
  new Counter({
    name: name('sessions_closed_total'), help: 'HTTP/2 sessions closed, by reason.', labelNames: ['reason'], registers,
    collect() {
      this.reset();
      for (const reason of sessionCloseReasons) this.inc({ reason }, stats.sessions.closed[reason]);
    },
  });
  new Gauge({
    name: name('sessions_active'), help: 'HTTP/2 sessions open now.', registers,
    collect() { this.set(stats.sessions.active); },
  });
  new Counter({
    name: name('requests_total'), help: 'Request streams started.', registers,
    collect() { this.reset(); this.inc(stats.requests.total); },
  });
  new Counter({
    name: name('requests_reused_total'), help: 'Requests that arrived on a connection that had already carried one.', registers,
    collect() { this.reset(); this.inc(stats.requests.reused); },
  });
  new Gauge({
    name: name('connection_reuse_ratio'), help: 'requests_reused_total / requests_total (0 with no requests).', registers,
    collect() { this.set(reuseRatio(stats)); },
  });
  new Gauge({
    name: name('streams_active'), help: 'Request streams open now (pushed streams excluded).', registers,
    collect() { this.set(stats.streams.active); },
  });
  new Counter({
    name: name('rst_stream_total'), help: 'RST_STREAM frames, by direction and error code (RFC 9113 §7).', labelNames: ['direction', 'code'], registers,
    collect() {
      this.reset();
      fill(this, stats.resets.sent, 'code', { direction: 'sent' });
      fill(this, stats.resets.received, 'code', { direction: 'received' });
    },
  });
  new Counter({
    name: name('goaway_total'), help: 'GOAWAY frames, by direction and error code (RFC 9113 §6.8).', labelNames: ['direction', 'code'], registers,
    collect() {
      this.reset();
      fill(this, stats.goaways.sent, 'code', { direction: 'sent' });
      fill(this, stats.goaways.received, 'code', { direction: 'received' });
    },
  });
  new Counter({
    name: name('push_attempted_total'), help: 'Server push attempts (pushStream / createPushResponse).', registers,
    collect() { this.reset(); this.inc(stats.pushes.attempted); },
  });
  new Counter({
    name: name('push_denied_total'), help: 'Server pushes refused by the push guard, by reason.', labelNames: ['reason'], registers,
    collect() { this.reset(); fill(this, stats.pushes.denied, 'reason'); },
  });
  new Counter({
    name: name('push_sent_total'), help: 'PUSH_PROMISE frames sent.', registers,
    collect() { this.reset(); this.inc(stats.pushes.sent); },
  });
  new Counter({
    name: name('push_cancelled_total'), help: 'Pushed streams reset by the client before they finished.', registers,
    collect() { this.reset(); this.inc(stats.pushes.cancelled); },
  });
  new Counter({
    name: name('push_bytes_total'), help: 'Body bytes written to pushed streams.', registers,
    collect() { this.reset(); this.inc(stats.pushes.bytes); },
  });
  new Counter({
    name: name('slow_requests_total'), help: 'Requests captured as slow.', registers,
    collect() { this.reset(); this.inc(stats.slowRequests); },
  });
}
