import http2 from 'node:http2';
import type { Clock } from '../clock.js';
import { ConnectionClosedError, DeadlineExceededError, H2ErrorCode, StreamResetError, type H2DoctorError } from '../errors.js';
import type { BodyLeakDetector, PendingBody } from './body-leak.js';
import type { CancelSlot } from './pool.js';
import { ClientResponse, startReadAhead, type ExchangeState } from './response.js';
import { UNPROCESSED } from './retry-policy.js';
import type { PooledSession } from './session.js';

/**
 * One attempt of a request on one session: open the stream, send headers and body, wait for
 * the response headers, and turn node's ways of failing into our error classes, marking the
 * ones the server provably did not process.
 */

export interface OutgoingRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[]> | undefined;
  body: string | Uint8Array | undefined;
}

export interface ExchangeContext {
  endpoint: string;
  attempt: number;
  leaks: BodyLeakDetector;
  clock: Clock;
  /** Finished (deadline timer and abort listener removed) when the stream closes after the response was handed out. */
  run: { finish(signal: AbortSignal | undefined): void };
  signal: AbortSignal | undefined;
}

function unprocessed<E extends H2DoctorError>(err: E): E {
  (err as unknown as Record<symbol, boolean>)[UNPROCESSED] = true;
  return err;
}

/** The error for a stream that closed before its response headers arrived. */
function failureOf(session: PooledSession, stream: http2.ClientHttp2Stream, streamError: Error | undefined): H2DoctorError {
  const id = stream.id;
  const host = session.h2.originSet?.[0] ?? 'peer';
  if (id === undefined) return unprocessed(new ConnectionClosedError(`${host}: connection closed before the request was sent`, { cause: streamError }));
  const last = session.goawayLastStreamId;
  if (last !== undefined && id > last) {
    // RFC 9113 §6.8: streams above the GOAWAY's last-stream-id were not processed.
    return unprocessed(
      new ConnectionClosedError(`${host}: GOAWAY (last-stream-id ${last}) before stream ${id} was processed`, {
        h2Code: session.goawayCode,
        lastStreamId: last,
        cause: streamError,
      }),
    );
  }
  if (session.h2.destroyed) {
    // The connection was torn down (by us on a PING timeout, or by the peer): node resets the
    // stream locally, which is not the peer refusing or cancelling it.
    const why = session.retiredBy === 'ping-timeout' ? 'PING not acknowledged' : 'connection closed';
    return new ConnectionClosedError(`${host}: ${why} with stream ${id} in flight`, { cause: streamError, h2Code: session.goawayCode, lastStreamId: last });
  }
  const rst = stream.rstCode;
  if (streamError !== undefined && rst !== undefined && rst !== H2ErrorCode.NO_ERROR) {
    // The peer sent RST_STREAM; REFUSED_STREAM means not processed (RFC 9113 §8.7).
    return new StreamResetError(`${host}: stream ${id} reset by the peer (${http2ErrorName(rst)})`, { h2Code: rst, cause: streamError });
  }
  // No error event: node closed the stream because the connection went away.
  return new ConnectionClosedError(`${host}: connection closed with stream ${id} in flight`, { cause: streamError, h2Code: session.goawayCode, lastStreamId: last });
}

function http2ErrorName(code: number): string {
  for (const [name, value] of Object.entries(H2ErrorCode)) if (value === code) return name;
  return `0x${code.toString(16)}`;
}

/** One attempt's state, kept on its stream so the listeners can be shared functions. */
class StreamExchange {
  /** Dropped once the promise settles: the stream (held by the session) keeps this object,
   *  and a path to `resolve` would keep the resolved ClientResponse alive, hiding it from
   *  the FinalizationRegistry leak check. */
  resolve: ((r: ClientResponse) => void) | undefined;
  reject: ((e: H2DoctorError) => void) | undefined;
  readonly state: ExchangeState = {
    error: undefined,
    reading: false,
    onStreamClose: undefined,
    early: undefined,
    earlySize: 0,
    ended: false,
    readingAhead: false,
  };
  /** Response headers arrived. */
  responded = false;
  /** The stream's 'error' event, if any (a peer RST_STREAM shows up here). */
  streamError: Error | undefined;
  pending: PendingBody | undefined;

