import type { ServerHttp2Session } from 'node:http2';
import type { ServerMetrics } from './metrics.js';

/**
 * Sends a PING (RFC 9113 §6.7) to every open session every `intervalMs` and records the
 * round trip: a slow or dead connection shows as RTT before it shows as failed requests.
 * Returns the stop.
 */
export function startKeepalivePing(sessions: ReadonlySet<ServerHttp2Session>, intervalMs: number, metrics: ServerMetrics): () => void {
  function onPingAck(err: Error | null, durationMs: number): void {
    if (err === null) metrics.observePingRtt(durationMs / 1000);
  }
  const timer = setInterval(function pingSessions() {
    for (const session of sessions) {
      if (session.closed || session.destroyed) continue;
      try {
        session.ping(onPingAck);
      } catch {
        // Too many unanswered PINGs, or the session is going: skip it this round.
      }
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
