import type { SlowRequest, SlowRequestLog } from './slow-requests.js';
import type { LoopDelaySummary, RuntimePauses } from './runtime-pauses.js';
import { reuseRatio, type ServerStats, type SessionCloseReason, type CountsByCode } from './stats.js';

/** What `doctor.snapshot()` returns: plain JSON, safe to serve or log. */
export interface ServerSnapshot {
  /** Wall-clock time of the snapshot, ISO 8601. */
  at: string;
  sessions: { opened: number; active: number; closed: Record<SessionCloseReason, number> };
  reuse: { requests: number; reusedRequests: number; ratio: number };
  streams: { active: number };
  pushes: { attempted: number; denied: Record<string, number>; sent: number; cancelled: number; bytes: number };
  resets: { sent: CountsByCode; received: CountsByCode };
  goaways: { sent: CountsByCode; received: CountsByCode };
  /** Event-loop delay since instrumenting (monitorEventLoopDelay); null when the runtime monitor is off. */
  eventLoopDelay: LoopDelaySummary | null;
  /** Keep-alive policy counters; absent when no `keepalivePolicy` is set. */
  keepalive?: { pingsReceived: number; strikes: number; tooManyPingsGoaways: number };
  slowRequests: {
    /** Current threshold in ms; null while a p99 estimate warms up or when capture is off. */
    thresholdMs: number | null;
    /** Slow requests seen since instrumenting. */
    total: number;
    /** The newest ones, oldest first. */
    recent: SlowRequest[];
  };
}

export function buildSnapshot(stats: ServerStats, slow: SlowRequestLog | undefined, runtime: RuntimePauses | undefined, keepalive?: ServerSnapshot['keepalive']): ServerSnapshot {
  return {
    ...(keepalive === undefined ? {} : { keepalive: { ...keepalive } }),
    at: new Date().toISOString(),
    sessions: { opened: stats.sessions.opened, active: stats.sessions.active, closed: { ...stats.sessions.closed } },
    reuse: { requests: stats.requests.total, reusedRequests: stats.requests.reused, ratio: reuseRatio(stats) },
    streams: { active: stats.streams.active },
    pushes: { ...stats.pushes, denied: { ...stats.pushes.denied } },
    resets: { sent: { ...stats.resets.sent }, received: { ...stats.resets.received } },
    goaways: { sent: { ...stats.goaways.sent }, received: { ...stats.goaways.received } },
    eventLoopDelay: runtime?.loopDelaySummary() ?? null,
    slowRequests: {
      thresholdMs: slow?.thresholdMs() ?? null,
      total: stats.slowRequests,
      recent: slow?.list() ?? [],
    },
  };
}
