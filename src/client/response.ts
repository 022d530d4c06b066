import type { GrpcOutcome } from './grpc-response.js';
import type http2 from 'node:http2';
import { Readable } from 'node:stream';
import { ConnectionClosedError, H2ErrorCode, StreamResetError, type H2DoctorError } from '../errors.js';
import type { BodyLeakDetector, PendingBody } from './body-leak.js';

/**
 * A response. Its body must be consumed — `text()`, `json()`, `arrayBuffer()`, `body`, or
 * `dump()` to discard it — or the leak detector resets the stream (see body-leak.ts).
 */

/** What the request layer shares with the response about the stream's fate. */
export interface ExchangeState {
  /** Set when the stream failed or was cancelled; body reads reject with it. */
  error: H2DoctorError | undefined;
  /** Body read in progress: the request's deadline now applies to it. */
  reading: boolean;
  /** Body chunks read ahead (before anyone asked) or for the waiting reader. */
  early: Buffer[] | undefined;
  /** Bytes in `early`. */
  earlySize: number;
  /** Reading ahead is on (the 'data' listener is attached). */
  readingAhead: boolean;
  /** The pending `text()`/`arrayBuffer()` read, settled when the stream closes (`bodyStreamClosed`). */
  readResolve: ((body: Buffer | string) => void) | undefined;
  readReject: ((err: H2DoctorError) => void) | undefined;
  /** The pending read wants a string. */
  readAsText: boolean;
}

/** A fresh state; every field set so all states share one shape. */
export function newExchangeState(): ExchangeState {
  return {
    error: undefined,
    reading: false,
    early: undefined,
    earlySize: 0,
    readingAhead: false,
    readResolve: undefined,
    readReject: undefined,
    readAsText: false,
  };
}

/**
 * Read-ahead bound. Most API responses fit: they arrive whole with their headers, and
 * `text()`/`json()` then resolve without attaching listeners or waiting for the stream to
 * flow (the costly part of a promise-shaped body API). A larger body stops at this bound and
 * waits for the caller, keeping HTTP/2 flow control (RFC 9113 §5.2) as backpressure.
 */
export const READ_AHEAD_BYTES = 65_536;

const STATE = Symbol('h2doctor.client.exchangeState');
type StreamWithState = http2.ClientHttp2Stream & { [STATE]?: ExchangeState };

// The listener is a shared function reading its state off the stream: no closure per
// request. A read that starts before the body arrived (the usual case: the promise of the
// headers settles before the DATA frame's callback runs) waits on the same listener and is
// settled when the stream closes (after 'end' for a whole body), so a read adds no listener
// and never pauses or resumes the stream. Whether the body ended is the stream's own
// `readableEnded` ('end' was emitted), which needs no listener either.
function readAheadData(this: StreamWithState, chunk: Buffer): void {
  const state = this[STATE]!;
  (state.early ??= []).push(chunk);
  state.earlySize += chunk.length;
  // The bound is for bodies nobody asked for yet; a waiting reader takes everything.
  if (state.earlySize >= READ_AHEAD_BYTES && state.readResolve === undefined) stopReadAhead(this, state);
}

/** The error for a stream the peer or we reset (RST_STREAM other than NO_ERROR), if so. */
function resetError(stream: http2.ClientHttp2Stream): StreamResetError | undefined {
  const rst = stream.rstCode;
  if (rst === undefined || rst === H2ErrorCode.NO_ERROR) return undefined;
  return new StreamResetError(`stream reset (code ${rst}) before the body ended`, { h2Code: rst });
}

/**
 * The exchange's 'close' listener calls this (after setting `state.error` for a stream that
 * closed before its end): settles a read still waiting. 'close' before 'end' means the stream
 * was reset by the peer, by our deadline, or the connection died.
 */
export function bodyStreamClosed(stream: http2.ClientHttp2Stream, state: ExchangeState): void {
  const resolve = state.readResolve;
  if (resolve === undefined) return;
  const reject = state.readReject!;
  state.readResolve = undefined;
  state.readReject = undefined;
  // node ends the readable side also when the stream is reset (ours or the peer's): a reset
  // body is an error, not a short body.
  const failure = state.error ?? (stream.readableEnded ? resetError(stream) : new ConnectionClosedError('stream closed before the body ended'));
  if (failure) return reject(failure);
  const body = concatEarly(state);
  state.early = undefined;
  resolve(state.readAsText ? body.toString('utf8') : body);
}

function stopReadAhead(stream: StreamWithState, state: ExchangeState): void {
  if (!state.readingAhead) return;
  state.readingAhead = false;
  stream.off('data', readAheadData);
  stream.pause();
}

/** Starts reading the body ahead of the caller, up to READ_AHEAD_BYTES. */
export function startReadAhead(stream: http2.ClientHttp2Stream, state: ExchangeState): void {
  (stream as StreamWithState)[STATE] = state;
  state.readingAhead = true;
  stream.on('data', readAheadData);
}

