import http2, { type ServerHttp2Session } from 'node:http2';
import { Counter, type Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import { ConfigError } from '../errors.js';

/**
 * A gRPC server's keep-alive enforcement (grpc-go's `keepalive.EnforcementPolicy`, C-core's
 * `grpc.http2.min_ping_interval_without_data_ms` / `max_ping_strikes` /
 * `keepalive_permit_without_calls`) on a node:http2 server. A PING (RFC 9113 §6.7) that comes
 * sooner than `minTimeMs` after the previous one, or, with `permitWithoutCalls` false, while
 * no stream is open and within two hours of the previous one (both grpc-go and C-core use
 * 2 h there), is a strike. The strike after `maxPingStrikes` is answered with GOAWAY
 * ENHANCE_YOUR_CALM and debug data `too_many_pings`, the signal gRPC clients read to double
 * their keep-alive interval; then the session closes gracefully: streams at or below the
 * GOAWAY's last-stream-id may finish (RFC 9113 §6.8).
 *
 * One difference on purpose: grpc-go and C-core forgive all strikes whenever they write
 * response headers or data, so a busy connection is never cut however often it pings; a
 * client misconfigured that way is cut only when traffic pauses. h2doctor counts every early
 * PING, so the misconfiguration shows under load too (the lab's keepalive-storm relies on it).
 */

export interface KeepalivePolicy {
  /** Least time between two PINGs, ms (grpc-go's MinTime; its default is 5 min). */
  minTimeMs: number;
  /** Allow PINGs while no stream is open (grpc-go's PermitWithoutStream; default false). */
  permitWithoutCalls: boolean;
  /** Strikes tolerated; the next one closes the session. 0: never close (C-core's meaning). */
  maxPingStrikes: number;
  /**
   * After the too_many_pings GOAWAY: 'drain' (default) lets the streams in flight finish;
   * 'close' closes the connection at once, as grpc-go (`outgoingGoAwayHandler` returns the
   * goAway's `closeConn` error) and C-core (`grpc_chttp2_exceeded_ping_strikes` then
   * `close_transport_locked`) do, so calls in flight end UNAVAILABLE at the client.
   */
  afterGoaway?: 'drain' | 'close';
}

/** The policy counters of one instrumented server. */
export interface KeepaliveCounters {
  /** PINGs received (not ACKs). */
  pingsReceived: number;
  /** PINGs that broke the policy. */
  strikes: number;
  /** Sessions closed with GOAWAY ENHANCE_YOUR_CALM `too_many_pings`. */
  tooManyPingsGoaways: number;
}

/** grpc-go (`defaultPingTimeout`) and C-core both allow one PING per 2 h on an idle connection. */
export const IDLE_PING_INTERVAL_MS = 2 * 60 * 60 * 1000;

/** The GOAWAY debug data gRPC clients recognise (grpc-go, C-core, grpc-java, grpc-js). */
export const TOO_MANY_PINGS = 'too_many_pings';

/** Checks the option; throws ConfigError with the field at fault. */
export function resolveKeepalivePolicy(policy: Partial<KeepalivePolicy> | undefined): KeepalivePolicy | undefined {
  if (policy === undefined) return undefined;
  const minTimeMs = policy.minTimeMs ?? 300_000;
  const maxPingStrikes = policy.maxPingStrikes ?? 2;
  if (!(minTimeMs >= 0 && Number.isFinite(minTimeMs))) throw new ConfigError(`keepalivePolicy.minTimeMs must be a non-negative number of ms, got ${policy.minTimeMs}`);
  if (!(Number.isInteger(maxPingStrikes) && maxPingStrikes >= 0)) throw new ConfigError(`keepalivePolicy.maxPingStrikes must be a non-negative integer, got ${policy.maxPingStrikes}`);
  if (policy.afterGoaway !== undefined && policy.afterGoaway !== 'drain' && policy.afterGoaway !== 'close') throw new ConfigError(`keepalivePolicy.afterGoaway must be 'drain' or 'close', got ${String(policy.afterGoaway)}`);
  return { minTimeMs, permitWithoutCalls: policy.permitWithoutCalls === true, maxPingStrikes, ...(policy.afterGoaway === 'close' ? { afterGoaway: 'close' as const } : {}) };
}

/**
 * One session's strike count: pure, fed with the time of each PING and whether a stream was
 * open. `ping()` returns true when this PING is the one too many.
 */
export class PingStrikes {
  /** Clock time of the previous PING; undefined before the first (which is never a strike). */
  private lastPingAt: number | undefined = undefined;
  /** Strikes so far on this session. */
  strikes = 0;

  constructor(private readonly policy: KeepalivePolicy) {}

  /** Records a PING at `now`; `idle` means no stream was open. Returns whether it struck. */
  struck(now: number, idle: boolean): boolean {
    const last = this.lastPingAt;
    this.lastPingAt = now;
    if (last === undefined) return false;
    const allowedGap = idle && !this.policy.permitWithoutCalls ? IDLE_PING_INTERVAL_MS : this.policy.minTimeMs;
    if (now - last >= allowedGap) return false;
    this.strikes++;
    return true;
  }

  /** True once the strikes are past what the policy tolerates. */
  exceeded(): boolean {
    return this.policy.maxPingStrikes !== 0 && this.strikes > this.policy.maxPingStrikes;
  }
}

const kStrikes = Symbol('h2doctor.pingStrikes');

type PolicedSession = ServerHttp2Session & { [kStrikes]?: SessionPolicing };

interface SessionPolicing {
  strikes: PingStrikes;
  enforcer: KeepaliveEnforcer;
  /** Streams open now on this session. */
  openStreams: () => number;
  /** The GOAWAY went out: later PINGs are not judged again. */
  cut: boolean;
}

/** Enforces the policy on the sessions it is given, and counts what it did. */
export class KeepaliveEnforcer {
  readonly counters: KeepaliveCounters = { pingsReceived: 0, strikes: 0, tooManyPingsGoaways: 0 };

  constructor(readonly policy: KeepalivePolicy, readonly clock: Clock) {}

  /** Starts judging the PINGs of `session`; `openStreams` tells how many streams it has open. */
  watch(session: ServerHttp2Session, openStreams: () => number): void {
    const s = session as PolicedSession;
    if (s[kStrikes] !== undefined) return;
    s[kStrikes] = { strikes: new PingStrikes(this.policy), enforcer: this, openStreams, cut: false };
    session.on('ping', onPolicedPing);
  }

  /** Stops judging `session`. */
  unwatch(session: ServerHttp2Session): void {
    const s = session as PolicedSession;
    if (s[kStrikes] === undefined) return;
    session.removeListener('ping', onPolicedPing);
    delete s[kStrikes];
  }
}

function onPolicedPing(this: PolicedSession): void {
  const p = this[kStrikes];
  if (p === undefined || p.cut || this.destroyed) return;
  const { enforcer } = p;
  enforcer.counters.pingsReceived++;
  if (!p.strikes.struck(enforcer.clock.now(), p.openStreams() === 0)) return;
  enforcer.counters.strikes++;
  if (!p.strikes.exceeded()) return;
  p.cut = true;
  enforcer.counters.tooManyPingsGoaways++;
  if (enforcer.policy.afterGoaway === 'close') return closeAfterGoaway(this);
  // Last-stream-id 0 lets nghttp2 put the last stream it processed there: those streams finish.
  this.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM, 0, Buffer.from(TOO_MANY_PINGS));
  // close() waits for open streams; it sends a second GOAWAY (NO_ERROR, same last-stream-id),
  // which RFC 9113 §6.8 allows and clients ignore once the first has arrived.
  this.close();
  // A client that keeps the connection open after the GOAWAY gets CUT_AFTER_MS, then is cut.
  const session = this;
  setTimeout(function cutLingeringSession() {
    if (!session.destroyed) session.destroy();
  }, CUT_AFTER_MS).unref();
}

