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
  async arrayBuffer(): Promise<Buffer> {
    this.claim();
    const stream = this.stream;
    const state = this.state;
    if (state.error) throw state.error;
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const onData = (chunk: Buffer): void => {
        chunks.push(chunk);
        size += chunk.length;
      };
      const onEnd = (): void => {
        cleanup();
        // node ends the readable side also when the stream is reset (ours or the peer's):
        // a reset body is an error, not a short body.
        if (state.error) return reject(state.error);
        const rst = stream.rstCode;
        if (rst !== undefined && rst !== H2ErrorCode.NO_ERROR) {
          return reject(new StreamResetError(`stream reset (code ${rst}) before the body ended`, { h2Code: rst }));
        }
        resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
      };
      const onClose = (): void => {
        cleanup();
        // 'close' before 'end': reset by the peer, by our deadline, or the connection died.
        reject(state.error ?? new ConnectionClosedError('stream closed before the body ended'));
      };
      const cleanup = (): void => {
        stream.off('data', onData);
        stream.off('end', onEnd);
        stream.off('close', onClose);
        stream.off('error', onClose);
      };
      stream.on('data', onData);
      stream.once('end', onEnd);
      stream.once('close', onClose);
      stream.once('error', onClose);
    });
  }

  /** Reads the body as UTF-8 text. */
  async text(): Promise<string> {
    return (await this.arrayBuffer()).toString('utf8');
  }

  /** Reads the body and parses it as JSON. */
  async json<T = unknown>(): Promise<T> {
    return JSON.parse(await this.text()) as T;
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
