import type { Random } from '../random.js';
import { AttemptTimeoutError, ConnectionClosedError, ConnectError, DnsError, EndpointDarkError, H2ErrorCode, StreamResetError, TimeoutError, TlsError } from '../errors.js';

/**
 * Which failed requests may be sent again, and how long to wait first.
 *
 * Two kinds of request are safe to retry:
 * - idempotent methods (RFC 9110 §9.2.2): sending them twice has the effect of sending once;
 * - requests the server provably did not process, whatever the method: a stream reset with
 *   REFUSED_STREAM (RFC 9113 §8.7), a stream above the last-stream-id of a GOAWAY
 *   (RFC 9113 §6.8), or a request that never left this process (connect failed).
 */

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** RFC 9110 §9.2.2 idempotent methods. */
export function isIdempotentMethod(method: string): boolean {
  return IDEMPOTENT.has(method.toUpperCase());
}

/**
 * Marks an error as "the server did not process this request", set by the session layer
 * where it knows (REFUSED_STREAM, GOAWAY above last-stream-id, never written).
 */
export const UNPROCESSED = Symbol.for('h2doctor.client.unprocessed');

/** True when the request behind `err` provably never reached the server's application. */
export function isUnprocessed(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  if ((err as { [UNPROCESSED]?: boolean })[UNPROCESSED] === true) return true;
  if (err instanceof StreamResetError) return err.h2Code === H2ErrorCode.REFUSED_STREAM;
  return err instanceof ConnectError || err instanceof DnsError || err instanceof TlsError;
}

/** Errors worth another attempt for an idempotent request (transport trouble, not a bug). */
export function isTransportFailure(err: unknown): boolean {
  return (
    err instanceof ConnectionClosedError ||
    err instanceof StreamResetError ||
    err instanceof ConnectError ||
    err instanceof DnsError ||
    err instanceof TlsError ||
    err instanceof TimeoutError ||
    err instanceof AttemptTimeoutError ||
    err instanceof EndpointDarkError
  );
}

/** Whether a request that failed with `err` may be sent again. */
export function isRetryable(method: string, err: unknown): boolean {
  if (isUnprocessed(err)) return true;
  return isIdempotentMethod(method) && isTransportFailure(err);
}

export interface BackoffOptions {
  /** First retry's upper bound. Default 25 ms. */
  baseMs?: number;
  /** Cap on any wait. Default 1000 ms. */
  maxMs?: number;
}

/**
 * "Full jitter" exponential backoff: uniform in [0, min(max, base × 2^(retry-1))], so a burst
 * of clients retrying after the same failure spread out instead of arriving together.
 * `retry` counts from 1.
 */
export function backoffDelay(retry: number, random: Random, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 25;
  const max = options.maxMs ?? 1000;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, retry - 1));
  return random() * ceiling;
}
