/**
 * The counters behind `snapshot()` and the Prometheus metrics. Plain numbers bumped on the
 * hot path (an increment per event); prom-client reads them at scrape time (metrics.ts),
 * so a request costs no label hashing for these.
 */

/** Why a session ended (label `reason` of `h2_sessions_closed_total`). */
export type SessionCloseReason = 'goaway_sent' | 'goaway_received' | 'idle_timeout' | 'error' | 'peer_close';

export const sessionCloseReasons: readonly SessionCloseReason[] = ['goaway_sent', 'goaway_received', 'idle_timeout', 'error', 'peer_close'];

/** Counts keyed by an HTTP/2 error code name such as `CANCEL` (RFC 9113 §7). */
export type CountsByCode = Record<string, number>;

export interface ServerStats {
  sessions: {
    /** Sessions accepted since instrumenting. */
    opened: number;
    /** Sessions open now. */
    active: number;
    /** Sessions closed, by reason. */
    closed: Record<SessionCloseReason, number>;
  };
  requests: {
    /** Request streams started. */
    total: number;
    /** Requests that arrived on a session that had already carried one: connection reuse. */
    reused: number;
  };
  streams: {
    /** Request streams open now (pushed streams not included). */
    active: number;
  };
  pushes: {
    /** pushStream / createPushResponse calls. */
    attempted: number;
    /** Refused by the guard, by reason. */
    denied: Record<string, number>;
    /** PUSH_PROMISE frames actually sent (the push stream was created). */
    sent: number;
    /** Pushed streams the client reset before they finished (RST_STREAM on the even stream id). */
    cancelled: number;
    /** Body bytes written to pushed streams. */
    bytes: number;
  };
  resets: {
    /** RST_STREAM sent by this server, by error code name. */
    sent: CountsByCode;
    /** RST_STREAM received from clients, by error code name. */
    received: CountsByCode;
  };
  goaways: {
    /** GOAWAY sent, by error code name. */
    sent: CountsByCode;
    /** GOAWAY received, by error code name. */
    received: CountsByCode;
  };
  /** Slow requests captured in total. */
  slowRequests: number;
}

export function createServerStats(): ServerStats {
  return {
    sessions: { opened: 0, active: 0, closed: { goaway_sent: 0, goaway_received: 0, idle_timeout: 0, error: 0, peer_close: 0 } },
    requests: { total: 0, reused: 0 },
    streams: { active: 0 },
    pushes: { attempted: 0, denied: {}, sent: 0, cancelled: 0, bytes: 0 },
    resets: { sent: {}, received: {} },
    goaways: { sent: {}, received: {} },
    slowRequests: 0,
  };
}

export function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

/** Share of requests that reused a connection: 0 with no requests. */
export function reuseRatio(stats: ServerStats): number {
  return stats.requests.total === 0 ? 0 : stats.requests.reused / stats.requests.total;
}
