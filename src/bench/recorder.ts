import { LatencyHistogram, type HistogramSnapshot } from '../stats/log-linear-histogram.js';
import { TargetStats, type TargetSnapshot } from './target-stats.js';
import { grpcStatusName } from '../grpc/status.js';

/**
 * What the bench engine measures, in one mergeable object. The engine calls `recordRequest`
 * on the hot path with plain numbers (no per-request allocation); workers post `snapshot()`
 * and the main thread `merge`s them, which is exact: histograms add counts, counters add.
 */

/** How a request ended. */
export const Outcome = {
  /** A complete response with a status below 400. */
  OK: 0,
  /** A complete response with status 400 or above. */
  HTTP_ERROR: 1,
  /** The server reset the stream (RST_STREAM), or refused it past a GOAWAY's last-stream-id. */
  RESET: 2,
  /** The connection failed under the request (closed, protocol error). */
  ERRORED: 3,
  /** No response within --timeout; the bench reset the stream with CANCEL. */
  TIMEOUT: 4,
  /** `--grpc`: the call ended with a grpc-status other than OK. */
  GRPC_ERROR: 5,
} as const;
export type OutcomeCode = (typeof Outcome)[keyof typeof Outcome];
export const outcomeNames = ['ok', 'http-error', 'reset', 'errored', 'timeout', 'grpc-error'] as const;
export type OutcomeName = (typeof outcomeNames)[number];

/** One of the slowest requests, with the phases that explain it. */
export interface SlowRequest {
  connectionId: number;
  streamId: number;
  outcome: OutcomeName;
  /** HTTP status, 0 when none arrived. */
  status: number;
  /** `--grpc`: the call's status name (grpc-call.ts says how calls without a grpc-status get one). */
  grpcStatus?: string;
  /** Start (intended or created time) relative to the start of measurement, ms. */
  atMs: number;
  /** Waiting for a free stream slot before HEADERS were written, ms. */
  queueMs: number;
  /** HEADERS written → response HEADERS read, ms (-1 when no response). */
  ttfbMs: number;
  /** Response HEADERS → end of stream, ms (-1 when no response). */
  bodyMs: number;
  totalMs: number;
}

/** Per physical connection. */
export interface ConnectionRecord {
  /** Unique across workers. */
  id: number;
  /** When the connect started, relative to the start of the run (warmup included), ms. */
  openedAtMs: number;
  /** TCP connect time, ms. */
  connectMs: number;
  /** TLS handshake time, ms (0 for h2c). */
  tlsMs: number;
  /** Requests completed on it (all outcomes). */
  requests: number;
  /** Requests that did not succeed. */
  failures: number;
  /** RST_STREAMs received. */
  resets: number;
  /** GOAWAY error code received, -1 when none. */
  goawayCode: number;
  /** Why it closed: 'done', 'limit' (--requests-per-connection), 'goaway', 'abandoned: …' (the client's health check), 'error: …', or '' while open. */
  closeReason: string;
  /** When it closed, on the same axis as `openedAtMs`; -1 while open. */
  closedAtMs: number;
  /** Total latency of its requests (coarse precision: enough for a per-connection p99). */
  latency: LatencyHistogram;
}

export interface GoawayRecord {
  connectionId: number;
  code: number;
  lastStreamId: number;
  /** Relative to the start of measurement, ms. */
  atMs: number;
  debug: string;
}

/** Requests completed within one --interval window. */
export interface IntervalRecord {
  requests: number;
  failures: number;
  latency: LatencyHistogram;
}

const SLOWEST_KEPT = 10;
const CONNECTION_PRECISION = 6;
const INTERVAL_PRECISION = 9;

export interface RecorderSnapshot {
  histograms: Record<HistogramName, HistogramSnapshot>;
  counters: Counters;
  status: [number, number][];
  resets: [number, number][];
  goaways: GoawayRecord[];
  slowest: SlowRequest[];
  connections: (Omit<ConnectionRecord, 'latency'> & { latency: HistogramSnapshot })[];
  intervals: [number, { requests: number; failures: number; latency: HistogramSnapshot }][];
  targets?: TargetSnapshot[];
  stageCompleted?: number[];
  /** `--grpc`: grpc-status → calls. */
  grpcStatus?: [number, number][];
}

