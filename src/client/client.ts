import type { Clock } from '../clock.js';
import { monotonicClock } from '../clock.js';
import { AbortError, BreakerOpenError, ClientClosedError, ConfigError, EndpointDarkError, NoHealthyEndpointError, type H2DoctorError } from '../errors.js';
import { createRandom, type Random } from '../random.js';
import { BodyLeakDetector, type BodyLeakEvent } from './body-leak.js';
import type { BreakerPermit } from './breaker.js';
import { Endpoint } from './endpoint.js';
import { EndpointSelector } from './endpoint-selection.js';
import { DeadlineWheel } from './deadline-wheel.js';
import { exchange, exchangeAsync, type AttemptHandler, type ExchangeShared } from './exchange.js';
import { startHealthChecks } from './health-check.js';
import type { ClientEvents, ClientOptions, ClientStats, RequestOptions, RequestWithFallback } from './options.js';
import { RequestRun, sleep } from './request-run.js';
import type { ClientResponse } from './response.js';
import type { PooledSession } from './session.js';
import { RetryBudget } from './retry-budget.js';
import { AttemptAccounting, isRetrySafe } from './attempt-accounting.js';
import { Race, type RaceHost } from './attempt-race.js';
import { HedgePolicy } from './hedge-policy.js';
import { OutlierDetector } from './outlier-detection.js';
import { buildStats } from './client-stats.js';
import { unaryCall, type UnaryDefaults, type UnaryOptions, type UnaryResult } from './grpc-unary.js';
import { KeepaliveState } from './keepalive.js';
import { GrpcClientMetrics } from './grpc-metrics.js';

/**
 * `h2doctor/client`: a pooled HTTP/2 client over node:http2 that keeps reusing connections
 * and survives faults. A request picks the best available endpoint (priority failover),
 * passes its breaker, takes a stream slot from the endpoint's pool, and on failure is retried
 * only when that is safe (idempotent, or provably unprocessed) and the retry budget allows,
 * with jittered backoff, never past its deadline. With per-try timeouts or hedging on, an
 * idempotent request races attempts instead (attempt-race.ts).
 */


const DEFAULT_TIMEOUT_MS = 2000;

/** How `send`'s attempt failed: on `endpoint`, with its permit (none: the breaker refused). */
interface AttemptFailure {
  endpoint: Endpoint;
  permit: BreakerPermit | undefined;
  err: H2DoctorError;
}

type Listeners = { [K in keyof ClientEvents]: Set<(e: ClientEvents[K]) => void> };

export class H2Client implements RaceHost {
  readonly endpoints: Endpoint[];
  readonly selector: EndpointSelector<Endpoint>;
  readonly budget: RetryBudget;
  readonly leaks: BodyLeakDetector;
  /** One timer per distinct timeout for every request's deadline (not one per request). */
  readonly deadlines: DeadlineWheel;
  /** What every exchange needs from the client, made once. */
  readonly shared: ExchangeShared;
  readonly clock: Clock;
  readonly accounting: AttemptAccounting;
  readonly hedging: HedgePolicy | undefined;
  readonly outlier: OutlierDetector | undefined;
  readonly attemptTimeoutMs: number;
  readonly endpointCount: number;
  readonly counters = { hedges: 0, hedgesWon: 0 };
  /** Idempotent requests race attempts (per-try timeout or hedging configured). */
  private readonly racing: boolean;
  private readonly timeoutMs: number;
  private readonly stopHealth: Array<() => void> = [];
  private readonly listeners: Listeners = { breaker: new Set(), leak: new Set(), ejection: new Set() };
  private closed = false;
  requests = 0;
  /** gRPC keep-alive (the `keepalive` option), shared by every session; undefined: plain PINGs. */
  readonly keepalive: KeepaliveState | undefined;
  /** What `unary()` needs; `grpcRetries` counts its status-driven retries. */
  private readonly unaryDefaults: UnaryDefaults;
  grpcRetries = 0;

