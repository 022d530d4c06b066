import { formatMs } from '../../units.js';

/**
 * Pure: what the keep-alive scenarios measured on order → inventory, and the sentence built
 * from it — PINGs → strikes → too_many_pings GOAWAYs and closed connections → calls re-sent,
 * retried or failed → reconnects → P99.
 */
export interface KeepaliveEvidence {
  /** Order's gRPC channels to inventory (one per order replica). */
  replicas: number;
  /** The channels' keep-alive interval at the start, and the largest at the end (doubled once per too_many_pings), ms. */
  keepaliveTimeMs: number;
  finalTimeMs: number;
  /** Inventory's enforced minimum between PINGs, ms. */
  serverMinTimeMs: number;
  /** PINGs inventory received, and those that broke its policy. */
  pingsReceived: number;
  strikes: number;
  /** GOAWAY ENHANCE_YOUR_CALM "too_many_pings" inventory sent, and those order's channels received. */
  tooManyPingsGoaways: number;
  clientGoaways: number;
  /** TLS connections inventory accepted, and the ones opened after the first of each channel. */
  connections: number;
  reconnects: number;
  /** Calls above a GOAWAY's last-stream-id (not processed), re-sent at once on a new connection. */
  transparentRetries: number;
  /** Calls that ended UNAVAILABLE on a closed connection and were retried after backoff (gRFC A6). */
  grpcRetries: number;
  /** Calls that failed after their retries. */
  failedCalls: number;
  /** Calls inventory answered. */
  calls: number;
  /** How long the load ran, ms. */
  loadMs: number;
}

/** The storm or its absence, every number measured. */
export function keepaliveSentence(e: KeepaliveEvidence, p99Ms: number): string {
  const channels = `order's ${e.replicas} gRPC channel${e.replicas === 1 ? '' : 's'}`;
  if (e.tooManyPingsGoaways === 0) {
    return `${channels} kept PINGs at least ${formatMs(e.keepaliveTimeMs)} apart, at or above inventory's ${formatMs(e.serverMinTimeMs)} minimum: ${e.pingsReceived} PINGs, ${e.strikes} strikes, 0 too_many_pings GOAWAYs, ${e.connections} connections carried ${e.calls} calls, P99 ${formatMs(p99Ms)}.`;
  }
  const perTen = (e.tooManyPingsGoaways * 10_000) / Math.max(e.loadMs, 1);
  const parts = [
    `${channels} pinged every ${formatMs(e.keepaliveTimeMs)} against inventory's ${formatMs(e.serverMinTimeMs)} minimum: ${e.strikes} strikes in ${e.pingsReceived} PINGs`,
    `${e.tooManyPingsGoaways} GOAWAY ENHANCE_YOUR_CALM too_many_pings (${perTen.toFixed(1)} per 10 s), each connection closed right after`,
    `${e.transparentRetries} calls not yet processed re-sent, ${e.grpcRetries} caught on the closed connection retried after backoff, ${e.failedCalls} failed`,
    `${e.reconnects} reconnects (TLS handshake and SETTINGS on the call path; ${e.connections} connections for ${e.calls} calls)`,
    `the channels doubled their interval to ${formatMs(e.finalTimeMs)}`,
    `P99 ${formatMs(p99Ms)}`,
  ];
  return parts.join(' → ') + '.';
}