/** What a recorder keeps beyond the always-on figures (each only when its option is on). */
export interface RecorderExtras {
  /** `-i`: the target paths, in file order. */
  targets?: readonly string[];
  /** `--stages`: how many stages. */
  stages?: number;
  /** `--grpc`: count calls by grpc-status. */
  grpc?: boolean;
}

export const histogramNames = ['total', 'ttfb', 'queue', 'service', 'failed', 'connect', 'tls', 'scheduleLag'] as const;
export type HistogramName = (typeof histogramNames)[number];

export interface Counters {
  /** Requests completed, by outcome. */
  ok: number;
  httpError: number;
  reset: number;
  errored: number;
  timeout: number;
  /** `--grpc`: calls that ended with a grpc-status other than OK (a response came; resets, errors and timeouts count above). */
  grpcError: number;
  /** Requests put back in the queue because a GOAWAY's last-stream-id excluded them (RFC 9113 §6.8). */
  retried: number;
  /** Response body bytes (DATA payload, padding excluded) on request streams. */
  bodyBytes: number;
  /** Bytes read from and written to sockets (TLS payload, not records). */
  bytesIn: number;
  bytesOut: number;
  /** HPACK header block bytes received in response HEADERS. */
  headerBytes: number;
  /** Connections opened (successful handshakes). */
  opened: number;
  /** Connections opened to replace one that closed while work remained. */
  reconnects: number;
  /** PUSH_PROMISE frames received, pushed streams completed, pushed DATA bytes, pushes cancelled by us. */
  pushPromises: number;
  pushCompleted: number;
  pushBytes: number;
  pushCancelled: number;
  /** Responses that had at least one PUSH_PROMISE. */
  responsesWithPush: number;
  /** RST_STREAMs we sent (timeouts, cancelled pushes). */
  resetsSent: number;
  /** Time spans, ms: measurement start to last completion. */
  durationMs: number;
  /** Client health checks (--ping-interval): PINGs sent, ACKs received, their summed and largest round trip, ms. */
  pingsSent: number;
  pingAcks: number;
  pingRttTotalMs: number;
  pingRttMaxMs: number;
  /** Connections the client abandoned because a PING went unanswered. */
  abandonedPing: number;
  /** Connection-level WINDOW_UPDATEs we sent. */
  windowUpdatesSent: number;
  /** DATA bytes on pushed streams never credited back to the connection window (creditPushedData false). */
  pushBytesUncredited: number;
  /** DATA bytes that arrived on pushes we had already cancelled (sent before our RST_STREAM reached the server). */
  pushBytesAfterCancel: number;
  /** Time connections spent with a connection receive window of 0, summed, ms. */
  zeroWindowMs: number;
}

/** Counters merged by taking the largest, not the sum. */
const maxCounters = new Set(['durationMs', 'pingRttMaxMs']);

export function emptyCounters(): Counters {
  return {
    ok: 0, httpError: 0, reset: 0, errored: 0, timeout: 0, grpcError: 0, retried: 0, bodyBytes: 0, bytesIn: 0, bytesOut: 0,
    headerBytes: 0, opened: 0, reconnects: 0, pushPromises: 0, pushCompleted: 0, pushBytes: 0, pushCancelled: 0,
    responsesWithPush: 0, resetsSent: 0, durationMs: 0, pingsSent: 0, pingAcks: 0, pingRttTotalMs: 0, pingRttMaxMs: 0,
    abandonedPing: 0, windowUpdatesSent: 0, pushBytesUncredited: 0, pushBytesAfterCancel: 0, zeroWindowMs: 0,
  };
}

export class BenchRecorder {
  /** Created/intended time → end, every outcome: the headline latency. */
  readonly total = new LatencyHistogram();
  /** HEADERS written → response HEADERS read. */
  readonly ttfb = new LatencyHistogram();
  /** Created/intended time → HEADERS written (waiting for a stream slot or a connection). */
  readonly queue = new LatencyHistogram();
  /** HEADERS written → end: the latency a closed-loop tool without CO correction reports. */
  readonly service = new LatencyHistogram();
  /** Total latency of requests that did not succeed (they are in `total` too). */
  readonly failed = new LatencyHistogram();
  readonly connect = new LatencyHistogram();
  readonly tls = new LatencyHistogram();
  /** Open loop: how late the scheduler created each request after its intended time. */
  readonly scheduleLag = new LatencyHistogram();
  readonly counters: Counters = emptyCounters();
  /** Final status code → count. */
  readonly status = new Map<number, number>();
  /** RST_STREAM error code received → count. */
  readonly resets = new Map<number, number>();
  readonly goaways: GoawayRecord[] = [];
  /** Slowest requests, kept sorted by totalMs descending. */
  slowest: SlowRequest[] = [];
  readonly connections = new Map<number, ConnectionRecord>();
  readonly intervals = new Map<number, IntervalRecord>();
  /** `-i`: per target, in file order; undefined without it. Filled by the engine's RequestObserver. */
  readonly targets: TargetStats[] | undefined;
  /** `--stages`: requests completed during each stage; undefined without it. */
  readonly stageCompleted: number[] | undefined;
  /** `--grpc`: grpc-status → calls, every call counted once; undefined without it. */
  readonly grpcStatus: Map<number, number> | undefined;

