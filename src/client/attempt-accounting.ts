import type { Clock } from '../clock.js';
import {
  AbortError,
  AttemptTimeoutError,
  ClientClosedError,
  DeadlineExceededError,
  EndpointDarkError,
  RetryBudgetExhaustedError,
  type H2DoctorError,
} from '../errors.js';
import type { Random } from '../random.js';
import type { BreakerPermit } from './breaker.js';
import type { Endpoint } from './endpoint.js';
import type { OutlierDetector } from './outlier-detection.js';
import { isConnectFailure, type RequestRun } from './request-run.js';
import type { ClientResponse } from './response.js';
import { isGrpcBreakerFailure } from './grpc-response.js';
import type { RetryBudget } from './retry-budget.js';
import { backoffDelay, isIdempotentMethod, isRetryable, isUnprocessed, type BackoffOptions } from './retry-policy.js';

/**
 * What an attempt's outcome means for the endpoint (breaker, outlier detection, failover
 * bookkeeping) and for the request (retry or not, how long to wait, which budget pays).
 * Shared by the one-attempt-at-a-time path and by the racing path (per-try timeouts, hedges).
 */

export interface AccountingOptions {
  maxAttempts: number;
  maxUnprocessedRetries: number;
  backoff: BackoffOptions;
  isFailureStatus: (status: number) => boolean;
  budget: RetryBudget;
  random: Random;
  clock: Clock;
  outlier: OutlierDetector | undefined;
}

/** A request may be sent twice: an idempotent method, or the caller said so. */
export function isRetrySafe(run: RequestRun): boolean {
  return run.idempotent || isIdempotentMethod(run.method);
}

export class AttemptAccounting {
  /** Retries taken (all endpoints), rescues and transparent ones included. */
  retries = 0;
  /** Retries that bypassed the budget because the server provably did not process the request. */
  transparentRetries = 0;
  /** Idempotent requests re-sent because the endpoint they were in flight on went dark. */
  rescued = 0;

  constructor(private readonly o: AccountingOptions) {}

  /** The last half-open permit went between selection and acquiring: try another endpoint. */
  breakerRejected(run: RequestRun, endpoint: Endpoint, err: H2DoctorError, endpoints: number): void {
    (run.tried ??= new Set()).add(endpoint);
    if (++run.breakerRejections > endpoints) throw err;
    run.lastError = err;
  }

  /** An attempt got its response headers: the breaker and the endpoint learn how it went. */
  succeeded(endpoint: Endpoint, permit: BreakerPermit, res: ClientResponse): void {
    endpoint.inFlight--;
    const grpc = res.grpc;
    if (grpc !== undefined) {
      // A gRPC call is judged by its grpc-status, which may come only with the trailers.
      grpc.onStatus((status) => this.judged(endpoint, permit, isGrpcBreakerFailure(status.code)));
      return;
    }
    this.judged(endpoint, permit, this.o.isFailureStatus(res.status));
  }

  /** The breaker, failover and outlier detection learn whether the attempt failed. */
  private judged(endpoint: Endpoint, permit: BreakerPermit, failed: boolean): void {
    endpoint.breaker.record(permit, failed);
    if (failed) endpoint.noteFailure();
    else endpoint.noteSuccess();
    const outlier = this.o.outlier;
    if (outlier !== undefined) outlier.record(endpoint, failed);
  }

  /** An attempt we cancelled because another one answered first: no verdict on the endpoint. */
  cancelled(endpoint: Endpoint, permit: BreakerPermit): void {
    endpoint.inFlight--;
    endpoint.breaker.release(permit);
  }

