import { AbortError, ConnectError, DeadlineExceededError, DnsError, H2ErrorCode, StreamResetError, TimeoutError, TlsError, type H2DoctorError } from '../errors.js';
import type { BreakerPermit } from './breaker.js';
import type { DeadlineEntry, DeadlineList } from './deadline-wheel.js';
import type { Endpoint } from './endpoint.js';
import type { ExchangeRun } from './exchange.js';
import type { Cancellable, CancelSlot } from './pool.js';
import type { ClientResponse } from './response.js';

/**
 * One request as it runs: what to send, and its deadline and abort plumbing. One entry in the
 * client's deadline wheel and at most one abort listener per request, whatever phase it is in
 * (queued for a stream slot, waiting for headers, reading the body, backing off before a
 * retry); each phase registers itself in `phase` to be cancelled. The object is its own wheel
 * entry, abort listener (`handleEvent`) and outgoing request, so none of those allocates.
 */
export class RequestRun implements CancelSlot, DeadlineEntry, ExchangeRun {
  /** The phase the request is in now and how to cancel it (the queue, the stream, a backoff). */
  phase: Cancellable | undefined = undefined;
  /** Set when the deadline passed or the signal fired. */
  failure: H2DoctorError | undefined = undefined;
  /** Clock time of the deadline; Infinity when there is none. */
  deadline = Infinity;
  deadlineList: DeadlineList | undefined = undefined;
  deadlinePrev: DeadlineEntry | undefined = undefined;
  deadlineNext: DeadlineEntry | undefined = undefined;
  /** Listening on `signal` (removed in `finish`). */
  private listening = false;

  // Retry bookkeeping, kept here rather than in an async frame so the first attempt can run
  // without one.
  /** Attempts started. */
  attempt = 0;
  /** Attempts that counted against maxAttempts (not the unprocessed ones). */
  counted = 0;
  unprocessedRetries = 0;
  breakerRejections = 0;
  /** Endpoints this request failed on; made on the first failure only. */
  tried: Set<Endpoint> | undefined = undefined;
  lastError: H2DoctorError | undefined = undefined;

  /** The attempt in flight when it runs without an async frame: where, and its breaker permit. */
  endpoint: Endpoint | undefined = undefined;
  permit: BreakerPermit | undefined = undefined;
  /** The request's promise, when settled from the stream's events (cleared once used). */
  resolve: ((res: ClientResponse) => void) | undefined = undefined;
  reject: ((err: unknown) => void) | undefined = undefined;
  /** `exchangeAsync`'s promise (cleared once used). */
  attemptResolve: ((res: ClientResponse) => void) | undefined = undefined;
  attemptReject: ((err: H2DoctorError) => void) | undefined = undefined;
  /** The caller's `onStream` (told the peer of each stream opened), if any. */
  onStream: ((peer: string) => void) | undefined = undefined;

  constructor(
    readonly method: string,
    readonly path: string,
    readonly headers: Record<string, string | string[]> | undefined,
    readonly body: string | Uint8Array | undefined,
    readonly signal: AbortSignal | undefined,
    readonly timeoutMs: number,
    /** The caller said a non-idempotent request is safe to retry. */
    readonly idempotent: boolean,
  ) {}

  /** Cancels the request: its current phase fails with `err`, and so does any later one. */
  fire(err: H2DoctorError): void {
    this.failure ??= err;
    const phase = this.phase;
    if (phase !== undefined) phase.cancel(err);
  }

  /** The deadline wheel's callback. */
  expire(): void {
    this.fire(new DeadlineExceededError(`${this.method} ${this.path}: deadline of ${this.timeoutMs} ms passed`));
  }

  /** Listens on the caller's signal (the run is the listener object: no closure). */
  listen(): void {
    if (this.signal === undefined) return;
    this.listening = true;
    this.signal.addEventListener('abort', this, { once: true });
  }

  /** The 'abort' event of the caller's signal. */
  handleEvent(): void {
    this.listening = false;
    this.fire(new AbortError(`${this.method} ${this.path}: aborted`, { cause: this.signal?.reason }));
  }

  /** Ends the deadline and the abort listener: the request failed, or its stream closed. */
  finish(): void {
    const list = this.deadlineList;
    if (list !== undefined) list.remove(this);
    if (this.listening) {
      this.listening = false;
      this.signal!.removeEventListener('abort', this);
    }
  }
}

/** A connection that never came up (refused, TLS, DNS, connect timeout): the endpoint is at fault. */
export function isConnectFailure(err: unknown): boolean {
  if (err instanceof StreamResetError && err.h2Code === H2ErrorCode.REFUSED_STREAM) return false;
  return err instanceof ConnectError || err instanceof DnsError || err instanceof TlsError || err instanceof TimeoutError;
}

/** Waits `ms`, cut short by the request's deadline or abort through its cancel slot. */
export function sleep(ms: number, run: RequestRun): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const phase: Cancellable = {
      cancel(err) {
        clearTimeout(timer);
        if (run.phase === phase) run.phase = undefined;
        reject(err);
      },
    };
    const timer = setTimeout(() => {
      if (run.phase === phase) run.phase = undefined;
      resolve();
    }, ms);
    run.phase = phase;
  });
}
