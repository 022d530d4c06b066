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
  StreamResetError,
  H2ErrorCode,
  type H2DoctorError,
} from '../errors.js';
import { createRandom, type Random } from '../random.js';
import { BodyLeakDetector, type BodyLeakEvent } from './body-leak.js';
import type { BreakerOptions, BreakerStateName, BreakerTransition } from './breaker.js';
import { Endpoint, type EndpointConfig } from './endpoint.js';
import { EndpointSelector, type FailoverRecord } from './endpoint-selection.js';
import { exchange, type OutgoingRequest } from './exchange.js';
import { startHealthChecks, type HealthCheckOptions } from './health-check.js';
import type { CancelSlot, PoolOptions, PoolStats } from './pool.js';
import type { ClientResponse } from './response.js';
import { RetryBudget, type RetryBudgetSnapshot } from './retry-budget.js';
import { backoffDelay, isRetryable, isUnprocessed, type BackoffOptions } from './retry-policy.js';
import type { SessionTlsOptions } from './session.js';

/**
 * `h2doctor/client`: a pooled HTTP/2 client over node:http2 that keeps reusing connections
 * and survives faults. A request picks the best available endpoint (priority failover),
 * passes its breaker, takes a stream slot from the endpoint's pool, and on failure is retried
 * only when that is safe (idempotent, or provably unprocessed) and the retry budget allows,
 * with jittered backoff, never past its deadline.
 */

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
  endpoints: EndpointConfig[];
  tls?: SessionTlsOptions;
  pool?: PoolOptions;
  breaker?: BreakerOptions;
  retry?: RetryOptions;
  health?: HealthCheckOptions;
  /** Deadline per request, covering retries and the body read. Default 2000 ms. */
  timeoutMs?: number;
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
  /** Passive ejections after failed connects. */
  ejections: number;
}

export interface ClientStats {
  endpoints: EndpointStats[];
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
}

export interface ClientEvents {
  breaker: { endpoint: string } & BreakerTransition;
  leak: BodyLeakEvent;
}

const DEFAULT_TIMEOUT_MS = 2000;

class RequestRun implements CancelSlot {
  cancel: ((err: H2DoctorError) => void) | undefined = undefined;
  timer: NodeJS.Timeout | undefined;
  /** Set when the deadline passed or the signal fired. */
  failure: H2DoctorError | undefined;
  onAbort: (() => void) | undefined;

  fire(err: H2DoctorError): void {
    this.failure ??= err;
    const cancel = this.cancel;
    if (cancel) cancel(err);
  }

  finish(signal: AbortSignal | undefined): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.onAbort && signal) signal.removeEventListener('abort', this.onAbort);
    this.onAbort = undefined;
  }
}

export class H2Client {
  private readonly endpoints: Endpoint[];
  private readonly selector: EndpointSelector<Endpoint>;
  private readonly budget: RetryBudget;
  private readonly leaks: BodyLeakDetector;
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
  request(options: RequestOptions): Promise<ClientResponse>;
  request<T>(options: RequestWithFallback<T>): Promise<ClientResponse | T>;
  async request<T>(options: RequestOptions & { fallback?: RequestWithFallback<T>['fallback'] }): Promise<ClientResponse | T> {
    if (this.closed) throw new ClientClosedError('client closed');
    const method = (options.method ?? 'GET').toUpperCase();
    const req: OutgoingRequest = { method, path: options.path, headers: options.headers, body: options.body };
    const signal = options.signal;
    if (signal?.aborted) throw new AbortError('request aborted before it started', { cause: signal.reason });
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const deadline = this.clock.now() + timeoutMs;
    const run = new RequestRun();
    run.timer = setTimeout(() => run.fire(new DeadlineExceededError(`${method} ${options.path}: deadline of ${timeoutMs} ms passed`)), timeoutMs);
    if (signal) {
      run.onAbort = () => run.fire(new AbortError(`${method} ${options.path}: aborted`, { cause: signal.reason }));
      signal.addEventListener('abort', run.onAbort, { once: true });
    }
    this.requests++;
    this.budget.recordRequest();
    let handedOut = false;
    try {
      const res = await this.attempts(req, options, run, deadline);
      handedOut = true;
      return res;
    } catch (err) {
      const e = err as H2DoctorError;
      if (options.fallback && (e instanceof BreakerOpenError || e instanceof NoHealthyEndpointError)) return options.fallback(e);
      throw err;
    } finally {
      // The deadline also covers the body read; the stream's close ends it (see streamDone).
      if (!handedOut) run.finish(signal);
    }
  }