/**
 * grpc-go's and C-core's way: the GOAWAY names the last stream received (those were
 * processed, so a client must not re-send them blindly, RFC 9113 §6.8), then the connection
 * closes; destroy() flushes the queued GOAWAY before it ends the socket.
 */
function closeAfterGoaway(session: ServerHttp2Session): void {
  session.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM, session.state.lastProcStreamID ?? 0, Buffer.from(TOO_MANY_PINGS));
  setImmediate(function closeTooManyPingsSession() {
    if (!session.destroyed) session.destroy();
  });
}

/** How long the streams below last-stream-id may run after the too_many_pings GOAWAY. */
const CUT_AFTER_MS = 10_000;

/** The policy's Prometheus counters, read from `counters` at scrape (docs/metrics.md). */
export function registerKeepaliveMetrics(counters: KeepaliveCounters, registry: Registry, prefix: string): () => void {
  const registers = [registry];
  const names = [`${prefix}keepalive_pings_received_total`, `${prefix}keepalive_ping_strikes_total`, `${prefix}keepalive_too_many_pings_total`];
  new Counter({
    name: names[0]!, help: 'PING frames received from clients (ACKs not counted).', registers,
    collect() { this.reset(); this.inc(counters.pingsReceived); },
  });
  new Counter({
    name: names[1]!, help: 'PINGs that broke the keep-alive policy (too soon, or with no call open).', registers,
    collect() { this.reset(); this.inc(counters.strikes); },
  });
  new Counter({
    name: names[2]!, help: 'Sessions closed with GOAWAY ENHANCE_YOUR_CALM "too_many_pings".', registers,
    collect() { this.reset(); this.inc(counters.tooManyPingsGoaways); },
  });
  return () => {
    for (const n of names) registry.removeSingleMetric(n);
  };
}
