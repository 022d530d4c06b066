import { ConfigError } from '../errors.js';

/**
 * gRPC keep-alive on the client (gRFC A8): a PING every `timeMs`, answered within
 * `timeoutMs`, and, unless `permitWithoutCalls`, only while a call is open. A server whose
 * policy this breaks answers GOAWAY ENHANCE_YOUR_CALM with debug data `too_many_pings`; like
 * grpc-go and C-core, the client then doubles `timeMs` for every connection it opens from
 * then on (the interval is shared by the client's sessions, not per connection), so a
 * misconfigured client converges on the server's policy instead of being cut forever.
 */

export interface KeepaliveOptions {
  /** PING interval, ms. Default 10 000 (the pool's pingIntervalMs when unset). */
  timeMs?: number;
  /** Retire the connection when a PING is not acknowledged within this, ms. Default 5 000. */
  timeoutMs?: number;
  /** PING while no call is open. Default false (grpc-go's and C-core's default). */
  permitWithoutCalls?: boolean;
}

/** `client.stats().keepalive`. */
export interface KeepaliveStats {
  /** The PING interval new connections use now, ms: doubled once per too_many_pings GOAWAY. */
  timeMs: number;
  /** GOAWAY ENHANCE_YOUR_CALM "too_many_pings" received, all connections. */
  tooManyPingsGoaways: number;
}

/** The debug data gRPC servers put in the GOAWAY (grpc-go, C-core, grpc-java, h2doctor/server). */
export const TOO_MANY_PINGS = 'too_many_pings';

/** ENHANCE_YOUR_CALM, RFC 9113 §7. */
const ENHANCE_YOUR_CALM = 0xb;

/** Doubling stops here: grpc-go and C-core have no cap below this either (INT_MAX ms in C-core). */
const MAX_TIME_MS = 2 ** 31 - 1;

/** One client's keep-alive interval and its too_many_pings count, shared by its sessions. */
export class KeepaliveState {
  /** Current interval, ms. */
  timeMs: number;
  readonly timeoutMs: number;
  readonly permitWithoutCalls: boolean;
  /** too_many_pings GOAWAYs received. */
  tooManyPingsGoaways = 0;

  constructor(options: KeepaliveOptions) {
    this.timeMs = options.timeMs ?? 10_000;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.permitWithoutCalls = options.permitWithoutCalls === true;
    if (!(this.timeMs > 0 && Number.isFinite(this.timeMs))) throw new ConfigError(`keepalive.timeMs must be a positive number of ms, got ${options.timeMs}`);
    if (!(this.timeoutMs > 0 && Number.isFinite(this.timeoutMs))) throw new ConfigError(`keepalive.timeoutMs must be a positive number of ms, got ${options.timeoutMs}`);
  }

  /**
   * A GOAWAY arrived: when it is the too_many_pings one, doubles the interval and returns
   * true (the caller then lets the connection's open streams finish rather than cutting them).
   */
  onGoaway(code: number, debugData: Uint8Array | undefined): boolean {
    if (!isTooManyPings(code, debugData)) return false;
    this.tooManyPingsGoaways++;
    this.timeMs = Math.min(MAX_TIME_MS, this.timeMs * 2);
    return true;
  }

  stats(): KeepaliveStats {
    return { timeMs: this.timeMs, tooManyPingsGoaways: this.tooManyPingsGoaways };
  }
}

/** GOAWAY ENHANCE_YOUR_CALM with debug data `too_many_pings`. */
export function isTooManyPings(code: number, debugData: Uint8Array | undefined): boolean {
  return code === ENHANCE_YOUR_CALM && debugData !== undefined && Buffer.from(debugData.buffer, debugData.byteOffset, debugData.byteLength).toString('latin1') === TOO_MANY_PINGS;
}