  /**
   * @param intervalMs width of the per-interval windows, 0 for none.
   */
  constructor(readonly intervalMs = 0, extras: RecorderExtras = {}) {
    this.targets = extras.targets?.map((p) => new TargetStats(p));
    this.stageCompleted = extras.stages !== undefined ? new Array<number>(extras.stages).fill(0) : undefined;
    this.grpcStatus = extras.grpc ? new Map() : undefined;
  }

  private get histograms(): Record<HistogramName, LatencyHistogram> {
    return { total: this.total, ttfb: this.ttfb, queue: this.queue, service: this.service, failed: this.failed, connect: this.connect, tls: this.tls, scheduleLag: this.scheduleLag };
  }

  /** One of the run's histograms by name (portable-histograms.ts, merge). */
  histogram(name: HistogramName): LatencyHistogram {
    return this.histograms[name];
  }

  openConnection(id: number, openedAtMs: number, connectMs: number, tlsMs: number): ConnectionRecord {
    const rec: ConnectionRecord = { id, openedAtMs, connectMs, tlsMs, requests: 0, failures: 0, resets: 0, goawayCode: -1, closeReason: '', closedAtMs: -1, latency: new LatencyHistogram(CONNECTION_PRECISION) };
    this.connections.set(id, rec);
    this.counters.opened++;
    this.connect.recordMs(connectMs);
    if (tlsMs > 0) this.tls.recordMs(tlsMs);
    return rec;
  }

  /**
   * One finished request. Times are clock readings (ms); `measureStart` is the clock reading at
   * which measurement began. `firstByteAt` is NaN when no response HEADERS arrived.
   * `grpcCode`: the call's grpc-status with `--grpc`, -1 otherwise.
   */
  recordRequest(
    conn: ConnectionRecord, streamId: number, measureStart: number,
    createdAt: number, sentAt: number, firstByteAt: number, endAt: number,
    status: number, outcome: OutcomeCode, grpcCode = -1,
  ): void {
    const totalMs = endAt - createdAt;
    const queueMs = sentAt - createdAt;
    this.total.recordMs(totalMs);
    this.queue.recordMs(queueMs);
    this.service.recordMs(endAt - sentAt);
    const hasResponse = firstByteAt === firstByteAt; // not NaN
    if (hasResponse) this.ttfb.recordMs(firstByteAt - sentAt);
    conn.requests++;
    conn.latency.recordMs(totalMs);
    const c = this.counters;
    switch (outcome) {
      case Outcome.OK: c.ok++; break;
      case Outcome.HTTP_ERROR: c.httpError++; break;
      case Outcome.RESET: c.reset++; break;
      case Outcome.ERRORED: c.errored++; break;
      case Outcome.GRPC_ERROR: c.grpcError++; break;
      default: c.timeout++;
    }
    if (grpcCode >= 0 && this.grpcStatus !== undefined) this.grpcStatus.set(grpcCode, (this.grpcStatus.get(grpcCode) ?? 0) + 1);
    if (outcome !== Outcome.OK) {
      conn.failures++;
      this.failed.recordMs(totalMs);
    }
    if (status !== 0) this.status.set(status, (this.status.get(status) ?? 0) + 1);
    const at = endAt - measureStart;
    if (at > c.durationMs) c.durationMs = at;
    if (this.intervalMs > 0) {
      const index = Math.floor(at / this.intervalMs);
      let iv = this.intervals.get(index);
      if (!iv) this.intervals.set(index, (iv = { requests: 0, failures: 0, latency: new LatencyHistogram(INTERVAL_PRECISION) }));
      iv.requests++;
      if (outcome !== Outcome.OK) iv.failures++;
      iv.latency.recordMs(totalMs);
    }
    const s = this.slowest;
    if (s.length < SLOWEST_KEPT || totalMs > s[s.length - 1]!.totalMs) {
      this.keepSlow({
        connectionId: conn.id, streamId, outcome: outcomeNames[outcome], status,
        atMs: createdAt - measureStart, queueMs, ttfbMs: hasResponse ? firstByteAt - sentAt : -1,
        bodyMs: hasResponse ? endAt - firstByteAt : -1, totalMs,
        ...(grpcCode >= 0 && { grpcStatus: grpcStatusName(grpcCode) }),
      });
    }
  }

