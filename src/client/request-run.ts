import { ConnectError, DnsError, H2ErrorCode, StreamResetError, TimeoutError, TlsError, type H2DoctorError } from '../errors.js';
import type { CancelSlot } from './pool.js';

/**
 * One request's deadline and abort plumbing: a single timer and a single abort listener per
 * request, whatever phase it is in (queued for a stream slot, waiting for headers, reading
 * the body, backing off before a retry); each phase registers how to cancel it in the slot.
 */
export class RequestRun implements CancelSlot {
  /** How to cancel the phase the request is in now (set by the queue, the stream, a backoff). */
  cancel: ((err: H2DoctorError) => void) | undefined = undefined;
  /** The deadline timer; cleared when the request fails or its stream closes. */
  timer: NodeJS.Timeout | undefined;
  /** Set when the deadline passed or the signal fired. */
  failure: H2DoctorError | undefined;
  /** The listener on the caller's AbortSignal, removed in `finish`. */
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

/** A connection that never came up (refused, TLS, DNS, connect timeout): the endpoint is at fault. */
export function isConnectFailure(err: unknown): boolean {
  if (err instanceof StreamResetError && err.h2Code === H2ErrorCode.REFUSED_STREAM) return false;
  return err instanceof ConnectError || err instanceof DnsError || err instanceof TlsError || err instanceof TimeoutError;
}

/** Waits `ms`, cut short by the request's deadline or abort through its cancel slot. */
export function sleep(ms: number, run: RequestRun): Promise<void> {
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
