import type { GrpcClientMetricsOptions } from './grpc-metrics.js';
import type { KeepaliveOptions, KeepaliveStats } from './keepalive.js';
import type { Clock } from '../clock.js';
import type { BreakerOpenError, H2DoctorError, NoHealthyEndpointError } from '../errors.js';
import type { Random } from '../random.js';
import type { BodyLeakEvent } from './body-leak.js';
import type { BreakerOptions, BreakerStateName, BreakerTransition } from './breaker.js';
import type { EndpointConfig } from './endpoint.js';
import type { FailoverRecord } from './endpoint-selection.js';
import type { HealthCheckOptions } from './health-check.js';
import type { HedgeOptions } from './hedge-policy.js';
import type { HostLookup } from './name-resolution.js';
import type { EjectionReason, OutlierOptions } from './outlier-detection.js';
import type { PoolOptions, PoolStats } from './pool.js';
import type { RetryBudgetSnapshot } from './retry-budget.js';
import type { BackoffOptions } from './retry-policy.js';
import type { SessionTlsOptions } from './session.js';

/** The options and stats shapes of `createClient` (see docs/client.md). */

export interface RetryOptions extends BackoffOptions {
  /** Share of recent requests that may be retries. Default 0.2. */
  budget?: number;
  /** Retries per second allowed regardless of traffic. Default 10. */
  minPerSecond?: number;
  /** Attempts per request including the first. Default 3. */
  maxAttempts?: number;
  /**
   * Retries of provably unprocessed requests (REFUSED_STREAM, above a GOAWAY's
   * last-stream-id, connect failed), on top of maxAttempts and outside the budget: the
   * server did no work for them. Default 5.
   */
  maxUnprocessedRetries?: number;
}

export interface ClientOptions {
  /** gRPC keep-alive (keepalive.ts): PING interval, ack timeout, PINGs with no call open. Replaces pool.pingIntervalMs/pingTimeoutMs. */
  keepalive?: KeepaliveOptions;
  /** Prometheus metrics of unary() calls, go-grpc-prometheus names (grpc-metrics.ts), into this registry. */
  grpcMetrics?: GrpcClientMetricsOptions;
  endpoints: EndpointConfig[];
  tls?: SessionTlsOptions;
  pool?: PoolOptions;
  breaker?: BreakerOptions;
  retry?: RetryOptions;
  health?: HealthCheckOptions;
  /** Deadline per request, covering retries and the body read. Default 2000 ms. */
  timeoutMs?: number;
  /**
   * Per-try timeout for idempotent requests: an attempt with no response headers by then is
   * reset (CANCEL) and retried on another session, preferring another endpoint, within the
   * deadline, maxAttempts and the retry budget. Default: none.
   */
  attemptTimeoutMs?: number;
  /** Hedged requests for idempotent requests (see hedge-policy.ts). Default: off. */
  hedge?: HedgeOptions;
  /** Passive outlier ejection, Envoy's semantics (see outlier-detection.ts). Default: off. */
  outlier?: OutlierOptions;
  /** Re-resolve endpoint host names at least this often (and when their DNS TTL ends). Default 30 000 ms. */
  dnsRefreshMs?: number;
  /** Resolve host names with this instead of the system resolver (tests, service discovery). */
  lookup?: HostLookup;
  /** Resolve host names by asking these DNS servers ('127.0.0.1:5353'), which gives TTLs. Default: the system's getaddrinfo. */
  dnsServers?: string[];
  /** An unread response body is reset after this. Default 5000 ms; 0 = GC detection only. */
  bodyTimeoutMs?: number;
  /** Passive ejection after a failed connect. Default 5000 ms (a passing health check ends it). */
  ejectionMs?: number;
  /** Statuses counted as failures by the breaker. Default: status ≥ 500. */
  isFailureStatus?: (status: number) => boolean;
  /** Warning sink (unconsumed bodies). Default process.emitWarning. */
  onWarning?: (message: string) => void;
  clock?: Clock;
  /** Seed for backoff jitter. Default 1. */
  seed?: number;
  /** Or the random source itself. */
  random?: Random;
}

