import type { ScenarioReport } from '../lab/verdict.js';
import { formatBytes, formatMs } from '../units.js';

/** The push chain's client-side links, one column each, for scenarios run with OkHttp clients (HTML table rows). */
export const chainHead = [
  'scenario', 'pushes / request', 'pushed bytes', 'not credited to the window', 'at zero window', 'connection WINDOW_UPDATEs',
  'PING wait mean / max', 'PINGs unanswered in time', 'deadline hits', 'abandoned (ping / timeout / window)', 'requests sent again', 'TLS handshakes', 'reuse', 'P99',
];

export function chainRows(rows: readonly ScenarioReport[]): string[][] {
  return rows.flatMap((r) => {
    const c = r.clients;
    if (!c) return [];
    return [[
      r.name, c.pushesPerRequest.toFixed(1), formatBytes(c.pushedBytes), formatBytes(c.pushedBytesUncredited), formatMs(c.zeroWindowMs),
      String(c.windowUpdates), `${formatMs(c.pingRttMeanMs)} / ${formatMs(c.pingRttMaxMs)}`, `${c.pingsSent - c.pingsAnswered} of ${c.pingsSent}`,
      String(c.timeouts), `${c.abandoned.ping} / ${c.abandoned.timeout} / ${c.abandoned.window}`, String(c.retried), String(c.tlsHandshakes),
      `${(r.reuseRate * 100).toFixed(1)} %`, formatMs(r.latency.p99),
    ]];
  });
}
