import type { ScenarioReport } from '../lab/verdict.js';
import { formatMs } from '../units.js';

/** The keep-alive scenarios' order → inventory links, one column each (HTML table rows). */
export const keepaliveHead = [
  'scenario', 'channels', 'PING interval (start → end)', 'server minimum', 'PINGs / strikes', 'too_many_pings GOAWAYs',
  'calls re-sent (unprocessed)', 'calls retried (UNAVAILABLE)', 'calls failed', 'reconnects', 'inventory connections / calls', 'P99',
];

export function keepaliveRows(rows: readonly ScenarioReport[]): string[][] {
  return rows.flatMap((r) => {
    const k = r.keepalive;
    if (!k) return [];
    return [[
      r.name, String(k.replicas), `${formatMs(k.keepaliveTimeMs)} → ${formatMs(k.finalTimeMs)}`, formatMs(k.serverMinTimeMs),
      `${k.pingsReceived} / ${k.strikes}`, String(k.tooManyPingsGoaways), String(k.transparentRetries), String(k.grpcRetries),
      String(k.failedCalls), String(k.reconnects), `${k.connections} / ${k.calls}`, formatMs(r.latency.p99),
    ]];
  });
}
