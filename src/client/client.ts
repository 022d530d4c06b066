import type { Clock } from '../clock.js';
import { monotonicClock } from '../clock.js';
import {
  AbortError,
  BreakerOpenError,
  ClientClosedError,
  ConfigError,
  DeadlineExceededError,
  NoHealthyEndpointError,
  RetryBudgetExhaustedError,
  type H2DoctorError,
} from '../errors.js';
import { createRandom, type Random } from '../random.js';
import { BodyLeakDetector, type BodyLeakEvent } from './body-leak.js';
import type { BreakerPermit } from './breaker.js';
import { Endpoint } from './endpoint.js';
import { endpointStats } from './endpoint-stats.js';
import { EndpointSelector } from './endpoint-selection.js';
import { DeadlineWheel } from './deadline-wheel.js';
import { exchange, exchangeAsync, type AttemptHandler, type ExchangeShared } from './exchange.js';
import { startHealthChecks } from './health-check.js';
import type { ClientEvents, ClientOptions, ClientStats, RequestOptions, RequestWithFallback } from './options.js';
import { isConnectFailure, RequestRun, sleep } from './request-run.js';
import type { ClientResponse } from './response.js';
import type { PooledSession } from './session.js';
import { RetryBudget } from './retry-budget.js';
import { backoffDelay, isRetryable, isUnprocessed, type BackoffOptions } from './retry-policy.js';

/**
 * `h2doctor/client`: a pooled HTTP/2 client over node:http2 that keeps reusing connections
 * and survives faults. A request picks the best available endpoint (priority failover),
 * passes its breaker, takes a stream slot from the endpoint's pool, and on failure is retried
 * only when that is safe (idempotent, or provably unprocessed) and the retry budget allows,
 * with jittered backoff, never past its deadline.
 */


const DEFAULT_TIMEOUT_MS = 2000;

/** How `send`'s attempt failed: on `endpoint`, with its permit (none: the breaker refused). */
interface AttemptFailure {
  endpoint: Endpoint;
  permit: BreakerPermit | undefined;
  err: H2DoctorError;
}

export class H2Client {
  private readonly endpoints: Endpoint[];
  private readonly selector: EndpointSelector<Endpoint>;
  private readonly budget: RetryBudget;
  private readonly leaks: BodyLeakDetector;
  /** One timer per distinct timeout for every request's deadline (not one per request). */
  private readonly deadlines: DeadlineWheel;
  /** What every exchange needs from the client, made once. */
  private readonly shared: ExchangeShared;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly maxAttempts: number;
  private readonly maxUnprocessedRetries: number;
  private readonly backoff: BackoffOptions;
  private readonly timeoutMs: number;
  private readonly isFailureStatus: (status: number) => boolean;
  private readonly stopHealth: Array<() => void> = [];
  private readonly listeners = { breaker: new Set<(e: ClientEvents['breaker']) => void>(), leak: new Set<(e: BodyLeakEvent) => void>() };
  private closed = false;
  private requests = 0;
  private retries = 0;
  private transparentRetries = 0;

