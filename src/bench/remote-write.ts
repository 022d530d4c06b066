import { h2ErrorLabel } from '../codec/names.js';
import { grpcStatusName } from '../grpc/status.js';
import type { HistogramSnapshot } from '../stats/log-linear-histogram.js';
import type { RecorderSnapshot } from './recorder.js';

/**
 * `--prometheus-remote-write URL`: pushes the run's cumulative counters and latency histograms
 * to a Prometheus remote-write receiver (Prometheus with --web.enable-remote-write-receiver,
 * Mimir, Thanos receive, VictoriaMetrics, Grafana Cloud) every `--interval`, and once more at
 * the end, so N generators add up in PromQL: `sum(h2doctor_bench_requests_total)`. Names and
 * labels: docs/metrics.md.
 *
 * The wire format (protobuf WriteRequest, snappy block compression, remote-write 1.0) comes
 * from `prometheus-remote-write` (protobufjs + snappyjs, pure JS: nothing to compile), loaded
 * only when this option is on. It speaks classic series only, so latency goes out as classic
 * histograms (`_bucket{le}`, `_sum`, `_count`), which every receiver takes; native histograms
 * would need a protobuf schema the library does not have.
 */

/** Classic bucket bounds, seconds: 0.5 ms to 10 s, like the Prometheus client defaults stretched down for HTTP/2 APIs. */
export const LATENCY_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export interface Series {
  labels: Record<string, string>;
  value: number;
}

/**
 * The series for one cumulative snapshot. Labels are sorted by name in each series, as the
 * remote-write spec requires; `base` (instance, job, the user's) goes on every one.
 */
export function seriesFromSnapshot(s: RecorderSnapshot, base: Record<string, string>): Series[] {
  const c = s.counters;
  const out: Series[] = [];
  const add = (name: string, value: number, extra: Record<string, string> = {}) => out.push({ labels: sortedLabels({ ...base, ...extra, __name__: name }), value });
  const grpcError = c.grpcError ?? 0; // absent in snapshots from before --grpc
  const failed = c.httpError + c.reset + c.errored + c.timeout + grpcError;
  add('h2doctor_bench_requests_total', c.ok, { outcome: 'succeeded' });
  add('h2doctor_bench_requests_total', failed, { outcome: 'failed' });
  for (const [reason, n] of [['http_error', c.httpError], ['reset', c.reset], ['errored', c.errored], ['timeout', c.timeout], ['grpc_error', grpcError]] as const) {
    add('h2doctor_bench_failures_total', n, { reason });
  }
  // --grpc: calls by status name, as gRPC's Prometheus conventions label them (grpc_code).
  for (const [code, n] of s.grpcStatus ?? []) add('h2doctor_bench_grpc_calls_total', n, { grpc_code: grpcStatusName(code) });
  add('h2doctor_bench_retried_total', c.retried);
  for (const [code, n] of s.resets) add('h2doctor_bench_resets_received_total', n, { code: h2ErrorLabel(code) });
  add('h2doctor_bench_resets_sent_total', c.resetsSent);
  const goaways = new Map<string, number>();
  for (const g of s.goaways) {
    const code = h2ErrorLabel(g.code);
    goaways.set(code, (goaways.get(code) ?? 0) + 1);
  }
  for (const [code, n] of goaways) add('h2doctor_bench_goaways_total', n, { code });
  add('h2doctor_bench_connections_opened_total', c.opened);
  add('h2doctor_bench_reconnects_total', c.reconnects);
  add('h2doctor_bench_received_bytes_total', c.bytesIn);
  add('h2doctor_bench_sent_bytes_total', c.bytesOut);
  for (const [name, h] of [['request_duration', s.histograms.total], ['ttfb', s.histograms.ttfb], ['queue', s.histograms.queue]] as const) {
    const metric = `h2doctor_bench_${name}_seconds`;
    const cumulative = cumulativeBuckets(h);
    LATENCY_BUCKETS_S.forEach((le, i) => add(`${metric}_bucket`, cumulative[i]!, { le: String(le) }));
    add(`${metric}_bucket`, h.total, { le: '+Inf' });
    add(`${metric}_sum`, h.sumUs / 1e6);
    add(`${metric}_count`, h.total);
  }
  return out;
}

/**
 * Values ≤ each bound of LATENCY_BUCKETS_S. A bucket of our histogram counts toward a bound when
 * its lowest value is ≤ the bound: a value within 0.1 % above a bound (our bucket width) may be
 * counted below it. `+Inf` and `_count` are exact.
 */
export function cumulativeBuckets(h: HistogramSnapshot): number[] {
  const half = 2 ** (h.subBucketBits - 1);
  const exact = 2 ** h.subBucketBits;
  const bounds = LATENCY_BUCKETS_S.map((s) => s * 1e6);
  const out = new Array<number>(bounds.length).fill(0);
  for (let i = 0; i < h.counts.length; i++) {
    const n = h.counts[i]!;
    if (n === 0) continue;
    const e = Math.floor(i / half) - 1;
    const low = i < exact ? i : (i - e * half) * 2 ** e;
    for (let b = bounds.length - 1; b >= 0 && low <= bounds[b]!; b--) out[b]! += n;
  }
  return out;
}

function sortedLabels(l: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(l).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Pushes series to one receiver; timestamps strictly increase, as the receiver requires per series. */
export class RemoteWriter {
  private lastTs = 0;
  private library: typeof import('prometheus-remote-write') | undefined;

  constructor(readonly url: string, private readonly base: Record<string, string>) {}

  async push(snapshot: RecorderSnapshot, signal?: AbortSignal): Promise<void> {
    this.library ??= await loadLibrary();
    const ts = Math.max(Date.now(), this.lastTs + 1);
    this.lastTs = ts;
    const series = seriesFromSnapshot(snapshot, this.base).map((s) => ({ labels: s.labels as { __name__: string }, samples: [{ value: s.value, timestamp: ts }] }));
    const result = await this.library.pushTimeseries(series, {
      url: this.url,
      headers: { 'Content-Encoding': 'snappy', 'User-Agent': 'h2doctor-bench', 'X-Prometheus-Remote-Write-Version': '0.1.0' },
      fetch: (url, init) => fetch(url, { ...init, body: init?.body as unknown as Uint8Array, signal: signal ?? AbortSignal.timeout(10_000) }),
    });
    if (result.status < 200 || result.status >= 300) {
      throw new Error(`HTTP ${result.status} ${result.statusText}${result.errorMessage ? `: ${result.errorMessage.trim().slice(0, 200)}` : ''}`);
    }
  }
}

async function loadLibrary(): Promise<typeof import('prometheus-remote-write')> {
  const m = (await import('prometheus-remote-write')) as typeof import('prometheus-remote-write') & { default?: typeof import('prometheus-remote-write') };
  return m.default && typeof m.default.pushTimeseries === 'function' ? m.default : m;
}
