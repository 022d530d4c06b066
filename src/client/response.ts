import type http2 from 'node:http2';
import type { Readable } from 'node:stream';
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
  /** Set by a body read: called when the stream closes, to fail a read that did not end. */
  onStreamClose: (() => void) | undefined;
}

export class ClientResponse {
  /** HTTP status code. */
  readonly status: number;
  /** Response headers, pseudo-headers removed. */
  readonly headers: Record<string, string | string[] | undefined>;
  /** Endpoint URL the response came from (after failover, it may not be the first one). */
  readonly endpoint: string;
  /** Attempts it took (1 = no retry). */
  readonly attempts: number;

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
    const plain: Record<string, string | string[] | undefined> = {};
    for (const name in headers) if (name.charCodeAt(0) !== 58 /* ':' */) plain[name] = headers[name];
    this.headers = plain;
    this.endpoint = endpoint;
    this.attempts = attempts;
  }

  /** True once the body was read, handed out, or dumped. */
  get bodyUsed(): boolean {
    return this.pending.consumed;
  }

  /** The body as a Readable (the HTTP/2 stream); taking it counts as consuming it. */
  get body(): Readable {
    this.claim();
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
   * One promise and two listeners per read: this is the hot path of every request. The
   * exchange's own 'close' listener reports a stream that closes before its end.
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
    return new Promise<Buffer | string>((resolve, reject) => {
      let chunks: Buffer[] | Buffer | undefined;
      let size = 0;
      let settled = false;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (chunks === undefined) chunks = chunk;
        else if (Array.isArray(chunks)) chunks.push(chunk);
        else chunks = [chunks, chunk];
      });
      stream.on('end', () => {
        settled = true;
        // node ends the readable side also when the stream is reset (ours or the peer's):
        // a reset body is an error, not a short body.
        if (state.error) return reject(state.error);
        const rst = stream.rstCode;
        if (rst !== undefined && rst !== H2ErrorCode.NO_ERROR) {
          return reject(new StreamResetError(`stream reset (code ${rst}) before the body ended`, { h2Code: rst }));
        }
        const body = chunks === undefined ? Buffer.alloc(0) : Array.isArray(chunks) ? Buffer.concat(chunks, size) : chunks;
        resolve(asText ? body.toString('utf8') : body);
      });
      state.onStreamClose = () => {
        if (settled) return;
        settled = true;
        // 'close' before 'end': reset by the peer, by our deadline, or the connection died.
        reject(state.error ?? new ConnectionClosedError('stream closed before the body ended'));
      };
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
    if (stream.destroyed || stream.readableEnded) return;
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
