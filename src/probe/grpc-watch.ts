/**
 * `--watch`: holds one connection at a time with calls in flight for a while and reports how
 * the server ends connections by age (grpc-go MaxConnectionAge, grpc-js
 * grpc.max_connection_age_ms, C-core GRPC_ARG_MAX_CONNECTION_AGE_MS). A graceful close is two
 * GOAWAYs: first last-stream-id 2^31-1 (stop opening streams), then, after a round trip, the
 * real last-stream-id (RFC 9113 §6.8); calls at or below it finish. A call the server had
 * accepted that ends without a response is lost: the caller sees it fail.
 */
import type { Clock } from '../clock.js';
import type { ConnectionContext, ProbeConnection } from './connection.js';
import { openConnection } from './connection.js';
import type { GrpcWatchFacts, GrpcWatchGoaway } from './grpc-facts.js';
import { sendRequest, type RequestSpec } from './requests.js';
import { pause } from './step.js';

export interface WatchPlan {
  watchMs: number;
  /** Calls kept in flight at once. */
  inFlight: number;
  /** Pause between one call's end and the next on the same slot: keeps the load light. */
  gapMs: number;
  timeoutMs: number;
  /** Number for the next connection opened. */
  nextIndex(): number;
  onOpen(conn: ProbeConnection): void;
}

const MAX_STREAM_ID = 2 ** 31 - 1;

export async function watchConnectionAge(ctx: ConnectionContext, spec: RequestSpec, plan: WatchPlan, clock: Clock, signal?: AbortSignal): Promise<GrpcWatchFacts> {
  const start = clock.now();
  const facts: GrpcWatchFacts = { watchedMs: plan.watchMs, connections: 0, serverCloses: 0, goaways: [], graceful: null, closesWithoutGoaway: 0, calls: 0, lost: 0, unprocessed: 0, lostReasons: [] };
  const used: ProbeConnection[] = [];
  const goawaysOf = new Map<ProbeConnection, GrpcWatchGoaway[]>();
  let current: ProbeConnection | null = null;
  let opening: Promise<ProbeConnection> | null = null;
  const open = async (): Promise<ProbeConnection> => {
    const conn = await openConnection(ctx, { index: plan.nextIndex(), purpose: 'grpc-watch', enablePush: false }, signal);
    plan.onOpen(conn);
    used.push(conn);
    facts.connections++;
    const list: GrpcWatchGoaway[] = [];
    goawaysOf.set(conn, list);
    conn.tap.onFrame(function onWatchFrame(e) {
      if (e.dir !== 'recv' || e.frame.type !== 'GOAWAY') return;
      list.push({ connection: conn.index, atMs: clock.now() - ctx.origin, errorCode: e.frame.errorCode, lastStreamId: e.frame.lastStreamId, debugData: Buffer.from(e.frame.debugData).toString('utf8') });
    });
    return conn;
  };
  const source = async (): Promise<ProbeConnection> => {
    if (current && !current.closing) return current;
    opening ??= open().then((c) => { current = c; opening = null; return c; }, (e) => { opening = null; throw e; });
    return opening;
  };
  const deadline = start + plan.watchMs;
  const slot = async () => {
    while (clock.now() < deadline && !signal?.aborted) {
      const conn = await source();
      const a = await sendRequest(conn, spec, clock, plan.timeoutMs, signal);
      facts.calls++;
      if (a.error !== null) {
        if (a.unprocessed) facts.unprocessed++;
        else {
          facts.lost++;
          if (facts.lostReasons.length < 5) facts.lostReasons.push(`connection ${conn.index} stream ${a.streamId ?? '-'}: ${a.error}`);
        }
      }
      await pause(plan.gapMs, signal);
    }
  };
  try {
    await Promise.all(Array.from({ length: plan.inFlight }, slot));
  } finally {
    await Promise.all(used.map((c) => c.close()));
  }
  let graceful = true;
  for (const conn of used) {
    // A connection we closed at the end of the watch gets the server's GOAWAY in reply: not a close by age.
    const byServer = conn.end.by === 'goaway' || conn.end.by === 'fin' || conn.end.by === 'reset';
    if (!byServer) continue;
    const list = goawaysOf.get(conn)!;
    facts.goaways.push(...list);
    facts.serverCloses++;
    if (list.length === 0) facts.closesWithoutGoaway++;
    if (list.length < 2 || list[0]!.lastStreamId !== MAX_STREAM_ID) graceful = false;
  }
  facts.graceful = facts.serverCloses === 0 ? null : graceful;
  return facts;
}
