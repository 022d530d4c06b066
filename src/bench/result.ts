import type { H2DoctorError } from '../errors.js';
import { h2ErrorName } from '../codec/names.js';
import type { LatencySummary } from '../stats/log-linear-histogram.js';
import type { BenchOptions } from './options.js';
import type { BenchRecorder, Counters, SlowRequest } from './recorder.js';
import type { PortableHistogram, PortableHistograms } from './portable-histograms.js';
import { RateCurve } from './stages.js';
import { grpcStatusCounts } from './grpc-call.js';
import type { SelfCheckSample } from './self-check.js';

/**
 * The result of a bench run as plain data: what `--json` prints (schema in docs/json.md)
 * and what the text renderer reads. Built from a (merged) recorder; pure.
 */
export interface BenchResult {
  url: string;
  settings: {
    connections: number; streams: number; requests: number | null; durationMs: number | null; rate: number | null;
    workers: number; warmupMs: number; push: string; requestsPerConnection: number | null; method: string;
    /** `--stages` as given, null without. */
    stages: { durationMs: number; target: number }[] | null;
    /** `-i`: how many targets, null without. */
    targets: number | null;
  };
  /** Wall clock at the start of measurement, ISO 8601, and the span in ms since the epoch (for `bench merge`). */
  startedAt: string | null;
  startedAtMs: number | null;
  endedAtMs: number | null;
  /** First measured request to last completion, ms. */
  durationMs: number;
  /** Completed requests (every outcome) per second. */
  rps: number;
  requests: {
    total: number; succeeded: number; failed: number;
    /** Subsets of `failed`. `grpcErrors`: `--grpc` calls answered with a status other than OK. */
    httpErrors: number; reset: number; errored: number; timeout: number; grpcErrors: number;
    /** Put back in the queue after a GOAWAY excluded them; not failures. */
    retried: number;
  };
  status: Record<string, number>;
  /**
   * `--grpc`: the method called, and calls by status name (src/grpc/status.ts): every call
   * once, so the counts add up to `requests.total` and all but `OK` to `requests.failed`.
   * null without --grpc.
   */
  grpc: { call: string; statusCounts: Record<string, number> } | null;
  bytes: { in: number; out: number; body: number; headers: number };
  /** Milliseconds. `total` runs from the intended send time under --rate (coordinated omission corrected). */
  latency: { total: LatencySummary; ttfb: LatencySummary; queue: LatencySummary; uncorrected: LatencySummary; failed: LatencySummary };
  connections: {
    opened: number; reconnects: number;
    /** 1 − opened ÷ requests. */
    reuseRate: number;
    requestsPerConnection: number;
    connectMs: LatencySummary; tlsMs: LatencySummary;
  };
  resets: { received: number; sent: number; byCode: Record<string, number> };
  goaways: { connectionId: number; code: number; codeName: string; lastStreamId: number; atMs: number; debug: string }[];
  push: { promises: number; bytes: number; completed: number; cancelled: number; perResponse: number; responsesWithPush: number };
  slowest: SlowRequest[];
  /** Worst connections first (by p99); at most 50. */
  perConnection: {
    id: number; requests: number; failures: number; resets: number; p50: number; p99: number; max: number;
    connectMs: number; tlsMs: number; goaway: string | null; closeReason: string;
  }[];
  /** Present when --interval was given; `targetRps` is the --stages rate planned for the interval (null without stages). */
  intervals: { startMs: number; requests: number; rps: number; targetRps: number | null; failures: number; p50: number; p99: number; max: number }[];
  /** `--stages`: each stage's planned mean rate beside the rate of completions during it. */
  stages: { startMs: number; durationMs: number; fromRps: number; toRps: number; targetRps: number; requests: number; achievedRps: number }[];
  /** `-i`: per target, in file order. */
  targets: { target: string; requests: number; failures: number; status: Record<string, number>; latency: LatencySummary; histogram?: PortableHistogram }[];
  /** Raw counters, every one `bench merge` needs (docs/json.md). */
  counters: Counters;
  /** Histograms in HdrHistogram's compressed V2 encoding (added by `withHistograms`, for --json and merge). */
  histograms?: PortableHistograms;
  /** `--threshold`: each expression and whether it held. */
  thresholds?: { expr: string; ok: boolean; value: number }[];
  selfCheck: {
    loopDelayMs: { p50: number; p99: number; max: number };
    scheduleLagMs: LatencySummary | null;
    cpuUserMs: number; cpuSystemMs: number;
    /** (user + sys) ÷ completed requests, µs. */
    cpuPerRequestUs: number;
    /** CPU time ÷ (wall time × workers): near 1 means the generator was saturated. */
    cpuShare: number;
    /** Wall time of the measured span, ms. */
    wallMs: number;
  };
  warnings: string[];
  /** Why the run stopped early, if it did; the counts above are then partial. */
  error: { code: string; message: string } | null;
  partial: boolean;
}

