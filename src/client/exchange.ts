import http2 from 'node:http2';
import type { Clock } from '../clock.js';
import { ConnectionClosedError, DeadlineExceededError, H2ErrorCode, StreamResetError, type H2DoctorError } from '../errors.js';
import { h2ErrorLabel } from '../codec/names.js';
import type { BodyLeakDetector, PendingBody } from './body-leak.js';
import type { Cancellable, CancelSlot } from './pool.js';
import { bodyStreamClosed, ClientResponse, newExchangeState, startReadAhead, type ExchangeState } from './response.js';
import { UNPROCESSED } from './retry-policy.js';
import { watchGrpcResponse } from './grpc-response.js';
import type { PooledSession, SessionExchange } from './session.js';

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

/** What every exchange of one client shares (made once per client, not per request). */
export interface ExchangeShared {
  leaks: BodyLeakDetector;
  clock: Clock;
}

/**
 * The request as an exchange sees it: what to send, where to register as its cancellable
 * phase, and `finish` (deadline and abort listener removed) to call when the stream closes
 * after the response was handed out.
 */
export interface ExchangeRun extends OutgoingRequest, CancelSlot {
  finish(): void;
  /** Told the peer of each stream opened for the request (RequestOptions.onStream). */
  readonly onStream?: ((peer: string) => void) | undefined;
  /** Settle `exchangeAsync`'s promise (set by it, cleared once used). */
  attemptResolve: ((res: ClientResponse) => void) | undefined;
  attemptReject: ((err: H2DoctorError) => void) | undefined;
}

/**
 * Who hears how an attempt ended: with response headers, or with a failure before them.
 * Called once per exchange, synchronously from the stream's events. One object serves every
 * request (the run is passed in), so an attempt allocates no callbacks.
 */
export interface AttemptHandler<R extends ExchangeRun = ExchangeRun> {
  responded(run: R, res: ClientResponse): void;
  failed(run: R, err: H2DoctorError): void;
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
    return new StreamResetError(`${host}: stream ${id} reset by the peer (${h2ErrorLabel(rst)})`, { h2Code: rst, cause: streamError });
  }
  // No error event: node closed the stream because the connection went away.
  return new ConnectionClosedError(`${host}: connection closed with stream ${id} in flight`, { cause: streamError, h2Code: session.goawayCode, lastStreamId: last });
}

/** One attempt's state, kept on its stream so the listeners can be shared functions. */
class StreamExchange implements Cancellable, SessionExchange {
  /** Told once how the attempt ended, then dropped. */
  handler: AttemptHandler | undefined;
  prevOnSession: SessionExchange | undefined = undefined;
  nextOnSession: SessionExchange | undefined = undefined;
  readonly state: ExchangeState = newExchangeState();
  /** Response headers arrived. */
  responded = false;
  /** The stream's 'error' event, if any (a peer RST_STREAM shows up here). */
  streamError: Error | undefined;
  pending: PendingBody | undefined;

  constructor(
    readonly session: PooledSession,
    readonly stream: http2.ClientHttp2Stream,
    readonly run: ExchangeRun,
    /** Endpoint URL and attempt number, for the response. */
    readonly endpoint: string,
    readonly attempt: number,
    readonly shared: ExchangeShared,
    handler: AttemptHandler,
  ) {
    this.handler = handler;
  }

  fail(err: H2DoctorError): void {
    const handler = this.handler;
    this.handler = undefined;
    handler?.failed(this.run, err);
  }

