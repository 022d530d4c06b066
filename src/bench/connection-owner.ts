import type { H2DoctorError } from '../errors.js';
import type { Clock } from '../clock.js';
import type { BenchConnection } from './connection.js';
import type { OutcomeCode } from './recorder.js';

/** What a connection needs from the engine that owns it. */
export interface ConnectionOwner {
  readonly clock: Clock;
  /** Start time (created or intended) of the next waiting request, NaN when none waits. */
  takePending(): number;
  /** Puts a request back in front of the queue (a GOAWAY excluded its stream, RFC 9113 §6.8). */
  requeue(startedAt: number): void;
  /**
   * A request ended. `firstByteAt` is NaN when no response HEADERS arrived; `grpc` is the
   * call's grpc-status when the response or a reset gave one, else -1 (grpc-call.ts).
   */
  requestDone(conn: BenchConnection, streamId: number, startedAt: number, sentAt: number, firstByteAt: number, endAt: number, status: number, outcome: OutcomeCode, pushes: number, grpc: number): void;
  resetReceived(conn: BenchConnection, code: number): void;
  /** GOAWAY received (after the streams it excluded were requeued); the connection drains from now on. */
  goawayReceived(conn: BenchConnection, code: number, lastStreamId: number, debug: string): void;
  /** Push and byte counters, added as they happen. */
  pushPromised(conn: BenchConnection, cancelled: boolean): void;
  pushBytes(bytes: number, completed: boolean): void;
  bodyBytes(bodyBytes: number, headerBytes: number): void;
  /** The connection has the server's SETTINGS and can take requests. */
  ready(conn: BenchConnection): void;
  /** A stream slot freed up (or more may be opened); `now` is the clock reading of the read that freed it. */
  slotsFreed(conn: BenchConnection, now: number): void;
  /** Client health and flow-control evidence (see BenchOptions.pingIntervalMs, creditPushedData). */
  health(event: HealthEvent, value: number): void;
  /** The connection is gone. `error` is set when it failed rather than closed on purpose. */
  closed(conn: BenchConnection, reason: string, error: H2DoctorError | undefined, established: boolean): void;
}

/** What `health` reports: a PING sent, its ACK (value: round trip, ms), a connection abandoned, a connection WINDOW_UPDATE, pushed bytes (value) not credited or arriving after our cancel, time at a zero window (value: ms). */
export type HealthEvent = 'ping-sent' | 'ping-ack' | 'abandoned-ping' | 'window-update' | 'push-uncredited' | 'push-after-cancel' | 'zero-window';
