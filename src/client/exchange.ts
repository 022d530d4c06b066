import http2 from 'node:http2';
import type { Clock } from '../clock.js';
import { ConnectionClosedError, DeadlineExceededError, H2ErrorCode, StreamResetError, type H2DoctorError } from '../errors.js';
import type { BodyLeakDetector, PendingBody } from './body-leak.js';
import type { CancelSlot } from './pool.js';
import { ClientResponse, type ExchangeState } from './response.js';
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
  /** Called once when the stream is closed after the response was handed out. */
  streamDone: () => void;
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
  // The resolve/reject pair is dropped once the promise settles: the stream (held by the
  // session) keeps its listeners, and a listener that could reach `resolve` would keep the
  // resolved ClientResponse alive, hiding it from the FinalizationRegistry leak check.
  let settle: { resolve: (r: ClientResponse) => void; reject: (e: H2DoctorError) => void } | undefined;
  const promise = new Promise<ClientResponse>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const state: ExchangeState = { error: undefined, reading: false, onStreamClose: undefined };
  let responded = false;
  let streamError: Error | undefined;
  let pending: PendingBody | undefined;
  const fail = (err: H2DoctorError): void => {
    const s = settle;
    settle = undefined;
    s?.reject(err);
  };

  slot.cancel = (err) => {
    // A deadline does not cut off a response nobody has started reading: the leak detector
    // owns that case. An abort, or a deadline during the read, resets the stream.
    if (responded && !state.reading && err instanceof DeadlineExceededError) return;
    state.error ??= err;
    if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
    if (!responded) fail(err);
  };

  stream.on('error', (err) => {
    streamError = err;
  });
  stream.on('response', (responseHeaders) => {
    responded = true;
    pending = { stream, path: req.path, receivedAt: ctx.clock.now(), consumed: false };
    const response = new ClientResponse(stream, responseHeaders, ctx.endpoint, ctx.attempt, pending, ctx.leaks, state);
    if (stream.endAfterHeaders) {
      // No body (HEAD, 204, 304): nothing to leak; let the stream finish on its own.
      pending.consumed = true;
      stream.resume();
    } else {
      ctx.leaks.track(response, pending);
    }
    const s = settle;
    settle = undefined;
    s?.resolve(response);
  });
  stream.on('close', () => {
    session.streamClosed();
    slot.cancel = undefined;
    if (!responded) {
      fail(state.error ?? failureOf(session, stream, streamError));
      return;
    }
    if (pending && !pending.consumed) ctx.leaks.forget(pending);
    if (!state.error && !stream.readableEnded) state.error = failureOf(session, stream, streamError);
    state.onStreamClose?.();
    ctx.streamDone();
  });
  if (req.body !== undefined) stream.end(req.body);
  return promise;
}