  cancel(err: H2DoctorError): void {
    // A deadline does not cut off a response nobody has started reading: the leak detector
    // owns that case. An abort, or a deadline during the read, resets the stream.
    if (this.responded && !this.state.reading && err instanceof DeadlineExceededError) return;
    // Take it off the session's list now: a rescue must not find it twice.
    this.session.unlink(this);
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
  const { shared, state } = ex;
  ex.responded = true;
  ex.session.racesLost = 0;
  const pending: PendingBody = { stream: this, path: ex.run.path, receivedAt: shared.clock.now(), consumed: false };
  ex.pending = pending;
  const response = new ClientResponse(this, responseHeaders, ex.endpoint, ex.attempt, pending, shared.leaks, state);
  const endStream = this.endAfterHeaders || (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
  response.grpc = watchGrpcResponse(this, responseHeaders, endStream);
  if (endStream) {
    // No body (HEAD, 204, 304): nothing to leak; let the stream finish on its own.
    pending.consumed = true;
    this.resume();
  } else {
    startReadAhead(this, state);
    shared.leaks.track(response, pending);
  }
  const handler = ex.handler;
  ex.handler = undefined;
  handler?.responded(ex.run, response);
}

function onStreamClose(this: StreamWithExchange): void {
  const ex = this[EXCHANGE];
  const { session, state, run, pending } = ex;
  session.unlink(ex);
  session.streamClosed();
  if (run.phase === ex) run.phase = undefined;
  if (!ex.responded) {
    ex.fail(state.error ?? failureOf(session, this, ex.streamError));
    return;
  }
  if (pending && !pending.consumed) ex.shared.leaks.forget(pending);
  if (!state.error && !this.readableEnded) state.error = failureOf(session, this, ex.streamError);
  bodyStreamClosed(this, state);
  run.finish();
}

/**
 * Sends `run`'s request on `session`, whose stream slot the caller already reserved, and
 * registers the exchange as the run's phase: cancelling it resets the stream with CANCEL
 * (RFC 9113 §8.7). `handler` hears the outcome, possibly before this returns.
 */
export function exchange<R extends ExchangeRun>(session: PooledSession, run: R, endpoint: string, attempt: number, shared: ExchangeShared, handler: AttemptHandler<R>): void {
  // node copies the headers itself (request() builds its own null-prototype object).
  const extra = run.headers;
  const headers: http2.OutgoingHttpHeaders = extra === undefined ? { ':method': run.method, ':path': run.path } : { ...extra, ':method': run.method, ':path': run.path };
  let stream: http2.ClientHttp2Stream;
  try {
    stream = session.h2.request(headers, run.body === undefined ? END_STREAM : SEND_BODY);
  } catch (err) {
    // ERR_HTTP2_GOAWAY_SESSION / ERR_HTTP2_INVALID_SESSION: nothing was sent.
    session.streamClosed();
    handler.failed(run, unprocessed(new ConnectionClosedError(`${endpoint}: session closed before the request was sent`, { cause: err })));
    return;
  }
  const ex = new StreamExchange(session, stream, run, endpoint, attempt, shared, handler as AttemptHandler);
  (stream as StreamWithExchange)[EXCHANGE] = ex;
  run.phase = ex;
  session.link(ex);
  stream.on('error', onStreamError);
  stream.on('response', onStreamResponse);
  stream.on('close', onStreamClose);
  if (run.onStream !== undefined) tellStream(run.onStream, session);
  if (run.body !== undefined) {
    try {
      stream.end(run.body);
    } catch (err) {
      // A body node cannot write (a caller's bug): fail this attempt now, once, and free the
      // stream; its 'close' then finds no handler left to tell.
      ex.handler = undefined;
      stream.close(http2.constants.NGHTTP2_CANCEL);
      handler.failed(run, err as H2DoctorError);
    }
  }
}

/** The request's `onStream` observer; what it throws is not the request's failure. */
function tellStream(onStream: (peer: string) => void, session: PooledSession): void {
  try {
    onStream(session.peer);
  } catch {
    // An observer's bug must not strand a stream that is already open.
  }
}

/**
 * Settles the promise `exchangeAsync` made. The resolving functions are dropped first: the
 * run stays reachable from the stream (held by the session), and a path to a resolved
 * promise would keep the ClientResponse alive, hiding it from the leak detector's
 * FinalizationRegistry.
 */
const AWAITED: AttemptHandler = {
  responded(run, res) {
    const resolve = run.attemptResolve!;
    run.attemptResolve = undefined;
    run.attemptReject = undefined;
    resolve(res);
  },
  failed(run, err) {
    const reject = run.attemptReject!;
    run.attemptResolve = undefined;
    run.attemptReject = undefined;
    reject(err);
  },
};

/** `exchange` as a promise of the response headers (retries, health checks). */
export function exchangeAsync(session: PooledSession, run: ExchangeRun, endpoint: string, attempt: number, shared: ExchangeShared): Promise<ClientResponse> {
  return new Promise<ClientResponse>((resolve, reject) => {
    run.attemptResolve = resolve;
    run.attemptReject = reject;
    exchange(session, run, endpoint, attempt, shared, AWAITED);
  });
}

// node copies the options object per request; sharing these saves making one here.
const END_STREAM: http2.ClientSessionRequestOptions = Object.freeze({ endStream: true });
const SEND_BODY: http2.ClientSessionRequestOptions = Object.freeze({ endStream: false });