  constructor(options: ClientOptions) {
    if (!options || !Array.isArray(options.endpoints) || options.endpoints.length === 0) throw new ConfigError('createClient needs at least one endpoint');
    this.clock = options.clock ?? monotonicClock;
    this.random = options.random ?? createRandom(options.seed ?? 1);
    this.maxAttempts = Math.max(1, Math.floor(options.retry?.maxAttempts ?? 3));
    this.maxUnprocessedRetries = Math.max(0, Math.floor(options.retry?.maxUnprocessedRetries ?? 5));
    this.backoff = { baseMs: options.retry?.baseMs, maxMs: options.retry?.maxMs };
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new ConfigError(`timeoutMs must be positive, got ${options.timeoutMs}`);
    this.isFailureStatus = options.isFailureStatus ?? ((status) => status >= 500);
    this.budget = new RetryBudget({ ratio: options.retry?.budget, minPerSecond: options.retry?.minPerSecond }, this.clock);
    const warn = options.onWarning ?? ((message: string) => process.emitWarning(message, { code: 'H2DOCTOR_UNCONSUMED_BODY' }));
    this.leaks = new BodyLeakDetector({
      bodyTimeoutMs: options.bodyTimeoutMs ?? 5000,
      clock: this.clock,
      warn,
      onLeak: (e) => {
        for (const l of this.listeners.leak) l(e);
      },
    });
    this.deadlines = new DeadlineWheel(this.clock);
    this.shared = { leaks: this.leaks, clock: this.clock };
    const ejectionMs = options.ejectionMs ?? 5000;
    this.endpoints = options.endpoints.map((config) => new Endpoint(config, options.tls ?? {}, options.pool ?? {}, options.breaker ?? {}, this.clock, ejectionMs));
    for (const e of this.endpoints) {
      e.breaker.onStateChange((t) => {
        for (const l of this.listeners.breaker) l({ endpoint: e.url, ...t });
      });
    }
    this.selector = new EndpointSelector(this.endpoints, this.clock);
    if (options.health) {
      const health = options.health;
      if (typeof health.path !== 'string' || !health.path.startsWith('/')) throw new ConfigError(`health.path must start with '/', got ${health.path}`);
      for (const e of this.endpoints) this.stopHealth.push(startHealthChecks(health, (path, timeoutMs) => this.probe(e, path, timeoutMs), (ok) => e.setHealth(ok)));
    }
  }

  /** Subscribes to breaker state changes or body leaks; returns the unsubscribe function. */
  on<K extends keyof ClientEvents>(event: K, listener: (e: ClientEvents[K]) => void): () => void {
    const set = this.listeners[event] as Set<(e: ClientEvents[K]) => void>;
    set.add(listener);
    return () => set.delete(listener);
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
    // Infinity means no deadline.
    if (timeoutMs !== Infinity) this.deadlines.add(run, timeoutMs, this.clock.now());
    run.listen();
    this.requests++;
    this.budget.recordRequest();
    const sent = this.send(run);
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
        this.succeeded(endpoint, permit, res);
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
    try {
      if (first !== undefined) {
        if (first.permit === undefined) this.breakerRejected(run, first.endpoint, first.err);
        else {
          const wait = this.failed(run, first.endpoint, first.permit, first.err);
          if (wait > 0) await sleep(wait, run);
        }
      }
      for (;;) {
        if (run.failure) throw run.failure;
        const endpoint = this.selector.select(run.tried);
        if (!endpoint) {
          if (run.lastError) throw run.lastError;
          if (this.endpoints.every((e) => !e.breaker.isCallPermitted())) {
            throw new BreakerOpenError(`${run.method} ${run.path}: every endpoint's circuit breaker is open (${this.describeEndpoints()})`);
          }
          throw new NoHealthyEndpointError(`no healthy endpoint for ${run.method} ${run.path} (${this.describeEndpoints()})`);
        }
        let permit;
        try {
          permit = endpoint.breaker.acquire(run.signal);
        } catch (err) {
          this.breakerRejected(run, endpoint, err as H2DoctorError);
          continue;
        }
        run.attempt++;
        endpoint.attempts++;
        endpoint.inFlight++;
        try {
          const acquired = endpoint.pool.acquire(run);
          const session = acquired instanceof Promise ? await acquired : acquired;
          const res = await exchangeAsync(session, run, endpoint.url, run.attempt, this.shared);
          this.succeeded(endpoint, permit, res);
          return res;
        } catch (err) {
          const wait = this.failed(run, endpoint, permit, err as H2DoctorError);
          if (wait > 0) await sleep(wait, run);
        }
      }
    } catch (err) {
      // On success the deadline keeps covering the body read; the stream's close ends it.
      run.finish();
      throw err;
    }
  }

  /** The last half-open permit went between selection and acquiring: try another endpoint. */
  private breakerRejected(run: RequestRun, endpoint: Endpoint, err: H2DoctorError): void {
    (run.tried ??= new Set()).add(endpoint);
    if (++run.breakerRejections > this.endpoints.length) throw err;
    run.lastError = err;
  }