  private async attempts(req: OutgoingRequest, options: RequestOptions, run: RequestRun, deadline: number): Promise<ClientResponse> {
    const idempotentOverride = options.idempotent === true;
    const tried = new Set<Endpoint>();
    let lastError: H2DoctorError | undefined;
    let attempt = 0;
    /** Attempts that counted against maxAttempts (not the unprocessed ones). */
    let counted = 0;
    let unprocessedRetries = 0;
    let breakerRejections = 0;
    for (;;) {
      if (run.failure) throw run.failure;
      const endpoint = this.selector.select(tried);
      if (!endpoint) {
        if (lastError) throw lastError;
        throw new NoHealthyEndpointError(`no healthy endpoint for ${req.method} ${req.path} (${this.describeEndpoints()})`);
      }
      let permit;
      try {
        permit = endpoint.breaker.acquire(options.signal);
      } catch (err) {
        // The last half-open permit went between selection and here: try another endpoint.
        tried.add(endpoint);
        if (++breakerRejections > this.endpoints.length) throw err;
        lastError = err as H2DoctorError;
        continue;
      }
      attempt++;
      endpoint.attempts++;
      endpoint.inFlight++;
      try {
        const acquired = endpoint.pool.acquire(run);
        const session = acquired instanceof Promise ? await acquired : acquired;
        const res = await exchange(session, req, run, {
          endpoint: endpoint.url,
          attempt,
          leaks: this.leaks,
          clock: this.clock,
          streamDone: () => run.finish(options.signal),
        });
        endpoint.inFlight--;
        const failed = this.isFailureStatus(res.status);
        endpoint.breaker.record(permit, failed);
        if (failed) endpoint.noteFailure();
        else endpoint.noteSuccess();
        return res;
      } catch (err) {
        endpoint.inFlight--;
        const e = err as H2DoctorError;
        if (e instanceof AbortError || e instanceof ClientClosedError) {
          endpoint.breaker.release(permit);
          throw e;
        }
        if (e instanceof DeadlineExceededError) {
          endpoint.breaker.record(permit, true);
          endpoint.noteFailure();
          throw lastError ? new DeadlineExceededError(e.message, { cause: lastError }) : e;
        }
        const wasUnprocessed = isUnprocessed(e);
        const refused = wasUnprocessed && !isConnectFailure(e);
        // A refused stream or a GOAWAY says "not now", not "broken": no breaker failure.
        if (refused) endpoint.breaker.release(permit);
        else {
          endpoint.breaker.record(permit, true);
          endpoint.noteFailure();
        }
        lastError = e;
        const retryable = wasUnprocessed || idempotentOverride || isRetryable(req.method, e);
        if (!retryable) throw e;
        if (wasUnprocessed) {
          if (++unprocessedRetries > this.maxUnprocessedRetries) throw e;
        } else if (++counted >= this.maxAttempts) throw e;
        if (!wasUnprocessed && !this.budget.tryWithdraw()) {
          throw new RetryBudgetExhaustedError(`${req.method} ${req.path}: retry budget exhausted after: ${e.message}`, { cause: e });
        }
        this.retries++;
        if (wasUnprocessed) this.transparentRetries++;
        endpoint.retries++;
        // Unprocessed on a live endpoint (GOAWAY, REFUSED_STREAM): a new session there is fine.
        if (!refused) tried.add(endpoint);
        // The first unprocessed retry goes at once (a GOAWAY'd request on a fresh session);
        // repeated refusals back off like any retry.
        const wait = wasUnprocessed ? (unprocessedRetries <= 1 ? 0 : backoffDelay(unprocessedRetries - 1, this.random, this.backoff)) : backoffDelay(counted, this.random, this.backoff);
        if (this.clock.now() + wait >= deadline) {
          throw new DeadlineExceededError(`${req.method} ${req.path}: no time left for a retry before the deadline`, { cause: e });
        }
        if (wait > 0) await sleep(wait, run);
      }
    }
  }

  private describeEndpoints(): string {
    return this.endpoints
      .map((e) => `${e.url} ${e.healthy === false ? 'unhealthy' : e.ejectedUntil > this.clock.now() ? 'ejected' : `breaker ${e.breaker.state}`}`)
      .join(', ');
  }

  /** One health probe straight to an endpoint's pool (no breaker, no retry, no failover). */
  private async probe(endpoint: Endpoint, path: string, timeoutMs: number): Promise<boolean> {
    if (this.closed) return false;
    const run = new RequestRun();
    run.timer = setTimeout(() => run.fire(new DeadlineExceededError(`health check ${endpoint.url}${path} timed out`)), timeoutMs);
    try {
      const acquired = endpoint.pool.acquire(run);
      const session = acquired instanceof Promise ? await acquired : acquired;
      const res = await exchange(session, { method: 'GET', path, headers: undefined, body: undefined }, run, {
        endpoint: endpoint.url,
        attempt: 1,
        leaks: this.leaks,
        clock: this.clock,
        streamDone: () => run.finish(undefined),
      });
      await res.dump();
      return res.status >= 200 && res.status < 300;
    } catch {
      return false;
    } finally {
      run.finish(undefined);
    }
  }

  /** Counters per endpoint and for the client. */
  stats(): ClientStats {
    return {
      endpoints: this.endpoints.map((e) => ({
        url: e.url,
        zone: e.zone,
        priority: e.priority,
        ...e.pool.stats(),
        requests: e.attempts,
        retries: e.retries,
        failures: e.failures,
        inFlight: e.inFlight,
        breaker: { state: e.breaker.state, opens: e.breaker.opens },
        healthy: e.healthy,
        ejections: e.ejections,
      })),
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

function isConnectFailure(err: unknown): boolean {
  return err instanceof Error && !(err instanceof StreamResetError && err.h2Code === H2ErrorCode.REFUSED_STREAM) && ['ERR_CONNECT', 'ERR_DNS', 'ERR_TLS', 'ERR_TIMEOUT'].includes((err as H2DoctorError).code);
}

/** Waits `ms`, cut short by the request's deadline or abort through its cancel slot. */
function sleep(ms: number, run: RequestRun): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      run.cancel = undefined;
      resolve();
    }, ms);
    run.cancel = (err) => {
      clearTimeout(timer);
      run.cancel = undefined;
      reject(err);
    };
  });
}

/** Creates a client. See docs/client.md. */
export function createClient(options: ClientOptions): H2Client {
  return new H2Client(options);
}
