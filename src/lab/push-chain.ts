import type { ConnectionRecord, Counters } from '../bench/recorder.js';
import { formatBytes, formatMs } from '../units.js';

/**
 * Pure: the client-side evidence of the incident's chain, one measured number per link —
 * pushes → connection window and shared link → health checks and deadlines → connections
 * abandoned → TLS handshakes → reuse → P99 — and the sentence built from them.
 */
export interface ClientEvidence {
  /** PUSH_PROMISEs per request sent (retries included), and pushed DATA bytes that reached the clients. */
  pushesPerRequest: number;
  pushedBytes: number;
  /** The clients' connection receive window, bytes; pushed bytes never given back to it; connection WINDOW_UPDATEs sent. */
  windowBytes: number;
  pushedBytesUncredited: number;
  windowUpdates: number;
  /** Time connections spent with no connection window left, summed, ms. */
  zeroWindowMs: number;
  /** Health-check PINGs: interval, sent, answered, mean and largest round trip (time a frame waited behind pushed bytes on the link), ms. */
  pingIntervalMs: number;
  pingsSent: number;
  pingsAnswered: number;
  pingRttMeanMs: number;
  pingRttMaxMs: number;
  /** Requests that hit their deadline. */
  timeouts: number;
  /** Connections the clients abandoned, by why. */
  abandoned: { ping: number; timeout: number; window: number };
  /** Requests sent again on another connection after theirs was abandoned. */
  retried: number;
  /** Full TLS handshakes the order service accepted. */
  tlsHandshakes: number;
}

/** One connection on the timeline: when it opened and closed (ms from the start of load), what it carried, who closed it and why. */
export interface TimelineBar {
  id: number;
  openedMs: number;
  closedMs: number;
  requests: number;
  closedBy: 'client' | 'server' | 'end';
  why: string;
}

export interface ChainInputs {
  counters: Counters;
  connections: readonly ConnectionRecord[];
  requests: number;
  orderConnections: number;
  windowBytes: number;
  pingIntervalMs: number;
}

export function clientEvidence(i: ChainInputs): ClientEvidence {
  const c = i.counters;
  return {
    pushesPerRequest: i.requests > 0 ? round(c.pushPromises / i.requests, 2) : 0,
    pushedBytes: c.pushBytes + c.pushBytesAfterCancel,
    windowBytes: i.windowBytes,
    pushedBytesUncredited: c.pushBytesUncredited,
    windowUpdates: c.windowUpdatesSent,
    zeroWindowMs: round(c.zeroWindowMs, 1),
    pingIntervalMs: i.pingIntervalMs,
    pingsSent: c.pingsSent,
    pingsAnswered: c.pingAcks,
    pingRttMeanMs: c.pingAcks > 0 ? round(c.pingRttTotalMs / c.pingAcks, 1) : 0,
    pingRttMaxMs: round(c.pingRttMaxMs, 1),
    timeouts: c.timeout,
    abandoned: { ping: c.abandonedPing, timeout: 0, window: 0 },
    retried: c.retried,
    tlsHandshakes: i.orderConnections,
  };
}

/** The connections as timeline bars, in the order they opened. */
export function connectionTimeline(connections: readonly ConnectionRecord[], endMs: number): TimelineBar[] {
  return [...connections]
    .sort((a, b) => a.openedAtMs - b.openedAtMs)
    .map((c) => {
      const { closedBy, why } = closer(c.closeReason);
      const closedMs = c.closedAtMs >= 0 ? c.closedAtMs : endMs;
      return { id: c.id, openedMs: round(c.openedAtMs, 1), closedMs: round(closedMs, 1), requests: c.requests, closedBy, why };
    });
}

/** Who closed a connection, from the load generator's close reason. */
function closer(reason: string): { closedBy: TimelineBar['closedBy']; why: string } {
  if (reason.startsWith('abandoned: ')) return { closedBy: 'client', why: reason.slice('abandoned: '.length) };
  if (reason === 'limit') return { closedBy: 'client', why: 'request limit per connection' };
  if (reason === 'goaway') return { closedBy: 'server', why: 'GOAWAY' };
  if (reason.startsWith('error: ')) return { closedBy: 'server', why: reason.slice('error: '.length) };
  return { closedBy: 'end', why: 'end of run' };
}

/** "pushes → … → P99", every number measured. */
export function pushChainSentence(e: ClientEvidence, reuse: number, p99: number, requests: number): string {
  const abandoned = e.abandoned.ping + e.abandoned.timeout + e.abandoned.window;
  const starved = e.zeroWindowMs > 0 ? `connections spent ${formatMs(e.zeroWindowMs)} at a zero window` : 'no connection reached a zero window';
  const parts = [
    `${e.pushesPerRequest.toFixed(1)} pushes per request (${formatBytes(e.pushedBytes)}) queued on the shared link, never credited to the clients' ${formatBytes(e.windowBytes)} connection windows (${starved})`,
    `health-check PINGs waited ${formatMs(e.pingRttMeanMs)} on average behind them; ${e.pingsSent - e.pingsAnswered} of ${e.pingsSent} were not answered within the ${formatMs(e.pingIntervalMs)} interval`,
    `${e.timeouts} requests hit their deadline`,
    `${abandoned} connections abandoned by the clients (${e.abandoned.ping} ping, ${e.abandoned.timeout} timeout, ${e.abandoned.window} window), ${e.retried} requests sent again`,
    `${e.tlsHandshakes} TLS handshakes for ${requests} requests`,
    `reuse ${(reuse * 100).toFixed(1)} %`,
    `P99 ${formatMs(p99)}`,
  ];
  return parts.join(' → ') + '.';
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