export interface RequestOptions {
  path: string;
  /** Default GET. */
  method?: string;
  headers?: Record<string, string | string[]>;
  body?: string | Uint8Array;
  signal?: AbortSignal;
  /** Overrides the client's timeoutMs for this request. */
  timeoutMs?: number;
  /** Marks a non-idempotent request safe to retry (it carries an idempotency key, say). */
  idempotent?: boolean;
  /**
   * Called with the peer's `address:port` each time a stream is opened for this request:
   * every attempt, retries, hedges and transparent re-sends included. What it throws is ignored.
   */
  onStream?: (peer: string) => void;
}

/** A request with a fallback: the answer used instead of failing when every breaker is open or no endpoint is healthy. */
export interface RequestWithFallback<T> extends RequestOptions {
  fallback: (err: BreakerOpenError | NoHealthyEndpointError) => T | Promise<T>;
}

export interface EndpointStats extends PoolStats {
  url: string;
  zone: string;
  priority: number;
  /** Attempts sent (first tries and retries). */
  requests: number;
  /** Attempts that were retries. */
  retries: number;
  /** Attempts that failed. */
  failures: number;
  /** Requests in flight now. */
  inFlight: number;
  /** Breaker state now and times it opened. */
  breaker: { state: BreakerStateName; opens: number };
  /** Last health check verdict (undefined: none yet or checks off). */
  healthy: boolean | undefined;
  /** Passive ejections (failed connects and outlier detection). */
  ejections: number;
  /** Outlier-ejected now (until its ejection time passes). */
  outlierEjected: boolean;
  /** The hedge delay requests to it get now, ms; undefined when hedging is off or 'auto' is still measuring. */
  hedgeDelayMs: number | undefined;
  /** Addresses its host name resolved to last (empty for an IP literal). */
  addresses: string[];
}

export interface ClientStats {
  endpoints: EndpointStats[];
  /** gRPC keep-alive: the PING interval now and too_many_pings GOAWAYs received; null without the `keepalive` option. */
  keepalive: KeepaliveStats | null;
  /** unary() calls retried after UNAVAILABLE (transparent retries are in transparentRetries). */
  grpcRetries: number;
  /** Requests started (first attempts). */
  requests: number;
  /** Retries taken (all endpoints). */
  retries: number;
  /** Retries that bypassed the budget because the server provably did not process the request. */
  transparentRetries: number;
  retryBudget: RetryBudgetSnapshot;
  /** Changes of serving priority level, and how long each took from the first failure. */
  failovers: number;
  failoverHistory: FailoverRecord[];
  /** Unconsumed bodies reset, in total and by path. */
  leaks: number;
  leaksByPath: Record<string, number>;
  /** Hedges sent, and those whose answer came first. */
  hedges: number;
  hedgesWon: number;
  /** Hedges the maxRate cap refused. */
  hedgesRefused: number;
  /** How the hedge delay is chosen: a fixed number of ms, 'auto' (per endpoint, see `endpoints[].hedgeDelayMs`), or 'off'. */
  hedgeDelay: number | 'auto' | 'off';
  /** Idempotent requests re-sent at once because their endpoint went dark. */
  rescued: number;
  /** Ejections of every kind, over all endpoints (each is also an 'ejection' event). */
  ejections: number;
}

/** An endpoint taken out of rotation. */
export interface EjectionEvent {
  endpoint: string;
  reason: EjectionReason;
  /** How long it is out, ms; 0 for 'health-check' (until a check passes). */
  durationMs: number;
  /** Clock time. */
  at: number;
}

export interface ClientEvents {
  breaker: { endpoint: string } & BreakerTransition;
  leak: BodyLeakEvent;
  ejection: EjectionEvent;
}
