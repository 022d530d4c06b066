import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The current request's trace id, carried by AsyncLocalStorage so code deep in a handler (a
 * logger, a database client) can read it without threading it through every call.
 *
 * The store is entered around the server's 'stream' emit (instrument.ts), so it covers the
 * request handler, everything it awaits, and timers and promises it starts. Callbacks of
 * events emitted later by the socket (e.g. `req.on('data')`) run in the socket's context
 * instead; for those, read the id from the stream or request with `traceIdOf`.
 */

/** What the store holds for one request. */
export interface RequestTrace {
  /** Trace id taken from the request headers, or generated. */
  traceId: string;
  /** Bounded route label of the request. */
  route: string;
}

/** The one store for every instrumented server in the process. */
export const traceStorage = new AsyncLocalStorage<RequestTrace>();

/** The trace id of the request being handled, or undefined outside an instrumented request. */
export function getTraceId(): string | undefined {
  return traceStorage.getStore()?.traceId;
}

const traceparent = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}/;
const zeroTraceId = '0'.repeat(32);
/** A request id we accept as is: visible ASCII, no spaces, at most 128 characters. */
const requestId = /^[\x21-\x7e]{1,128}$/;

/**
 * The trace id found in the first of `headerNames` that holds a valid one. A W3C
 * `traceparent` header gives its 32-hex trace-id field (an all-zero id is invalid per the
 * Trace Context spec); any other header (`x-request-id`) is taken whole if it is a short
 * visible-ASCII token. Invalid values are skipped rather than propagated into logs.
 */
export function traceIdFromHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  headerNames: readonly string[],
): string | undefined {
  for (const name of headerNames) {
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined) continue;
    if (name === 'traceparent') {
      const m = traceparent.exec(value.trim().toLowerCase());
      if (m !== null && m[1] !== zeroTraceId) return m[1];
      continue;
    }
    const trimmed = value.trim();
    if (requestId.test(trimmed)) return trimmed;
  }
  return undefined;
}
