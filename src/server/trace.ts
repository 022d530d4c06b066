import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';

/**
 * The current request's trace id, carried by AsyncLocalStorage so code deep in a handler (a
 * logger, a database client) can read it without threading it through every call.
 *
 * The store is entered around the server's 'stream' emit (instrument.ts), so it covers the
 * request handler, everything it awaits, and timers and promises it starts. Callbacks of
 * events emitted later by the socket (e.g. `req.on('data')`) run in the socket's context
 * instead.
 *
 * Cost, and why the context starts on demand. On Node 20, AsyncLocalStorage runs on
 * async_hooks: once any store is entered, every async resource in the process (each
 * nextTick, each socket write) pays an init hook. Measured with h2load against a small
 * node:http2 handler, that alone took 6–7 % of the server's throughput
 * (bench/RESULTS.md). So an instrumented server only sets a plain variable around the
 * synchronous part of each 'stream' emit, which answers every `getTraceId()` made
 * synchronously in a handler (a handler that logs before its first await never needs more:
 * measured, calling it on every request then costs next to nothing). The first call made
 * outside that synchronous part (after an await, in a timer) finds no answer there and turns
 * the AsyncLocalStorage context on for every later request. `trace: { asyncContext: true }`
 * turns it on from the start.
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

/** The request whose 'stream' emit is running right now (synchronous part only). */
let emitting: RequestTrace | undefined;
/** Some code asked for a trace id: requests from now on run in the AsyncLocalStorage context. */
let asyncContextWanted = false;

/**
 * The trace id of the request being handled, or undefined outside an instrumented request
 * (and, before the first call turned the async context on, after an await: see above).
 */
export function getTraceId(): string | undefined {
  const store = traceStorage.getStore() ?? emitting;
  // Only a call outside any synchronous emit needs the async context: it may come from a
  // continuation of a request (after an await) that the plain variable cannot reach.
  if (store === undefined) asyncContextWanted = true;
  return store?.traceId;
}

/** Whether requests should enter the AsyncLocalStorage context. */
export function traceContextWanted(): boolean {
  return asyncContextWanted;
}

/**
 * Sets the synchronous context for the 'stream' emit about to run and returns the previous
 * one, which the caller restores in a `finally` (a setter rather than a wrapper taking a
 * callback: no closure per request).
 */
export function swapEmittingTrace(trace: RequestTrace | undefined): RequestTrace | undefined {
  const previous = emitting;
  emitting = trace;
  return previous;
}

const zeroTraceId = '0'.repeat(32);

/** A W3C traceparent: `vv-<32 hex trace id>-<16 hex parent id>-ff`, then whatever a later version adds. */
const traceparentShape = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}/i;

/**
 * The trace-id field of a traceparent value, in lowercase; undefined when the value does not
 * have that shape or the id is all zeros. `test` and a slice rather than `exec` on a
 * lowercased copy: a handler that logs asks for this on every request, and the match array
 * and the copy were two allocations per call for nothing.
 */
function traceIdFromTraceparent(value: string): string | undefined {
  if (!traceparentShape.test(value)) return undefined;
  // toLowerCase returns the string itself when it is lowercase already (the usual case).
  const id = value.slice(3, 35).toLowerCase();
  return id === zeroTraceId ? undefined : id;
}

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
    const id = traceIdFromHeader(name, headers[name]);
    if (id !== undefined) return id;
  }
  return undefined;
}

/** The trace id one header's value holds (see traceIdFromHeaders), or undefined. */
export function traceIdFromHeader(name: string, raw: string | string[] | undefined): string | undefined {
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return undefined;
  if (name === 'traceparent') return traceIdFromTraceparent(value.trim());
  const trimmed = value.trim();
  return requestId.test(trimmed) ? trimmed : undefined;
}

/**
 * Makes trace ids in the W3C trace-id shape (32 lowercase hex): a random 64-bit prefix per
 * generator, then a counter. Unique within the process by construction and across processes
 * with the prefix's 2^64 odds, and about ten times cheaper than a random UUID per request,
 * which matters because a handler that logs every request asks for one every time.
 */
export function createTraceIdGenerator(prefix: string = randomBytes(8).toString('hex')): () => string {
  let counter = 0;
  return function nextTraceId() {
    counter++;
    return prefix + counter.toString(16).padStart(16, '0');
  };
}
