/**
 * Step 6 (with --idle-wait): one request, then silence, until the server closes the connection
 * or the wait ends. The idle time is measured from the last frame received to the GOAWAY or the
 * socket's end, whichever came first.
 */
import type { Clock } from '../clock.js';
import type { IdleFacts } from './facts.js';
import type { ProbeConnection } from './connection.js';
import { sendRequest, type RequestSpec } from './requests.js';
import { pause } from './step.js';

export async function checkIdleTimeout(conn: ProbeConnection, spec: RequestSpec, clock: Clock, origin: number, waitMs: number, timeoutMs: number, signal?: AbortSignal): Promise<IdleFacts> {
  await sendRequest(conn, spec, clock, timeoutMs, signal);
  const lastRecv = [...conn.tap.events].reverse().find((e) => e.dir === 'recv');
  // Tap times are relative to the tap's creation; move them onto the probe's timeline.
  const tapOrigin = clock.now() - conn.tap.elapsed() - origin;
  const idleFrom = lastRecv ? lastRecv.t + tapOrigin : clock.now() - origin;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const ended = conn.closed.then(() => stop.abort());
  // A GOAWAY ends the idle period even if the socket lingers.
  const unsubscribe = conn.tap.onFrame((e) => { if (e.dir === 'recv' && e.frame.type === 'GOAWAY') stop.abort(); });
  await pause(waitMs, stop.signal);
  unsubscribe();
  signal?.removeEventListener('abort', onAbort);
  void ended;
  const end = { ...conn.end };
  const closedAfterMs = end.by !== 'open' && end.atMs !== null ? Math.max(0, end.atMs - idleFrom) : null;
  return { waitedMs: waitMs, closedAfterMs, end };
}