  constructor(
    readonly session: PooledSession,
    readonly stream: http2.ClientHttp2Stream,
    readonly path: string,
    readonly slot: CancelSlot,
    readonly ctx: ExchangeContext,
  ) {}

  fail(err: H2DoctorError): void {
    const reject = this.reject;
    this.resolve = undefined;
    this.reject = undefined;
    reject?.(err);
  }

  cancel(err: H2DoctorError): void {
    // A deadline does not cut off a response nobody has started reading: the leak detector
    // owns that case. An abort, or a deadline during the read, resets the stream.
    if (this.responded && !this.state.reading && err instanceof DeadlineExceededError) return;
    this.state.error ??= err;
    if (!this.stream.destroyed) this.stream.close(http2.constants.NGHTTP2_CANCEL);
    if (!this.responded) this.fail(err);
  }
}

const EXCHANGE = Symbol('h2doctor.client.exchange');
type StreamWithExchange = http2.ClientHttp2Stream & { [EXCHANGE]: StreamExchange };

function onStreamError(this: StreamWithExchange, err: Error): void {
  this[EXCHANGE].streamError = err;
}

function onStreamResponse(this: StreamWithExchange, responseHeaders: http2.IncomingHttpHeaders, flags: number): void {
  const ex = this[EXCHANGE];
  const { ctx, state } = ex;
  ex.responded = true;
  const pending: PendingBody = { stream: this, path: ex.path, receivedAt: ctx.clock.now(), consumed: false };
  ex.pending = pending;
  const response = new ClientResponse(this, responseHeaders, ctx.endpoint, ctx.attempt, pending, ctx.leaks, state);
  if (this.endAfterHeaders || (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0) {
    // No body (HEAD, 204, 304): nothing to leak; let the stream finish on its own.
    pending.consumed = true;
    this.resume();
  } else {
    startReadAhead(this, state);
    ctx.leaks.track(response, pending);
  }
  const resolve = ex.resolve;
  ex.resolve = undefined;
  ex.reject = undefined;
  resolve?.(response);
}

function onStreamClose(this: StreamWithExchange): void {
  const ex = this[EXCHANGE];
  const { session, state, ctx, pending } = ex;
  session.streamClosed();
  ex.slot.cancel = undefined;
  if (!ex.responded) {
    ex.fail(state.error ?? failureOf(session, this, ex.streamError));
    return;
  }
  if (pending && !pending.consumed) ctx.leaks.forget(pending);
  if (!state.error && !this.readableEnded) state.error = failureOf(session, this, ex.streamError);
  state.onStreamClose?.();
  ctx.run.finish(ctx.signal);
}

/**
 * Sends `req` on `session`, whose stream slot the caller already reserved. Registers its
 * canceller in `slot`: cancelling resets the stream with CANCEL (RFC 9113 §8.7).
 */
export function exchange(session: PooledSession, req: OutgoingRequest, slot: CancelSlot, ctx: ExchangeContext): Promise<ClientResponse> {
  const headers: http2.OutgoingHttpHeaders = { ...req.headers, ':method': req.method, ':path': req.path };
  let stream: http2.ClientHttp2Stream;
  try {
    stream = session.h2.request(headers, { endStream: req.body === undefined });
  } catch (err) {
    // ERR_HTTP2_GOAWAY_SESSION / ERR_HTTP2_INVALID_SESSION: nothing was sent.
    session.streamClosed();
    return Promise.reject(unprocessed(new ConnectionClosedError(`${ctx.endpoint}: session closed before the request was sent`, { cause: err })));
  }
  const ex = new StreamExchange(session, stream, req.path, slot, ctx);
  (stream as StreamWithExchange)[EXCHANGE] = ex;
  const promise = new Promise<ClientResponse>((resolve, reject) => {
    ex.resolve = resolve;
    ex.reject = reject;
  });
  slot.cancel = (err) => ex.cancel(err);
  stream.on('error', onStreamError);
  stream.on('response', onStreamResponse);
  stream.on('close', onStreamClose);
  if (req.body !== undefined) stream.end(req.body);
  return promise;
}