  constructor(options: ClientOptions) {
    if (!options || !Array.isArray(options.endpoints) || options.endpoints.length === 0) throw new ConfigError('createClient needs at least one endpoint');
    this.clock = options.clock ?? monotonicClock;
    const random: Random = options.random ?? createRandom(options.seed ?? 1);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new ConfigError(`timeoutMs must be positive, got ${options.timeoutMs}`);
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? Infinity;
    if (!(this.attemptTimeoutMs > 0)) throw new ConfigError(`attemptTimeoutMs must be positive, got ${options.attemptTimeoutMs}`);
    this.hedging = options.hedge ? new HedgePolicy(options.hedge, this.clock) : undefined;
    this.racing = this.hedging !== undefined || this.attemptTimeoutMs !== Infinity;
    this.budget = new RetryBudget({ ratio: options.retry?.budget, minPerSecond: options.retry?.minPerSecond }, this.clock);
    const warn = options.onWarning ?? ((message: string) => process.emitWarning(message, { code: 'H2DOCTOR_UNCONSUMED_BODY' }));
    this.leaks = new BodyLeakDetector({ bodyTimeoutMs: options.bodyTimeoutMs ?? 5000, clock: this.clock, warn, onLeak: (e) => this.emit('leak', e) });
    this.deadlines = new DeadlineWheel(this.clock);
    this.shared = { leaks: this.leaks, clock: this.clock };
    const ejectionMs = options.ejectionMs ?? 5000;
    const events = {
      ejected: (e: Endpoint, reason: ClientEvents['ejection']['reason'], durationMs: number, at: number) => this.emit('ejection', { endpoint: e.url, reason, durationMs, at }),
      wentDark: (e: Endpoint) => this.rescue(e),
    };
    const resolution = { refreshMs: options.dnsRefreshMs, lookup: options.lookup, servers: options.dnsServers };
    this.keepalive = options.keepalive === undefined ? undefined : new KeepaliveState(options.keepalive);
    const pool = this.keepalive === undefined ? options.pool ?? {} : { ...options.pool, keepalive: this.keepalive };
    this.unaryDefaults = {
      timeoutMs: this.timeoutMs, maxAttempts: Math.max(1, Math.floor(options.retry?.maxAttempts ?? 3)),
      backoff: { baseMs: options.retry?.baseMs, maxMs: options.retry?.maxMs }, random, onRetry: () => { this.grpcRetries++; },
      metrics: options.grpcMetrics === undefined ? undefined : new GrpcClientMetrics(options.grpcMetrics, () => this.keepalive?.tooManyPingsGoaways ?? 0),
    };
    this.endpoints = options.endpoints.map((config) => new Endpoint(config, options.tls ?? {}, pool, options.breaker ?? {}, this.clock, ejectionMs, events, resolution));
    this.endpointCount = this.endpoints.length;
    for (const e of this.endpoints) e.breaker.onStateChange((t) => this.emit('breaker', { endpoint: e.url, ...t }));
    this.outlier = options.outlier ? new OutlierDetector(options.outlier, this.endpoints, this.clock) : undefined;
    this.accounting = new AttemptAccounting({
      maxAttempts: Math.max(1, Math.floor(options.retry?.maxAttempts ?? 3)),
      maxUnprocessedRetries: Math.max(0, Math.floor(options.retry?.maxUnprocessedRetries ?? 5)),
      backoff: { baseMs: options.retry?.baseMs, maxMs: options.retry?.maxMs },
      isFailureStatus: options.isFailureStatus ?? ((status) => status >= 500),
      budget: this.budget,
      random,
      clock: this.clock,
      outlier: this.outlier,
    });
    this.selector = new EndpointSelector(this.endpoints, this.clock);
    if (options.health) {
      const health = options.health;
      if (typeof health.path !== 'string' || !health.path.startsWith('/')) throw new ConfigError(`health.path must start with '/', got ${health.path}`);
      for (const e of this.endpoints) this.stopHealth.push(startHealthChecks(health, (path, timeoutMs) => this.probe(e, path, timeoutMs), (ok) => e.setHealth(ok)));
    }
  }

  /** Subscribes to breaker state changes, body leaks or ejections; returns the unsubscribe function. */
  on<K extends keyof ClientEvents>(event: K, listener: (e: ClientEvents[K]) => void): () => void {
    const set = this.listeners[event] as Set<(e: ClientEvents[K]) => void>;
    set.add(listener);
    return () => set.delete(listener);
  }

  private emit<K extends keyof ClientEvents>(event: K, e: ClientEvents[K]): void {
    for (const l of this.listeners[event] as Set<(e: ClientEvents[K]) => void>) l(e);
  }

  /**
   * In-flight rescue: `endpoint` went dark (its health check failed). Requests waiting for
   * headers there are cancelled (RST_STREAM CANCEL) with EndpointDarkError: idempotent ones
   * are re-sent elsewhere at once, the others fail with it now instead of at their deadline.
   */
  private rescue(endpoint: Endpoint): void {
    endpoint.pool.cancelInFlight(new EndpointDarkError(`${endpoint.url} went dark (health check failed) with the request in flight`), false);
  }

  /** One gRPC unary call (grpc-unary.ts): resolves with the response message, rejects with GrpcStatusError. */
  unary(options: UnaryOptions): Promise<UnaryResult> {
    return unaryCall(this, this.unaryDefaults, options);
  }

