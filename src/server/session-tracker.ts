import type { ServerHttp2Session } from 'node:http2';
import { h2ErrorLabel } from '../codec/names.js';
import type { ServerMetrics } from './metrics.js';
import { kSessionRecord, type RecordedSession, type SessionRecord } from './records.js';
import { bump, type ServerStats, type SessionCloseReason } from './stats.js';

/**
 * The sessions of one instrumented server: each gets a SessionRecord (records.ts) on arrival,
 * or on its first request when it predates `instrument()`, and its end is counted by why it
 * ended. Listeners are top-level functions (undici's style): node:http2 calls them with the
 * session as `this`, and they reach the tracker through the session's record.
 */
export class SessionTracker {
  /** Sessions open now: the keep-alive PING and graceful close walk these. */
  readonly sessions = new Set<ServerHttp2Session>();
  /** Number the next session gets (server-local, in order of arrival). */
  private nextId = 1;
  /** close() has begun: a session that arrives from now on is closed at once. */
  closing = false;

  constructor(
    /** The server's counters (sessions opened, active, closed by reason; GOAWAYs). */
    readonly stats: ServerStats,
    /** Where a closed session's request count is observed. */
    readonly metrics: ServerMetrics,
  ) {}

  /** The session's record, adopting the session first if it has none. */
  recordOf(session: RecordedSession): SessionRecord {
    return session[kSessionRecord] ?? this.adopt(session);
  }

  /** Starts tracking a session (from 'session', or lazily for one that predates instrument()). */
  private adopt(session: RecordedSession): SessionRecord {
    const rec: SessionRecord = {
      tracker: this, id: this.nextId++, streamsOpen: 0, requests: 0, pushedBytes: 0,
      closeCause: undefined, destroying: false,
    };
    session[kSessionRecord] = rec;
    this.sessions.add(session);
    this.stats.sessions.opened++;
    this.stats.sessions.active++;
    countGoawaysSent(session, rec, this.stats);
    const baseDestroy = session.destroy;
    session.destroy = function markedDestroy(this: RecordedSession, ...args: unknown[]) {
      rec.destroying = true;
      return (baseDestroy as (...a: unknown[]) => void).apply(this, args);
    };
    session.on('goaway', onSessionGoaway);
    session.on('timeout', onSessionTimeout);
    session.on('error', onSessionError);
    session.once('close', onSessionClose);
    if (this.closing) session.close();
    return rec;
  }
}

/**
 * Per session, like the stream hooks (stream-hooks.ts explains why not the prototype):
 * close() sends its GOAWAY through goaway(), so this one hook sees both.
 */
function countGoawaysSent(session: RecordedSession, rec: SessionRecord, stats: ServerStats): void {
  const baseGoaway = session.goaway;
  session.goaway = function countedGoaway(this: RecordedSession, code?: number, ...rest: unknown[]) {
    if (!this.destroyed) {
      rec.closeCause ??= 'goaway_sent';
      bump(stats.goaways.sent, h2ErrorLabel(code ?? 0));
    }
    return (baseGoaway as (...a: unknown[]) => void).call(this, code, ...rest);
  };
}

function onSessionGoaway(this: RecordedSession, code: number): void {
  const rec = this[kSessionRecord]!;
  rec.closeCause ??= 'goaway_received';
  bump(rec.tracker.stats.goaways.received, h2ErrorLabel(code));
}

function onSessionTimeout(this: RecordedSession): void {
  this[kSessionRecord]!.closeCause ??= 'idle_timeout';
}

function onSessionError(this: RecordedSession): void {
  this[kSessionRecord]!.closeCause = 'error';
}

function onSessionClose(this: RecordedSession): void {
  const rec = this[kSessionRecord]!;
  const { stats, metrics, sessions } = rec.tracker;
  sessions.delete(this);
  stats.sessions.active--;
  // The first cause wins (our GOAWAY after the client's is only the reply to it), except
  // an error, which explains whatever GOAWAY came with it.
  const reason: SessionCloseReason = rec.closeCause ?? 'peer_close';
  stats.sessions.closed[reason]++;
  metrics.observeSessionClose(rec.requests);
}
