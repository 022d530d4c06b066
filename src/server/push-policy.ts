import type { Clock } from '../clock.js';
import { ConfigError } from '../errors.js';

/**
 * What the push guard decides, apart from the sockets that carry it out (stream-hooks.ts).
 *
 * Why a guard at all: server push on API responses is the incident this project starts from
 * (docs/server.md). Browsers removed push (Chrome 106, Firefox 132), nginx dropped it, and
 * RFC 9113 §8.4 lets any client refuse it; pushed streams add streams and bytes to every
 * connection until clients reset or abandon it. The guard refuses by default.
 */

/** Per-request and per-connection budgets for `push: { limit }`. */
export interface PushLimit {
  /** Pushes allowed per request (default: unlimited). */
  perRequest?: number;
  /** Pushed body bytes allowed per connection (default: unlimited). */
  bytesPerConnection?: number;
}

/** `deny` (default) refuses; `log` allows and logs; `allow` allows silently; `limit` allows within budgets. */
export type PushOption = 'deny' | 'log' | 'allow' | { limit: PushLimit };

/** The validated form of a `PushOption`. */
export type PushPolicy =
  | { mode: 'deny' }
  | { mode: 'log' }
  | { mode: 'allow' }
  | { mode: 'limit'; perRequest: number; bytesPerConnection: number };

/** Why a push was refused: a label value of `h2_push_denied_total`. */
export type PushDenyReason = 'policy' | 'client_disabled' | 'per_request_limit' | 'bytes_limit';

/** What the guard knows when a handler asks to push. */
export interface PushAttempt {
  /** `stream.pushAllowed`: false when the client sent SETTINGS_ENABLE_PUSH=0 (RFC 9113 §6.5.2) or the stream is itself pushed. */
  pushAllowed: boolean;
  /** Pushes already allowed for this request. */
  pushesThisRequest: number;
  /** Pushed body bytes already written on this connection. */
  pushedBytesThisConnection: number;
}

export type PushDecision = { allow: true } | { allow: false; reason: PushDenyReason };

/** Validates the `push` option. */
export function resolvePushPolicy(option: PushOption | undefined): PushPolicy {
  if (option === undefined || option === 'deny') return { mode: 'deny' };
  if (option === 'log' || option === 'allow') return { mode: option };
  if (typeof option === 'object' && option !== null && typeof option.limit === 'object' && option.limit !== null) {
    const perRequest = option.limit.perRequest ?? Number.POSITIVE_INFINITY;
    const bytesPerConnection = option.limit.bytesPerConnection ?? Number.POSITIVE_INFINITY;
    for (const [name, value] of [['perRequest', perRequest], ['bytesPerConnection', bytesPerConnection]] as const) {
      if (!(value >= 0) || (Number.isFinite(value) && !Number.isInteger(value))) {
        throw new ConfigError(`push.limit.${name} must be a non-negative integer, got ${value}`);
      }
    }
    return { mode: 'limit', perRequest, bytesPerConnection };
  }
  throw new ConfigError(`push must be 'deny', 'log', 'allow' or { limit: { perRequest, bytesPerConnection } }, got ${JSON.stringify(option)}`);
}

/** Decides one push attempt. A client that disabled push is never pushed to, whatever the policy. */
export function decidePush(policy: PushPolicy, attempt: PushAttempt): PushDecision {
  // RFC 9113 §8.4: a PUSH_PROMISE to a client that sent ENABLE_PUSH=0 is a connection
  // error of type PROTOCOL_ERROR, so this check comes before any policy.
  if (!attempt.pushAllowed) return { allow: false, reason: 'client_disabled' };
  switch (policy.mode) {
    case 'deny':
      return { allow: false, reason: 'policy' };
    case 'log':
    case 'allow':
      return { allow: true };
    case 'limit':
      if (attempt.pushesThisRequest >= policy.perRequest) return { allow: false, reason: 'per_request_limit' };
      // Bytes are counted as they are written, so the budget is checked before the next push
      // starts: one push may overshoot it, none starts after it is spent.
      if (attempt.pushedBytesThisConnection >= policy.bytesPerConnection) return { allow: false, reason: 'bytes_limit' };
      return { allow: true };
  }
}

/** Per-route state of the log limiter. */
interface RouteLogWindow {
  /** When the current window's line was written. */
  since: number;
  /** Attempts since that line (not yet reported). */
  pending: number;
  /** User agent of the latest attempt. */
  userAgent: string;
}

/**
 * One log line per route per window (default one minute) with the route, a user agent and a
 * count, so a handler pushing on every request cannot flood the log.
 */
export class PushLogLimiter {
  private readonly routes = new Map<string, RouteLogWindow>();

  constructor(private readonly clock: Clock, private readonly windowMs = 60_000) {}

  /**
   * Records one attempt; returns the line to log now, or undefined while the route's window is
   * still open (the attempt is counted into the next line).
   */
  record(action: 'denied' | 'allowed', route: string, userAgent: string | undefined, reason?: PushDenyReason): string | undefined {
    const now = this.clock.now();
    const ua = userAgent ?? '-';
    const state = this.routes.get(route);
    if (state !== undefined && now - state.since < this.windowMs) {
      state.pending++;
      state.userAgent = ua;
      return undefined;
    }
    const count = (state?.pending ?? 0) + 1;
    this.routes.set(route, { since: now, pending: 0, userAgent: ua });
    const why = reason === undefined ? '' : ` (${reason.replace(/_/g, ' ')})`;
    return `h2doctor: server push ${action}${why} on route ${route}: ${count} attempt${count === 1 ? '' : 's'} in the last ${Math.round(this.windowMs / 1000)} s, user-agent ${JSON.stringify(ua)}`;
  }
}