  /** Sends a request; resolves with the response once its headers arrived. */
  request<T>(options: RequestWithFallback<T>): Promise<ClientResponse | T>;
  request(options: RequestOptions): Promise<ClientResponse>;
  request<T>(options: RequestOptions & { fallback?: RequestWithFallback<T>['fallback'] }): Promise<ClientResponse | T> {
    if (this.closed) return Promise.reject(new ClientClosedError('client closed'));
    const method = options.method === undefined ? 'GET' : options.method.toUpperCase();
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(new AbortError('request aborted before it started', { cause: signal.reason }));
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    if (!(timeoutMs > 0)) return Promise.reject(new ConfigError(`timeoutMs must be positive, got ${options.timeoutMs}`));
    const run = new RequestRun(method, options.path, options.headers, options.body, signal, timeoutMs, options.idempotent === true);
    if (options.onStream !== undefined) run.onStream = options.onStream;
    // Infinity means no deadline.
    if (timeoutMs !== Infinity) this.deadlines.add(run, timeoutMs, this.clock.now());
    run.listen();
    this.requests++;
    this.budget.recordRequest();
    let sent: Promise<ClientResponse>;
    if (this.racing && isRetrySafe(run)) {
      this.hedging?.recordRequest();
      sent = new Race(this, run).start();
    } else sent = this.send(run);
    const fallback = options.fallback;
    if (!fallback) return sent;
    return sent.catch((err: unknown) => {
      if (err instanceof BreakerOpenError || err instanceof NoHealthyEndpointError) return fallback(err);
      throw err;
    });
  }

  /**
   * The first attempt, without an async frame: when an endpoint is available, the request's
   * promise is settled straight from the stream's events (`direct`), one promise and no
   * microtask hops per request. Anything unusual (no endpoint, a failure to retry) goes
   * through `attempts`.
   */
  private send(run: RequestRun): Promise<ClientResponse> {
    const endpoint = this.selector.select(undefined);
    if (endpoint === undefined) return this.attempts(run, undefined);
    let permit: BreakerPermit;
    try {
      permit = endpoint.breaker.acquire(run.signal);
    } catch (err) {
      return this.attempts(run, { endpoint, permit: undefined, err: err as H2DoctorError });
    }
    run.attempt++;
    endpoint.attempts++;
    endpoint.inFlight++;
    run.endpoint = endpoint;
    run.permit = permit;
    const promise = new Promise<ClientResponse>((resolve, reject) => {
      run.resolve = resolve;
      run.reject = reject;
    });
    let acquired: PooledSession | Promise<PooledSession>;
    try {
      acquired = endpoint.pool.acquire(run);
    } catch (err) {
      this.direct.failed(run, err as H2DoctorError);
      return promise;
    }
    if (acquired instanceof Promise) {
      acquired.then(
        (session) => exchange(session, run, endpoint.url, run.attempt, this.shared, this.direct),
        (err: H2DoctorError) => this.direct.failed(run, err),
      );
    } else {
      exchange(acquired, run, endpoint.url, run.attempt, this.shared, this.direct);
    }
    return promise;
  }

  /** Ends `send`'s attempt: success settles the request, a failure continues in `attempts`. */
  private readonly direct: AttemptHandler<RequestRun> = {
    responded: (run, res) => {
      const endpoint = run.endpoint!;
      const permit = run.permit!;
      const resolve = run.resolve!;
      const reject = run.reject!;
      // The run stays reachable from the stream: drop what leads to the response.
      run.endpoint = undefined;
      run.permit = undefined;
      run.resolve = undefined;
      run.reject = undefined;
      try {
        this.accounting.succeeded(endpoint, permit, res);
      } catch (err) {
        // isFailureStatus threw: the caller's bug, reported on its own request.
        run.finish();
        reject(err);
        return;
      }
      resolve(res);
    },
    failed: (run, err) => {
      const endpoint = run.endpoint!;
      const permit = run.permit!;
      const resolve = run.resolve!;
      const reject = run.reject!;
      run.endpoint = undefined;
      run.permit = undefined;
      run.resolve = undefined;
      run.reject = undefined;
      this.attempts(run, { endpoint, permit, err }).then(resolve, reject);
    },
  };

  /**
   * The attempt loop: selection, breaker, a stream slot, the exchange, and on failure the
   * retry decision. `first` is how `send`'s attempt failed, when it did.
   */
  private async attempts(run: RequestRun, first: AttemptFailure | undefined): Promise<ClientResponse> {
    const accounting = this.accounting;
    try {
      if (first !== undefined) {
        if (first.permit === undefined) accounting.breakerRejected(run, first.endpoint, first.err, this.endpointCount);
        else {
          const wait = accounting.failed(run, first.endpoint, first.permit, first.err);
          if (wait > 0) await sleep(wait, run);
        }
      }
      for (;;) {
        if (run.failure) throw run.failure;
        const endpoint = this.selector.select(run.tried);
        if (!endpoint) throw run.lastError ?? this.noEndpoint(run);
        let permit;
        try {
          permit = endpoint.breaker.acquire(run.signal);
        } catch (err) {
          accounting.breakerRejected(run, endpoint, err as H2DoctorError, this.endpointCount);
          continue;
        }
        run.attempt++;
        endpoint.attempts++;
        endpoint.inFlight++;
        try {
          const acquired = endpoint.pool.acquire(run);
          const session = acquired instanceof Promise ? await acquired : acquired;
          const res = await exchangeAsync(session, run, endpoint.url, run.attempt, this.shared);
          accounting.succeeded(endpoint, permit, res);
          return res;
        } catch (err) {
          const wait = accounting.failed(run, endpoint, permit, err as H2DoctorError);
          if (wait > 0) await sleep(wait, run);
        }
      }
    } catch (err) {
      // On success the deadline keeps covering the body read; the stream's close ends it.
      run.finish();
      throw err;
    }
  }

