import { encodePing, encodeWindowUpdate } from '../codec/frame-encoder.js';
import { DEFAULT_INITIAL_WINDOW_SIZE } from '../codec/types.js';
import type { ConnectionOwner } from './connection-owner.js';
import type { BenchOptions } from './options.js';

/** What the health state needs from its connection: a place to queue frames, and a way to give up. */
export interface HealthHost {
  /** Queues bytes on the connection's write batch. */
  append(bytes: Uint8Array): void;
  flush(): void;
  /** True while the connection can still carry frames. */
  live(): boolean;
  /** The client gives up on the connection (its requests are sent again elsewhere). */
  abandon(why: string): void;
}

/**
 * One connection's receive-side flow control and client health check, with the evidence the
 * lab reports:
 * - the connection window (RFC 9113 §6.9): every DATA byte takes window; bytes are given back
 *   by WINDOW_UPDATE on stream 0 once half the window is used, except bytes on pushed (even)
 *   streams when `creditPushedData` is false (OkHttp's pushDataLater never credits them);
 * - OkHttp's pingInterval: a PING still unanswered when the next is due abandons the connection.
 */
export class ConnectionHealth {
  /** DATA bytes received and not yet given back with a connection WINDOW_UPDATE. */
  private unacked = 0;
  /** Our connection receive window as the server sees it, and since when it has been 0 (NaN: not 0). */
  private window = 0;
  private zeroSince = NaN;
  /** The health-check timer, and when the unanswered PING went out (NaN: none out). */
  private timer: NodeJS.Timeout | undefined;
  private pingSentAt = NaN;

  constructor(private readonly o: BenchOptions, private readonly owner: ConnectionOwner, private readonly host: HealthHost) {}

  /** Our preface went out: the window is what we advertised (65,535 plus our stream-0 WINDOW_UPDATE). */
  prefaceSent(): void {
    this.window = Math.max(this.o.windowSize, DEFAULT_INITIAL_WINDOW_SIZE);
  }

  /** The connection can carry requests: start the health check, if any. */
  opened(): void {
    if (this.o.pingIntervalMs <= 0) return;
    this.timer = setInterval(() => this.tick(), this.o.pingIntervalMs);
    this.timer.unref();
  }

  /** Connection-level accounting for one DATA frame (`length` includes padding). */
  data(streamId: number, length: number, now: number): void {
    this.window -= length;
    if ((streamId & 1) === 0 && !this.o.creditPushedData) {
      if (length > 0) this.owner.health('push-uncredited', length);
    } else this.unacked += length;
    if (this.unacked >= this.o.windowSize / 2) {
      this.host.append(encodeWindowUpdate(0, this.unacked));
      this.window += this.unacked;
      this.unacked = 0;
      this.owner.health('window-update', 1);
    }
    if (this.window <= 0 && this.zeroSince !== this.zeroSince) this.zeroSince = now;
    else if (this.window > 0) this.endZeroWindow(now);
  }

  /** A PING ACK arrived. */
  pingAck(now: number): void {
    if (this.pingSentAt !== this.pingSentAt) return;
    this.owner.health('ping-ack', now - this.pingSentAt);
    this.pingSentAt = NaN;
  }

  /** The connection closed: stop the timer, close the zero-window span. */
  stop(now: number): void {
    clearInterval(this.timer);
    this.endZeroWindow(now);
  }

  private endZeroWindow(now: number): void {
    if (this.zeroSince === this.zeroSince) this.owner.health('zero-window', now - this.zeroSince);
    this.zeroSince = NaN;
  }

  private tick(): void {
    if (!this.host.live()) return;
    if (this.pingSentAt === this.pingSentAt) {
      this.host.abandon(`no PING ACK within ${this.o.pingIntervalMs} ms`);
      return;
    }
    this.pingSentAt = this.owner.clock.now();
    this.host.append(encodePing(new Uint8Array(8), false));
    this.host.flush();
    this.owner.health('ping-sent', 1);
  }
}
