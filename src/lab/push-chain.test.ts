import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyCounters, type ConnectionRecord } from '../bench/recorder.js';
import { LatencyHistogram } from '../stats/log-linear-histogram.js';
import { clientEvidence, connectionTimeline, pushChainSentence } from './push-chain.js';

function conn(id: number, openedAtMs: number, closedAtMs: number, closeReason: string, requests: number): ConnectionRecord {
  return { id, openedAtMs, closedAtMs, closeReason, requests, connectMs: 1, tlsMs: 2, failures: 0, resets: 0, goawayCode: -1, latency: new LatencyHistogram(6) };
}

test('timeline: bars in opening order; who closed each connection and why', () => {
  const bars = connectionTimeline([
    conn(2, 50, 900, 'abandoned: no PING ACK within 500 ms', 2),
    conn(1, 0, 400, 'goaway', 5),
    conn(3, 60, -1, '', 7),
    conn(4, 70, 800, 'error: server closed the connection', 0),
    conn(5, 80, 1000, 'done', 3),
  ], 1200);
  assert.deepEqual(bars.map((b) => [b.id, b.closedBy, b.why, b.closedMs]), [
    [1, 'server', 'GOAWAY', 400],
    [2, 'client', 'no PING ACK within 500 ms', 900],
    [3, 'end', 'end of run', 1200],
    [4, 'server', 'server closed the connection', 800],
    [5, 'end', 'end of run', 1000],
  ]);
});

test('evidence and sentence: one measured number per link', () => {
  const c = { ...emptyCounters(), pushPromises: 900, pushBytesAfterCancel: 29_491_200, pushBytesUncredited: 29_491_200, pingsSent: 200,
    pingAcks: 80, pingRttTotalMs: 24_000, pingRttMaxMs: 480, abandonedPing: 120, retried: 240, timeout: 0 };
  const e = clientEvidence({ counters: c, connections: [], requests: 300, orderConnections: 152, windowBytes: 16 << 20, pingIntervalMs: 500 });
  assert.deepEqual([e.pushesPerRequest, e.pushedBytes, e.pingRttMeanMs, e.abandoned.ping, e.tlsHandshakes], [3, 29_491_200, 300, 120, 152]);
  const s = pushChainSentence(e, 0.5, 4200, 300);
  assert.equal(
    s,
    '3.0 pushes per request (28.1 MiB) queued on the shared link, never credited to the clients\' 16.0 MiB connection windows (no connection reached a zero window)' +
      ' → health-check PINGs waited 300 ms on average behind them; 120 of 200 were not answered within the 500 ms interval' +
      ' → 0 requests hit their deadline → 120 connections abandoned by the clients (120 ping, 0 timeout, 0 window), 240 requests sent again' +
      ' → 152 TLS handshakes for 300 requests → reuse 50.0 % → P99 4.20 s.',
  );
});