  /** The error when no endpoint can take `run`: every breaker open, or none healthy. */
  noEndpoint(run: RequestRun): H2DoctorError {
    if (this.endpoints.every((e) => !e.breaker.isCallPermitted())) {
      return new BreakerOpenError(`${run.method} ${run.path}: every endpoint's circuit breaker is open (${this.describeEndpoints()})`);
    }
    return new NoHealthyEndpointError(`no healthy endpoint for ${run.method} ${run.path} (${this.describeEndpoints()})`);
  }

  private describeEndpoints(): string {
    const now = this.clock.now();
    return this.endpoints
      .map((e) => `${e.url} ${e.healthy === false ? 'unhealthy' : e.ejectedUntil > now || e.outlierEjectedUntil > now ? 'ejected' : `breaker ${e.breaker.state}`}`)
      .join(', ');
  }

  /** One health probe straight to an endpoint's pool (no breaker, no retry, no failover). */
  private async probe(endpoint: Endpoint, path: string, timeoutMs: number): Promise<boolean> {
    if (this.closed) return false;
    const run = new RequestRun('GET', path, undefined, undefined, undefined, timeoutMs, false);
    this.deadlines.add(run, timeoutMs, this.clock.now());
    try {
      const acquired = endpoint.pool.acquire(run);
      const session = acquired instanceof Promise ? await acquired : acquired;
      const res = await exchangeAsync(session, run, endpoint.url, 1, this.shared);
      await res.dump();
      return res.status >= 200 && res.status < 300;
    } catch {
      return false;
    } finally {
      run.finish();
    }
  }

  /** Counters per endpoint and for the client. */
  stats(): ClientStats {
    return buildStats(this);
  }

  /**
   * Stops health checks and closes every session gracefully: requests in flight may finish
   * within `graceMs` (default 5000). Then whatever is left is rejected with
   * ClientClosedError and the sessions are destroyed, so `close` returns within `graceMs`
   * even when an endpoint is frozen, and nothing of the client is left on the event loop.
   * `signal` cuts the grace period short the same way (close then rejects with AbortError).
   */
  async close(options: { graceMs?: number } = {}, signal?: AbortSignal): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const graceMs = options.graceMs ?? 5000;
    for (const stop of this.stopHealth) stop();
    for (const e of this.endpoints) e.stopResolving();
    this.leaks.close();
    const closing = Promise.all(this.endpoints.map((e) => e.pool.close()));
    // A dark endpoint (failed health check) will not answer within any grace period.
    for (const e of this.endpoints) if (e.healthy === false) e.pool.destroy(new ClientClosedError(`client closed: ${e.url} is dark`));
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const outcome = await new Promise<'closed' | 'grace' | 'aborted'>((resolve) => {
      closing.then(() => resolve('closed'));
      timer = setTimeout(() => resolve('grace'), Math.max(0, graceMs));
      if (signal) {
        onAbort = () => resolve('aborted');
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }
    });
    clearTimeout(timer);
    if (onAbort) signal!.removeEventListener('abort', onAbort);
    if (outcome === 'closed') return;
    this.destroyAll(new ClientClosedError(outcome === 'grace' ? `client closed: still in flight after the ${graceMs} ms grace period` : 'client close aborted: in-flight requests cancelled'));
    if (outcome === 'aborted') throw new AbortError('close aborted: sessions destroyed', { cause: signal!.reason });
  }

  /** Rejects everything in flight with ClientClosedError and destroys every session now. */
  destroy(): void {
    if (!this.closed) {
      this.closed = true;
      for (const stop of this.stopHealth) stop();
      for (const e of this.endpoints) e.stopResolving();
      this.leaks.close();
    }
    this.destroyAll(new ClientClosedError('client destroyed with the request in flight'));
  }

  private destroyAll(err: ClientClosedError): void {
    for (const e of this.endpoints) e.pool.destroy(err);
  }
}

/** Creates a client. See docs/client.md. */
export function createClient(options: ClientOptions): H2Client {
  return new H2Client(options);
}