  /** An attempt got its response headers: the breaker and the endpoint learn how it went. */
  private succeeded(endpoint: Endpoint, permit: BreakerPermit, res: ClientResponse): void {
    endpoint.inFlight--;
    const failed = this.isFailureStatus(res.status);
    endpoint.breaker.record(permit, failed);
    if (failed) endpoint.noteFailure();
    else endpoint.noteSuccess();
  }

  /**
   * An attempt failed: records it, and either throws (not retryable, out of attempts, budget
   * or time) or returns how long to back off before the retry.
   */
  private failed(run: RequestRun, endpoint: Endpoint, permit: BreakerPermit, e: H2DoctorError): number {
    endpoint.inFlight--;
    if (e instanceof AbortError || e instanceof ClientClosedError) {
      endpoint.breaker.release(permit);
      throw e;
    }
    if (e instanceof DeadlineExceededError) {
      endpoint.breaker.record(permit, true);
      endpoint.noteFailure();
      throw run.lastError ? new DeadlineExceededError(e.message, { cause: run.lastError }) : e;
    }
    const wasUnprocessed = isUnprocessed(e);
    const refused = wasUnprocessed && !isConnectFailure(e);
    // A refused stream or a GOAWAY says "not now", not "broken": no breaker failure.
    if (refused) endpoint.breaker.release(permit);
    else {
      endpoint.breaker.record(permit, true);
      endpoint.noteFailure();
    }
    run.lastError = e;
    const retryable = wasUnprocessed || run.idempotent || isRetryable(run.method, e);
    if (!retryable) throw e;
    if (wasUnprocessed) {
      if (++run.unprocessedRetries > this.maxUnprocessedRetries) throw e;
    } else if (++run.counted >= this.maxAttempts) throw e;
    if (!wasUnprocessed && !this.budget.tryWithdraw()) {
      throw new RetryBudgetExhaustedError(`${run.method} ${run.path}: retry budget exhausted after: ${e.message}`, { cause: e });
    }
    this.retries++;
    if (wasUnprocessed) this.transparentRetries++;
    endpoint.retries++;
    // Unprocessed on a live endpoint (GOAWAY, REFUSED_STREAM): a new session there is fine.
    if (!refused) (run.tried ??= new Set()).add(endpoint);
    // The first unprocessed retry goes at once (a GOAWAY'd request on a fresh session);
    // repeated refusals back off like any retry.
    const unprocessedRetries = run.unprocessedRetries;
    const wait = wasUnprocessed ? (unprocessedRetries <= 1 ? 0 : backoffDelay(unprocessedRetries - 1, this.random, this.backoff)) : backoffDelay(run.counted, this.random, this.backoff);
    if (this.clock.now() + wait >= run.deadline) {
      throw new DeadlineExceededError(`${run.method} ${run.path}: no time left for a retry before the deadline`, { cause: e });
    }
    return wait;
  }

  private describeEndpoints(): string {
    return this.endpoints
      .map((e) => `${e.url} ${e.healthy === false ? 'unhealthy' : e.ejectedUntil > this.clock.now() ? 'ejected' : `breaker ${e.breaker.state}`}`)
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
    return {
      endpoints: this.endpoints.map(endpointStats),
      requests: this.requests,
      retries: this.retries,
      transparentRetries: this.transparentRetries,
      retryBudget: this.budget.snapshot(),
      failovers: this.selector.failoverCount,
      failoverHistory: [...this.selector.failovers],
      leaks: this.leaks.leaks,
      leaksByPath: Object.fromEntries(this.leaks.byPath),
    };
  }

  /** Stops health checks and closes every session gracefully (in-flight requests finish). */
  async close(signal?: AbortSignal): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stop of this.stopHealth) stop();
    this.leaks.close();
    const closing = Promise.all(this.endpoints.map((e) => e.pool.close()));
    if (!signal) {
      await closing;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        for (const e of this.endpoints) e.pool.destroy();
        reject(new AbortError('close aborted: sessions destroyed', { cause: signal.reason }));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      closing.then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }
}

/** Creates a client. See docs/client.md. */
export function createClient(options: ClientOptions): H2Client {
  return new H2Client(options);
}