const PER_CONNECTION_LIMIT = 50;

/**
 * @param startedAtMs wall clock (ms since the epoch) at the start of measurement (`BenchRun.startedAtMs`);
 *   without it the result has no time span and cannot be merged.
 */
export function buildBenchResult(o: BenchOptions, rec: BenchRecorder, self: SelfCheckSample, error: H2DoctorError | undefined, aborted: boolean, startedAtMs?: number): BenchResult {
  const c = rec.counters;
  const total = rec.completed();
  const failed = total - c.ok;
  const durationMs = c.durationMs;
  const rps = durationMs > 0 ? (total * 1000) / durationMs : 0;
  const cpuMs = self.cpuUserMs + self.cpuSystemMs;
  const cpuShare = self.wallMs > 0 ? cpuMs / (self.wallMs * o.workers) : 0;
  const byCode: Record<string, number> = {};
  for (const [code, n] of [...rec.resets].sort((a, b) => a[0] - b[0])) byCode[h2ErrorName(code)] = n;
  const status = statusRecord(rec.status);
  const curve = o.stages ? new RateCurve(o.stages, o.rate) : undefined;
  const conns = [...rec.connections.values()];
  const result: BenchResult = {
    url: o.url.href,
    settings: {
      connections: o.connections, streams: o.streams, requests: o.durationMs > 0 ? null : o.requests,
      durationMs: o.durationMs > 0 ? o.durationMs : null, rate: o.rate > 0 ? o.rate : null, workers: o.workers,
      warmupMs: o.warmupMs, push: o.push, requestsPerConnection: o.requestsPerConnection || null, method: o.method,
      stages: o.stages?.map((st) => ({ durationMs: st.durationMs, target: st.target })) ?? null,
      targets: o.targets && o.targets.length > 1 ? o.targets.length : null,
    },
    startedAt: startedAtMs !== undefined ? new Date(startedAtMs).toISOString() : null,
    startedAtMs: startedAtMs ?? null,
    endedAtMs: startedAtMs !== undefined ? startedAtMs + durationMs : null,
    durationMs,
    rps,
    requests: { total, succeeded: c.ok, failed, httpErrors: c.httpError, reset: c.reset, errored: c.errored, timeout: c.timeout, grpcErrors: c.grpcError, retried: c.retried },
    status,
    grpc: o.grpc !== undefined ? { call: o.grpc.path, statusCounts: grpcStatusCounts(rec.grpcStatus ?? new Map()) } : null,
    bytes: { in: c.bytesIn, out: c.bytesOut, body: c.bodyBytes, headers: c.headerBytes },
    latency: { total: rec.total.summary(), ttfb: rec.ttfb.summary(), queue: rec.queue.summary(), uncorrected: rec.service.summary(), failed: rec.failed.summary() },
    connections: {
      opened: c.opened, reconnects: c.reconnects,
      reuseRate: total > 0 ? Math.max(0, 1 - c.opened / total) : 0,
      requestsPerConnection: c.opened > 0 ? total / c.opened : 0,
      connectMs: rec.connect.summary(), tlsMs: rec.tls.summary(),
    },
    resets: { received: [...rec.resets.values()].reduce((a, b) => a + b, 0), sent: c.resetsSent, byCode },
    goaways: rec.goaways.map((g) => ({ ...g, codeName: h2ErrorName(g.code) })),
    push: {
      promises: c.pushPromises, bytes: c.pushBytes, completed: c.pushCompleted, cancelled: c.pushCancelled,
      perResponse: total > 0 ? c.pushPromises / total : 0, responsesWithPush: c.responsesWithPush,
    },
    slowest: rec.slowest,
    perConnection: conns
      .map((k) => ({
        id: k.id, requests: k.requests, failures: k.failures, resets: k.resets,
        p50: k.latency.percentileMs(50), p99: k.latency.percentileMs(99), max: k.latency.maxUs / 1000,
        connectMs: k.connectMs, tlsMs: k.tlsMs, goaway: k.goawayCode >= 0 ? h2ErrorName(k.goawayCode) : null, closeReason: k.closeReason,
      }))
      .filter((k) => k.requests > 0)
      .sort((a, b) => b.p99 - a.p99 || a.id - b.id)
      .slice(0, PER_CONNECTION_LIMIT),
    intervals: [...rec.intervals]
      .sort((a, b) => a[0] - b[0])
      .map(([i, v]) => ({
        startMs: i * o.intervalMs, requests: v.requests, rps: (v.requests * 1000) / o.intervalMs,
        targetRps: curve ? (curve.countBy((i + 1) * o.intervalMs) - curve.countBy(i * o.intervalMs)) * 1000 / o.intervalMs : null,
        failures: v.failures,
        p50: v.latency.percentileMs(50), p99: v.latency.percentileMs(99), max: v.latency.maxUs / 1000,
      })),
    selfCheck: {
      loopDelayMs: { p50: self.loopDelayP50, p99: self.loopDelayP99, max: self.loopDelayMax },
      scheduleLagMs: o.rate > 0 || o.stages ? rec.scheduleLag.summary() : null,
      cpuUserMs: self.cpuUserMs, cpuSystemMs: self.cpuSystemMs,
      cpuPerRequestUs: total > 0 ? (cpuMs * 1000) / total : 0,
      cpuShare,
      wallMs: self.wallMs,
    },
    stages: curve ? curve.spans().map((sp, i) => {
      const requests = rec.stageCompleted?.[i] ?? 0;
      return { startMs: sp.startMs, durationMs: sp.durationMs, fromRps: sp.fromRate, toRps: sp.toRate, targetRps: (sp.expected * 1000) / sp.durationMs, requests, achievedRps: (requests * 1000) / sp.durationMs };
    }) : [],
    targets: (rec.targets ?? []).map((t) => ({ target: t.path, requests: t.requests, failures: t.failures, status: statusRecord(t.status), latency: t.latency.summary() })),
    counters: { ...c },
    warnings: [],
    error: error ? { code: error.code, message: error.message } : null,
    partial: error !== undefined || aborted,
  };
  result.warnings = benchWarnings(o, result);
  return result;
}

