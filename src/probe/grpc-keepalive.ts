/**
 * Keep-alive enforcement, measured from outside: on a fresh connection with no call active,
 * PING about once a second, at most `pings` times, and see whether the server cuts the
 * connection with GOAWAY ENHANCE_YOUR_CALM ("too_many_pings" from grpc-go and C-core). gRPC
 * servers count PINGs that come sooner than their minimum interval, or with no call active
 * when calls are required, as strikes; past the strike limit they send that GOAWAY (gRPC's
 * A8-client-side-keepalive.md). The connection carries no streams, so this measures the
 * "without calls" policy, the one that hurts idle-then-busy clients.
 */
import { H2ErrorCode } from '../errors.js';
import type { ConnectionContext, ProbeConnection } from './connection.js';
import { openConnection } from './connection.js';
import type { GrpcKeepaliveFacts } from './grpc-facts.js';
import { pause } from './step.js';

export interface KeepalivePlan {
  pings: number;
  intervalMs: number;
  /** Connection number to give the new connection. */
  index: number;
  /** Called with the connection once open, so the probe lists it with its frames. */
  onOpen(conn: ProbeConnection): void;
}

export async function checkKeepalive(ctx: ConnectionContext, plan: KeepalivePlan, signal?: AbortSignal): Promise<GrpcKeepaliveFacts> {
  const conn = await openConnection(ctx, { index: plan.index, purpose: 'grpc-keepalive', enablePush: false }, signal);
  plan.onOpen(conn);
  const clock = ctx.clock;
  const facts: GrpcKeepaliveFacts = { pingsSent: 0, pingsAcked: 0, intervalMs: plan.intervalMs, rejected: false, goaway: null, closedWithoutGoaway: false, durationMs: 0 };
  const start = clock.now();
  // Stops the waiting early once the connection ends.
  const ended = new AbortController();
  const onAbort = () => ended.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  void conn.closed.then(() => ended.abort());
  const unsubscribe = conn.tap.onFrame(function onKeepaliveFrame(e) {
    if (e.dir !== 'recv' || e.frame.type !== 'GOAWAY' || facts.goaway) return;
    facts.goaway = {
      errorCode: e.frame.errorCode,
      lastStreamId: e.frame.lastStreamId,
      debugData: Buffer.from(e.frame.debugData).toString('utf8'),
      afterPings: facts.pingsSent,
      afterMs: clock.now() - start,
    };
    facts.rejected = e.frame.errorCode === H2ErrorCode.ENHANCE_YOUR_CALM;
    ended.abort();
  });
  try {
    for (let i = 0; i < plan.pings && !ended.signal.aborted && !conn.closing; i++) {
      const sent = conn.session.ping((err) => { if (!err) facts.pingsAcked++; });
      if (!sent) break;
      facts.pingsSent++;
      // After the last PING, wait one more interval for the server's verdict.
      await pause(plan.intervalMs, ended.signal);
    }
  } finally {
    unsubscribe();
    signal?.removeEventListener('abort', onAbort);
    facts.closedWithoutGoaway = facts.goaway === null && conn.end.by !== 'open' && conn.end.by !== 'client';
    facts.durationMs = clock.now() - start;
    await conn.close();
  }
  return facts;
}
