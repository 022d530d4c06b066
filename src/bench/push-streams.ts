import { encodeRstStream, encodeWindowUpdate } from '../codec/frame-encoder.js';
import { ConnectionClosedError, H2ErrorCode } from '../errors.js';
import type { BenchConnection } from './connection.js';
import type { ConnectionOwner } from './connection-owner.js';
import type { BenchOptions } from './options.js';
import type { WriteBatch } from './write-batch.js';

/**
 * Server push on one bench connection (RFC 9113 §8.4), as `--push` decides: `refuse` (we
 * sent SETTINGS_ENABLE_PUSH=0, so a PUSH_PROMISE is a connection error), `cancel` (RST_STREAM
 * each promise) or `accept` (read the pushed response and count its bytes).
 *
 * The connection hands over only frames on streams that are not its own requests, so the
 * per-request path never comes here.
 */
export class PushStreams {
  /** Highest promised stream we processed: our GOAWAY's last-stream-id (RFC 9113 §6.8). */
  lastPromised = 0;
  /** Promised (even) streams we accepted and are reading. */
  private readonly reading = new Set<number>();

  constructor(private readonly o: BenchOptions, private readonly conn: BenchConnection, private readonly owner: ConnectionOwner) {}

  /**
   * A PUSH_PROMISE for `promisedId`. Returns the connection error to raise when pushes are
   * refused (RFC 9113 §6.5.2, §8.4), otherwise undefined.
   */
  promised(promisedId: number, batch: WriteBatch): ConnectionClosedError | undefined {
    if (this.o.push === 'refuse') {
      this.owner.pushPromised(this.conn, false);
      return new ConnectionClosedError(`${this.o.url.host}: server sent PUSH_PROMISE after SETTINGS_ENABLE_PUSH=0`, { h2Code: H2ErrorCode.PROTOCOL_ERROR });
    }
    if (promisedId > this.lastPromised) this.lastPromised = promisedId;
    const cancel = this.o.push === 'cancel';
    if (cancel) batch.append(encodeRstStream(promisedId, H2ErrorCode.CANCEL));
    else this.reading.add(promisedId);
    this.owner.pushPromised(this.conn, cancel);
    return undefined;
  }

  /** HEADERS on a stream that is not one of our requests. */
  headers(streamId: number, endStream: boolean): void {
    if (this.reading.has(streamId) && endStream) this.done(streamId);
  }

  /** DATA on a stream that is not one of our requests (`length` counts padding, `bytes` does not). */
  data(streamId: number, length: number, bytes: number, endStream: boolean, batch: WriteBatch): void {
    if (this.reading.has(streamId)) {
      // Pushed streams get the same initial window; long pushes need stream updates too.
      this.owner.pushBytes(bytes, false);
      if (endStream) this.done(streamId);
      else if (length > 0) batch.append(encodeWindowUpdate(streamId, length));
    } else if ((streamId & 1) === 0 && length > 0) {
      // A push we cancelled: the server sent these before our RST_STREAM reached it.
      this.owner.health('push-after-cancel', length);
    }
  }

  /** RST_STREAM on a stream that is not one of our requests. */
  reset(streamId: number): void {
    this.reading.delete(streamId);
  }

  private done(streamId: number): void {
    this.reading.delete(streamId);
    this.owner.pushBytes(0, true);
  }
}