function concatEarly(state: ExchangeState): Buffer {
  const early = state.early;
  if (early === undefined) return Buffer.alloc(0);
  return early.length === 1 ? early[0] : Buffer.concat(early, state.earlySize);
}

export class ClientResponse {
  /** HTTP status code. */
  readonly status: number;
  /** node's header object (pseudo-headers included), turned into `headers` on first use. */
  private readonly rawHeaders: http2.IncomingHttpHeaders;
  private plainHeaders: Record<string, string | string[] | undefined> | undefined;
  /** Endpoint URL the response came from (after failover, it may not be the first one). */
  readonly endpoint: string;
  /** Attempts it took (1 = no retry). */
  readonly attempts: number;
  /** For a gRPC response (`content-type: application/grpc`), its status once the call ends. */
  grpc: GrpcOutcome | undefined = undefined;

  constructor(
    private readonly stream: http2.ClientHttp2Stream,
    headers: http2.IncomingHttpHeaders,
    endpoint: string,
    attempts: number,
    private readonly pending: PendingBody,
    private readonly leaks: BodyLeakDetector,
    private readonly state: ExchangeState,
  ) {
    this.status = Number(headers[':status']);
    this.rawHeaders = headers;
    this.endpoint = endpoint;
    this.attempts = attempts;
  }

  /** Response headers, pseudo-headers removed. */
  get headers(): Record<string, string | string[] | undefined> {
    if (this.plainHeaders === undefined) {
      const plain: Record<string, string | string[] | undefined> = {};
      const raw = this.rawHeaders;
      for (const name in raw) if (name.charCodeAt(0) !== 58 /* ':' */) plain[name] = raw[name];
      this.plainHeaders = plain;
    }
    return this.plainHeaders;
  }

  /** True once the body was read, handed out, or dumped. */
  get bodyUsed(): boolean {
    return this.pending.consumed;
  }

  /** The body as a Readable; taking it counts as consuming it. */
  get body(): Readable {
    this.claim();
    const state = this.state;
    if (this.stream.readableEnded) return Readable.from(state.early ?? []);
    stopReadAhead(this.stream, state);
    // Put what was read ahead back in front of the rest.
    if (state.earlySize > 0) this.stream.unshift(concatEarly(state));
    state.early = undefined;
    state.earlySize = 0;
    return this.stream;
  }

  /** Reads the whole body. */
  arrayBuffer(): Promise<Buffer> {
    return this.read(false) as Promise<Buffer>;
  }

  /** Reads the body as UTF-8 text. */
  text(): Promise<string> {
    return this.read(true) as Promise<string>;
  }

  /** Reads the body and parses it as JSON. */
  async json<T = unknown>(): Promise<T> {
    return JSON.parse(await this.text()) as T;
  }

  /**
   * One promise per read and no listener: this is the hot path of every request. The
   * exchange's 'close' listener settles it (see `bodyStreamClosed`).
   */
  private read(asText: boolean): Promise<Buffer | string> {
    try {
      this.claim();
    } catch (err) {
      return Promise.reject(err);
    }
    const stream = this.stream;
    const state = this.state;
    if (state.error) return Promise.reject(state.error);
    if (stream.readableEnded) {
      // The whole body arrived while reading ahead.
      const failure = resetError(stream);
      if (failure) return Promise.reject(failure);
      const body = concatEarly(state);
      state.early = undefined;
      return Promise.resolve(asText ? body.toString('utf8') : body);
    }
    if (!state.readingAhead) {
      // Read-ahead stopped at its bound: flow again, into the same buffer.
      (stream as StreamWithState)[STATE] = state;
      state.readingAhead = true;
      stream.on('data', readAheadData);
      stream.resume();
    }
    state.readAsText = asText;
    return new Promise<Buffer | string>((resolve, reject) => {
      state.readResolve = resolve;
      state.readReject = reject;
    });
  }

  /**
   * Discards the body. If it has not all arrived, the stream is reset with CANCEL rather
   * than read to the end (cheaper for large bodies, RFC 9113 §8.7).
   */
  async dump(): Promise<void> {
    if (this.state.reading || this.pending.consumed) return;
    this.claim();
    const stream = this.stream;
    this.state.early = undefined;
    if (stream.destroyed || stream.readableEnded) return;
    stopReadAhead(stream, this.state);
    await new Promise<void>((resolve) => {
      stream.once('close', () => resolve());
      stream.resume();
      // Everything may already be buffered: then it ends by itself; otherwise cancel.
      setImmediate(() => {
        if (!stream.destroyed && !stream.readableEnded) stream.close(0x8);
      });
    });
  }

  private claim(): void {
    if (this.state.reading) throw new TypeError('response body already used');
    if (this.pending.consumed) {
      throw new StreamResetError('response body was reset unread by the leak detector (bodyTimeoutMs)', { h2Code: H2ErrorCode.CANCEL });
    }
    this.state.reading = true;
    this.leaks.consumed(this.pending);
  }
}