function statusRecord(m: Map<number, number>): Record<string, number> {
  const status: Record<string, number> = {};
  for (const [code, n] of [...m].sort((a, b) => a[0] - b[0])) status[String(code)] = n;
  return status;
}

/** Self-checks turned into sentences: when the numbers say more about the generator than the server. */
export function benchWarnings(o: BenchOptions, r: BenchResult): string[] {
  const w: string[] = [];
  const slots = o.connections * o.streams;
  if (o.rate > 0 && r.requests.total > 0) {
    // Little's law: slots ÷ mean time a request holds a slot = the most this setup can carry.
    const holdMs = r.latency.uncorrected.mean;
    const capacity = holdMs > 0 ? (slots * 1000) / holdMs : Infinity;
    if (o.rate > capacity * 0.95 || r.rps < o.rate * 0.9) {
      w.push(`offered ${fmt(o.rate)} req/s but -c × -m = ${slots} streams carry about ${fmt(Math.min(capacity, r.rps))} req/s at this latency: requests queued (queue p99 ${r.latency.queue.p99.toFixed(1)} ms); raise -c or -m`);
    }
  }
  const lag = r.selfCheck.scheduleLagMs;
  const generatorBusy = r.selfCheck.cpuShare >= 0.9;
  if (generatorBusy || r.selfCheck.loopDelayMs.p99 > 20 || (lag !== null && lag.p99 > 10)) {
    const why = [
      generatorBusy ? `used ${(r.selfCheck.cpuShare * 100).toFixed(0)} % of its CPU` : '',
      r.selfCheck.loopDelayMs.p99 > 20 ? `event-loop delay p99 ${r.selfCheck.loopDelayMs.p99.toFixed(1)} ms` : '',
      lag !== null && lag.p99 > 10 ? `schedule lag p99 ${lag.p99.toFixed(1)} ms` : '',
    ].filter(Boolean).join(', ');
    w.push(`the generator itself may have been the bottleneck (${why}): latencies include its own delay; try -t ${o.workers + 1}`);
  }
  if (r.latency.queue.p99 > r.latency.uncorrected.p99 && r.latency.queue.p99 > 1 && o.rate === 0) {
    w.push(`requests waited longer for a stream slot or a connection (queue p99 ${r.latency.queue.p99.toFixed(1)} ms) than the server took (p99 ${r.latency.uncorrected.p99.toFixed(1)} ms): the server may cap SETTINGS_MAX_CONCURRENT_STREAMS below -m, or connections are being reopened`);
  }
  if (r.push.promises > 0) {
    w.push(`the server pushed ${r.push.promises} streams (${r.push.perResponse.toFixed(2)} per response, ${r.push.bytes} bytes): push on API responses adds bytes and streams to every connection (RFC 9113 §8.4)`);
  }
  return w;
}

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}
