import { ConfigError } from '../errors.js';
import type { HeaderField } from '../codec/types.js';
import { grpcRequestBody, type BenchGrpcCall } from './grpc-call.js';

/** How the bench answers PUSH_PROMISE (RFC 9113 §8.4). */
export type PushMode = 'accept' | 'cancel' | 'refuse';

/** Everything one bench run needs; the CLI builds it from flags, the library takes it as is. */
export interface BenchOptions {
  /** http:// (h2c prior knowledge, RFC 9113 §3.3) or https:// (TLS, ALPN h2). */
  url: URL;
  /** Connections open at once. */
  connections: number;
  /** Most concurrent streams per connection; never more than the server's SETTINGS_MAX_CONCURRENT_STREAMS. */
  streams: number;
  /** Total requests to measure (ignored when `durationMs` is set). */
  requests: number;
  /** Measure for this long instead of a request count, ms; 0 = use `requests`. */
  durationMs: number;
  /** Open loop: requests per second overall; 0 = closed loop (every finished request starts the next). */
  rate: number;
  /** Run before measuring, not counted, ms. */
  warmupMs: number;
  method: string;
  /** Extra request headers (lower-case names). */
  headers: HeaderField[];
  /** Request body, sent with every request. */
  body?: Uint8Array;
  /** TLS: skip certificate verification. */
  insecure: boolean;
  /** TLS: trust anchors (PEM). */
  ca?: string | Buffer;
  push: PushMode;
  /** Close and reopen a connection after this many requests; 0 = never. */
  requestsPerConnection: number;
  /** Our SETTINGS_INITIAL_WINDOW_SIZE and the connection window we open up to. */
  windowSize: number;
  /** Our SETTINGS_HEADER_TABLE_SIZE (the server's HPACK dynamic table for responses). */
  headerTableSize: number;
  /** Per-interval statistics window, ms; 0 = none. */
  intervalMs: number;
  /** A request with no complete response after this long is reset with CANCEL and counted as a timeout, ms. */
  timeoutMs: number;
  /**
   * The whole call's budget, ms, retries on other connections included (OkHttp's `callTimeout`):
   * a request older than this since it was first started is reset and counted as a timeout
   * instead of being sent again. 0 = none.
   */
  callTimeoutMs?: number;
  /** Worker threads; connections, requests and rate are split between them. */
  workers: number;
  /**
   * Client health check: send a PING this often; a PING still unanswered when the next is due
   * abandons the connection (its requests are sent again on another). OkHttp's `pingInterval`.
   * 0 = off.
   */
  pingIntervalMs: number;
  /**
   * Whether DATA received on pushed streams is credited back to the connection window. false:
   * pushed bytes shrink the window for good, as OkHttp does (RFC 9113 §6.9.1 leaves crediting
   * to the receiver).
   */
  creditPushedData: boolean;
  /**
   * `-i`: request paths (with query) on the URL's origin, sent round-robin on each connection;
   * per-target latency and status are reported. Undefined: the URL's path only.
   */
  targets?: string[];
  /** `--stages`: the arrival rate ramps linearly between stage targets (open loop); see stages.ts. */
  stages?: LoadStage[];
  /** `--log-file`: one line per measured request (see request-log.ts). */
  logFile?: string;
  /** Workers post a live recorder snapshot this often (Prometheus remote write), ms; 0 = never. */
  liveSnapshotMs?: number;
  /**
   * `--grpc`: every request is this unary gRPC call (grpc-call.ts); `headers` are its metadata.
   * `resolveBenchOptions` sets `method` to POST and `body` to the framed message.
   */
  grpc?: BenchGrpcCall;
}

/** One `--stages` step: ramp linearly to `target` requests/s over `durationMs`. */
export interface LoadStage {
  durationMs: number;
  target: number;
}

export const benchDefaults = {
  connections: 10,
  streams: 10,
  requests: 10_000,
  durationMs: 0,
  rate: 0,
  warmupMs: 0,
  method: 'GET',
  headers: [] as HeaderField[],
  insecure: false,
  push: 'accept' as PushMode,
  requestsPerConnection: 0,
  // Like h2load's default -w 30 / -W 30: big enough that flow control never paces a bench.
  windowSize: 2 ** 30,
  headerTableSize: 4096,
  intervalMs: 0,
  timeoutMs: 30_000,
  workers: 1,
  pingIntervalMs: 0,
  creditPushedData: true,
} satisfies Partial<BenchOptions>;

/** Fills defaults and checks the combination; throws ConfigError naming the field. */
export function resolveBenchOptions(input: Omit<Partial<BenchOptions>, 'url'> & { url: URL | string }): BenchOptions {
  const url = typeof input.url === 'string' ? new URL(input.url) : input.url;
  const o: BenchOptions = { ...benchDefaults, ...input, url };
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`url must be http:// or https://, got ${url.protocol}`);
  const positive = ['connections', 'streams', 'workers'] as const;
  for (const k of positive) if (!(Number.isInteger(o[k]) && o[k] >= 1)) throw new ConfigError(`${k} must be a whole number ≥ 1`);
  if (o.durationMs === 0 && !(Number.isInteger(o.requests) && o.requests >= 1)) throw new ConfigError('requests must be ≥ 1');
  if (o.windowSize < 65_535 || o.windowSize > 2 ** 31 - 1) throw new ConfigError('windowSize must be 65535..2^31-1 (RFC 9113 §6.5.2)');
  if (o.workers > o.connections) throw new ConfigError(`workers (${o.workers}) cannot exceed connections (${o.connections})`);
  if (o.targets !== undefined && o.targets.length === 0) throw new ConfigError('targets must list at least one path');
  if (o.stages !== undefined) {
    if (o.stages.length === 0 || o.stages.some((st) => !(st.durationMs > 0) || !(st.target >= 0))) throw new ConfigError('stages need a duration > 0 and a target rate ≥ 0 each');
    if (o.stages.every((st) => st.target === 0) && o.rate === 0) throw new ConfigError('stages must reach a rate above 0');
    // The stages decide how long the run lasts.
    o.durationMs = o.stages.reduce((a, st) => a + st.durationMs, 0);
  }
  if (o.grpc !== undefined) {
    if (o.targets !== undefined && o.targets.length > 1) throw new ConfigError('grpc calls one method: targets cannot be used with it');
    o.body = grpcRequestBody(o.grpc);
    o.method = 'POST';
  }
  if (o.rate < 0 || o.durationMs < 0 || o.warmupMs < 0 || o.intervalMs < 0 || o.timeoutMs < 0 || (o.callTimeoutMs ?? 0) < 0 || o.pingIntervalMs < 0) throw new ConfigError('rate, durations and intervals must be ≥ 0');
  return o;
}

/** This worker's share of a run: connections, requests and rate split as evenly as whole numbers allow. */
export function workerShare(o: BenchOptions, index: number): BenchOptions {
  const split = (total: number) => Math.floor(total / o.workers) + (index < total % o.workers ? 1 : 0);
  return {
    ...o,
    connections: split(o.connections),
    requests: o.durationMs > 0 ? o.requests : split(o.requests),
    rate: o.rate / o.workers,
    stages: o.stages?.map((st) => ({ durationMs: st.durationMs, target: st.target / o.workers })),
    workers: 1,
  };
}