  /**
   * Records a failed attempt against its endpoint. Returns false when the failure ends the
   * request whatever happens (abort, client closed, deadline).
   */
  recordFailure(endpoint: Endpoint, permit: BreakerPermit, e: H2DoctorError): boolean {
    endpoint.inFlight--;
    if (e instanceof AbortError || e instanceof ClientClosedError) {
      endpoint.breaker.release(permit);
      return false;
    }
    const refused = isUnprocessed(e) && !isConnectFailure(e);
    // A refused stream or a GOAWAY says "not now", not "broken": no breaker failure.
    if (refused) endpoint.breaker.release(permit);
    else {
      endpoint.breaker.record(permit, true);
      endpoint.noteFailure();
      // A dark endpoint was judged by its health check already; outlier detection counts
      // what the endpoint itself did (5xx, resets, timeouts).
      if (this.o.outlier !== undefined && !(e instanceof EndpointDarkError)) this.o.outlier.record(endpoint, true);
    }
    return !(e instanceof DeadlineExceededError);
  }

  /**
   * After a recorded failure: throws when the request must fail (not retryable, out of
   * attempts, budget or time), else returns how long to back off before the retry.
   */
  retryAfter(run: RequestRun, endpoint: Endpoint, e: H2DoctorError): number {
    if (e instanceof AbortError || e instanceof ClientClosedError) throw e;
    if (e instanceof DeadlineExceededError) throw run.lastError ? new DeadlineExceededError(e.message, { cause: run.lastError }) : e;
    run.lastError = e;
    if (e instanceof EndpointDarkError) {
      // In-flight rescue: the endpoint is out of rotation, so this costs it nothing; the
      // request goes elsewhere at once, outside maxAttempts and the budget (it is bounded
      // by the requests that were in flight there). Not idempotent: fail now, typed.
      if (!isRetrySafe(run)) throw e;
      this.retries++;
      this.rescued++;
      endpoint.retries++;
      (run.tried ??= new Set()).add(endpoint);
      return 0;
    }
    const wasUnprocessed = isUnprocessed(e);
    const refused = wasUnprocessed && !isConnectFailure(e);
    const timedOut = e instanceof AttemptTimeoutError;
    const retryable = wasUnprocessed || run.idempotent || isRetryable(run.method, e) || (timedOut && isRetrySafe(run));
    if (!retryable) throw e;
    if (wasUnprocessed) {
      if (++run.unprocessedRetries > this.o.maxUnprocessedRetries) throw e;
    } else if (++run.counted >= this.o.maxAttempts) throw e;
    if (!wasUnprocessed && !this.o.budget.tryWithdraw()) {
      throw new RetryBudgetExhaustedError(`${run.method} ${run.path}: retry budget exhausted after: ${e.message}`, { cause: e });
    }
    this.retries++;
    if (wasUnprocessed) this.transparentRetries++;
    endpoint.retries++;
    // Unprocessed on a live endpoint (GOAWAY, REFUSED_STREAM): a new session there is fine.
    if (!refused) (run.tried ??= new Set()).add(endpoint);
    // A per-try timeout already waited: the retry goes at once (to another endpoint). The
    // first unprocessed retry goes at once too (a GOAWAY'd request on a fresh session);
    // repeated refusals back off like any retry.
    const unprocessedRetries = run.unprocessedRetries;
    const wait = timedOut ? 0 : wasUnprocessed ? (unprocessedRetries <= 1 ? 0 : backoffDelay(unprocessedRetries - 1, this.o.random, this.o.backoff)) : backoffDelay(run.counted, this.o.random, this.o.backoff);
    if (this.o.clock.now() + wait >= run.deadline) {
      throw new DeadlineExceededError(`${run.method} ${run.path}: no time left for a retry before the deadline`, { cause: e });
    }
    return wait;
  }

  /** A hedge spends the retry budget like a retry; false when it is spent. */
  tryHedgeBudget(): boolean {
    return this.o.budget.tryWithdraw();
  }

  /** `recordFailure` then `retryAfter`: the one-attempt-at-a-time path. */
  failed(run: RequestRun, endpoint: Endpoint, permit: BreakerPermit, e: H2DoctorError): number {
    this.recordFailure(endpoint, permit, e);
    return this.retryAfter(run, endpoint, e);
  }
}