  private keepSlow(r: SlowRequest): void {
    const s = this.slowest;
    let i = s.length;
    while (i > 0 && s[i - 1]!.totalMs < r.totalMs) i--;
    s.splice(i, 0, r);
    if (s.length > SLOWEST_KEPT) s.length = SLOWEST_KEPT;
  }

  recordReset(conn: ConnectionRecord, code: number): void {
    conn.resets++;
    this.resets.set(code, (this.resets.get(code) ?? 0) + 1);
  }

  recordGoaway(conn: ConnectionRecord, code: number, lastStreamId: number, atMs: number, debug: string): void {
    conn.goawayCode = code;
    this.goaways.push({ connectionId: conn.id, code, lastStreamId, atMs, debug });
  }

  /** Completed requests of every outcome. */
  completed(): number {
    const c = this.counters;
    return c.ok + c.httpError + c.reset + c.errored + c.timeout + c.grpcError;
  }

  snapshot(): RecorderSnapshot {
    const h = this.histograms;
    return {
      histograms: Object.fromEntries(histogramNames.map((n) => [n, h[n].snapshot()])) as Record<HistogramName, HistogramSnapshot>,
      counters: { ...this.counters },
      status: [...this.status],
      resets: [...this.resets],
      goaways: this.goaways.slice(),
      slowest: this.slowest.slice(),
      connections: [...this.connections.values()].map((c) => ({ ...c, latency: c.latency.snapshot() })),
      intervals: [...this.intervals].map(([i, v]) => [i, { requests: v.requests, failures: v.failures, latency: v.latency.snapshot() }]),
      ...(this.targets && { targets: this.targets.map((t) => t.snapshot()) }),
      ...(this.stageCompleted && { stageCompleted: this.stageCompleted.slice() }),
      ...(this.grpcStatus && { grpcStatus: [...this.grpcStatus] }),
    };
  }

  /** Adds a snapshot (another worker's) into this recorder. Exact. */
  merge(s: RecorderSnapshot): void {
    const h = this.histograms;
    for (const n of histogramNames) h[n].add(s.histograms[n]);
    const c = this.counters as unknown as Record<string, number>;
    for (const [k, v] of Object.entries(s.counters)) {
      c[k] = maxCounters.has(k) ? Math.max(c[k]!, v) : c[k]! + v;
    }
    for (const [code, n] of s.status) this.status.set(code, (this.status.get(code) ?? 0) + n);
    for (const [code, n] of s.resets) this.resets.set(code, (this.resets.get(code) ?? 0) + n);
    this.goaways.push(...s.goaways);
    this.goaways.sort((a, b) => a.atMs - b.atMs);
    for (const r of s.slowest) this.keepSlow(r);
    for (const conn of s.connections) this.connections.set(conn.id, { ...conn, latency: LatencyHistogram.from(conn.latency) });
    for (const [i, v] of s.intervals) {
      const iv = this.intervals.get(i);
      if (!iv) this.intervals.set(i, { requests: v.requests, failures: v.failures, latency: LatencyHistogram.from(v.latency) });
      else {
        iv.requests += v.requests;
        iv.failures += v.failures;
        iv.latency.add(v.latency);
      }
    }
    if (this.targets && s.targets) s.targets.forEach((t, i) => this.targets![i]?.add(t));
    if (this.stageCompleted && s.stageCompleted) s.stageCompleted.forEach((n, i) => (this.stageCompleted![i] = (this.stageCompleted![i] ?? 0) + n));
    if (this.grpcStatus && s.grpcStatus) for (const [code, n] of s.grpcStatus) this.grpcStatus.set(code, (this.grpcStatus.get(code) ?? 0) + n);
  }
}
