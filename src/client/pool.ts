import type { Clock } from '../clock.js';
import { ClientClosedError, ConnectError, type H2DoctorError } from '../errors.js';
import type { KeepaliveState } from './keepalive.js';
import { UNPROCESSED } from './retry-policy.js';
import { PooledSession, type RetireReason, type SessionTlsOptions } from './session.js';

/**
 * The sessions to one endpoint. One session is reused for everything; a second opens only
 * when every open session is at the peer's SETTINGS_MAX_CONCURRENT_STREAMS (RFC 9113
 * §5.1.2), and requests queue rather than exceed it (undici can exceed it, its #5134).
 * Retired sessions (GOAWAY, PING timeout, request quota, idle) drain and close; the next
 * request opens a fresh one, resuming the TLS session from the newest ticket.
 */

export interface PoolOptions {
  /** Close a session idle this long; below common server idle timeouts. Default 50 000 ms. */
  idleTimeoutMs?: number;
  /** PING interval; 0 turns keepalive off. Default 10 000 ms. */
  pingIntervalMs?: number;
  /** PING acknowledgement timeout. Default 5 000 ms. */
  pingTimeoutMs?: number;
  /** Retire a session after this many streams. Default 100 000. */
  maxRequestsPerSession?: number;
  /** Sessions per endpoint at most; beyond that requests queue. Default 10. */
  maxSessions?: number;
  /** Set by the client from its `keepalive` option (gRPC keep-alive); overrides the PING settings. */
  keepalive?: KeepaliveState;
  /** Streams per session at most when the peer allows more. Default 1000. */
  maxStreamsPerSession?: number;
  /** TCP + TLS + SETTINGS within this. Default 5 000 ms. */
  connectTimeoutMs?: number;
}

/** A phase of a request that can be cut short (waiting in the queue, on a stream, backing off). */
export interface Cancellable {
  cancel(err: H2DoctorError): void;
}

/**
 * Where whoever currently holds a request (the queue, then the stream) registers itself to
 * be cancelled, so one deadline and one abort listener per request cover every phase.
 */
export interface CancelSlot {
  phase: Cancellable | undefined;
}

/** Counters for one endpoint's pool; every field is cumulative unless it says "now". */
export interface PoolStats {
  /** Sessions opened (connections made). */
  sessionsOpened: number;
  /** Sessions open now. */
  sessionsOpen: number;
  /** Streams opened across all sessions. */
  streams: number;
  /** Share of streams sent on an already-open session: 1 − sessionsOpened ÷ streams. */
  reuseRatio: number;
  /** Sessions retired, by reason. */
  retired: Record<RetireReason, number>;
  /** Connections that resumed a TLS session. */
  tlsResumed: number;
  /** Connection attempts that failed. */
  connectFailures: number;
  /** Requests waiting for a stream slot now. */
  queued: number;
  /** Most concurrent streams the peer allowed on any session (0 before the first). */
  peerMaxConcurrentStreams: number;
}

/** A request queued for a stream slot; cancelling takes it out of the queue. */
class Waiter implements Cancellable {
  constructor(
    readonly pool: { dequeue(w: Waiter): void },
    readonly resolve: (s: PooledSession) => void,
    readonly reject: (err: H2DoctorError) => void,
    readonly slot: CancelSlot,
    /** Sessions this request must not use (a hedge or a retry after a per-try timeout). */
    readonly avoid: ReadonlySet<PooledSession> | undefined,
  ) {}

  cancel(err: H2DoctorError): void {
    this.pool.dequeue(this);
    this.reject(err);
  }
}

export interface PoolEvents {
  /** A connection attempt failed (refused, TLS, timeout): passive health input. */
  connectFailed(err: H2DoctorError): void;
  /** A connection came up. */
  connected(): void;
}

export class EndpointPool {
  private readonly sessions: PooledSession[] = [];
  private readonly waiters: Waiter[] = [];
  private tlsTicket: Buffer | undefined;
  private closed = false;
  private readonly opts: Required<Omit<PoolOptions, 'keepalive'>>;
  /** The client's gRPC keep-alive state, shared by its sessions; undefined: plain PINGs. */
  private readonly keepalive: KeepaliveState | undefined;
  private readonly counters: Omit<PoolStats, 'sessionsOpen' | 'reuseRatio' | 'queued'> = {
    sessionsOpened: 0,
    streams: 0,
    retired: { goaway: 0, 'ping-timeout': 0, 'max-requests': 0, idle: 0, closed: 0, error: 0, 'client-close': 0, 'dns-change': 0, outpaced: 0 },
    tlsResumed: 0,
    connectFailures: 0,
    peerMaxConcurrentStreams: 0,
  };

  constructor(
    readonly origin: URL,
    private readonly tls: SessionTlsOptions,
    options: PoolOptions,
    private readonly clock: Clock,
    private readonly events: PoolEvents,
    /** How new sessions resolve the host name (custom resolution); undefined: getaddrinfo. */
    private readonly lookup: import('node:net').LookupFunction | undefined = undefined,
  ) {
    this.keepalive = options.keepalive;
    this.opts = {
      idleTimeoutMs: options.idleTimeoutMs ?? 50_000,
      pingIntervalMs: options.pingIntervalMs ?? 10_000,
      pingTimeoutMs: options.pingTimeoutMs ?? 5_000,
      maxRequestsPerSession: options.maxRequestsPerSession ?? 100_000,
      maxSessions: options.maxSessions ?? 10,
      maxStreamsPerSession: options.maxStreamsPerSession ?? 1000,
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
    };
  }

  /**
   * A session with one stream slot reserved for the caller (`streamOpened` already counted);
   * synchronous when a slot is free, else a promise that waits in FIFO order.
   */
  acquire(slot: CancelSlot, avoid?: ReadonlySet<PooledSession>, staleConnectMs?: number): PooledSession | Promise<PooledSession> {
    if (this.closed) throw new ClientClosedError('client closed');
    if (this.waiters.length === 0 || avoid !== undefined) {
      const s = this.findFree(avoid);
      if (s) {
        this.take(s);
        return s;
      }
    }
    return new Promise<PooledSession>((resolve, reject) => {
      const waiter = new Waiter(this, resolve, reject, slot, avoid);
      this.waiters.push(waiter);
      slot.phase = waiter;
      this.grow(avoid, staleConnectMs);
    });
  }

  /**
   * Cancels the exchanges in flight on every session with `err` (waiting for headers only,
   * or bodies too when `all`); returns how many.
   */
  cancelInFlight(err: H2DoctorError, all: boolean): number {
    let n = 0;
    for (const s of [...this.sessions]) n += s.cancelExchanges(err, all);
    return n;
  }

  /** Takes a cancelled request out of the queue (called by its Waiter). */
  dequeue(waiter: Waiter): void {
    const i = this.waiters.indexOf(waiter);
    if (i >= 0) this.waiters.splice(i, 1);
    if (waiter.slot.phase === waiter) waiter.slot.phase = undefined;
  }

  /** Stats for this endpoint now. */
  stats(): PoolStats {
    const c = this.counters;
    return {
      ...c,
      retired: { ...c.retired },
      sessionsOpen: this.sessions.length,
      reuseRatio: c.streams === 0 ? 0 : Math.max(0, 1 - c.sessionsOpened / c.streams),
      queued: this.waiters.length,
    };
  }

  /** Sessions open now (for tests and diagnostics). */
  openSessions(): readonly PooledSession[] {
    return this.sessions;
  }

  /**
   * Fails every queued request with `err` (marked unprocessed: nothing was sent), so they
   * go elsewhere now instead of waiting on a connection to an endpoint found dead.
   */
  rejectQueued(err: H2DoctorError): void {
    (err as unknown as Record<symbol, boolean>)[UNPROCESSED] = true;
    for (const w of this.waiters.splice(0)) {
      if (w.slot.phase === w) w.slot.phase = undefined;
      w.reject(err);
    }
  }

  /**
   * Opens another session for the queue when every connecting one has been connecting for
   * `staleConnectMs` or more (a hedged request found its connection slow to come up).
   */
  openPastStalled(staleConnectMs: number): void {
    this.grow(undefined, staleConnectMs);
  }

  /** A live session still waiting for the peer's SETTINGS, if any (a hedge should not wait on it too). */
  connecting(): PooledSession | undefined {
    for (const s of this.sessions) if (s.retiredBy === undefined && !s.isReady) return s;
    return undefined;
  }

  /** Retires (gracefully) the sessions connected to an address not in `live`: DNS moved the name. */
  retireMovedAway(live: ReadonlySet<string>): void {
    for (const s of [...this.sessions]) {
      const address = s.remoteAddress;
      if (address !== undefined && !live.has(address)) s.retire('dns-change');
    }
  }

  /** Closes every session gracefully and fails queued requests with ClientClosedError. */
  close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new ClientClosedError('client closed while the request was queued'));
    const done = this.sessions.map(
      (s) => new Promise<void>((resolve) => {
        if (s.h2.destroyed) return resolve();
        s.h2.once('close', () => resolve());
        s.retire('client-close');
        s.h2.close();
      }),
    );
    return Promise.all(done).then(() => undefined);
  }

  /**
   * Destroys every session now: queued requests and those in flight fail with `err` (the
   * client's typed reason) rather than with whatever the torn-down socket would say.
   */
  destroy(err: H2DoctorError = new ClientClosedError('client destroyed')): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(err);
    this.cancelInFlight(err, true);
    for (const s of [...this.sessions]) s.destroy('client-close');
  }

  private findFree(avoid: ReadonlySet<PooledSession> | undefined): PooledSession | undefined {
    // The first session with room: concentrate streams on the oldest session so the others
    // drain and idle out (RFC 9113 §9.1: clients SHOULD NOT open more than one connection).
    for (let i = 0; i < this.sessions.length; i++) {
      const s = this.sessions[i];
      if (s.canTake() && (avoid === undefined || !avoid.has(s))) return s;
    }
    return undefined;
  }

  private take(s: PooledSession): void {
    s.streamOpened();
    this.counters.streams++;
  }

  /**
   * Opens a session when requests wait and no open or connecting session can serve them;
   * `avoid` are sessions the newest waiter may not use, so it does not count as room, and
   * sessions connecting for `staleConnectMs` or more do not count either.
   */
  private grow(avoid?: ReadonlySet<PooledSession>, staleConnectMs?: number): void {
    if (this.closed || this.waiters.length === 0) return;
    const now = staleConnectMs === undefined ? 0 : this.clock.now();
    for (const s of this.sessions) {
      if (s.retiredBy !== undefined || avoid?.has(s)) continue;
      if (!s.isReady) {
        // A hedge or a retry after a per-try timeout does not wait on a connection that has
        // been connecting longer than that request already waited: it may be the slow path.
        if (staleConnectMs !== undefined && now - s.openedAt >= staleConnectMs) continue;
        return; // one is connecting: it will take the queue
      }
      if (s.active < s.maxStreams) return;
    }
    const live = this.sessions.filter((s) => s.retiredBy === undefined).length;
    if (live >= this.opts.maxSessions) return;
    this.open();
  }

  private open(): void {
    this.counters.sessionsOpened++;
    const session = new PooledSession(
      {
        origin: this.origin,
        lookup: this.lookup,
        tls: this.tls,
        tlsSession: this.tlsTicket,
        onTlsSession: (ticket) => {
          this.tlsTicket = ticket;
        },
        maxStreams: this.opts.maxStreamsPerSession,
        maxRequests: this.opts.maxRequestsPerSession,
        pingIntervalMs: this.opts.pingIntervalMs,
        pingTimeoutMs: this.opts.pingTimeoutMs,
        keepalive: this.keepalive,
        idleTimeoutMs: this.opts.idleTimeoutMs,
        connectTimeoutMs: this.opts.connectTimeoutMs,
        clock: this.clock,
      },
      {
        capacity: (s) => this.onCapacity(s),
        retired: (s, reason) => this.onRetired(s, reason),
        closed: (s) => this.onClosed(s),
      },
    );
    this.sessions.push(session);
  }

  private onCapacity(s: PooledSession): void {
    if (s.streams === 0 && s.isReady) {
      if (s.tlsResumed) this.counters.tlsResumed++;
      if (s.maxStreams > this.counters.peerMaxConcurrentStreams) this.counters.peerMaxConcurrentStreams = s.maxStreams;
      if (s.active === 0 && !this.connectedOnce.has(s)) {
        this.connectedOnce.add(s);
        this.events.connected();
      }
    }
    for (let i = 0; i < this.waiters.length && s.canTake(); ) {
      const w = this.waiters[i];
      if (w.avoid?.has(s)) {
        i++;
        continue;
      }
      this.waiters.splice(i, 1);
      if (w.slot.phase === w) w.slot.phase = undefined;
      this.take(s);
      w.resolve(s);
    }
    this.grow();
  }

  /** Sessions whose first capacity event was reported (so `connected` fires once each). */
  private readonly connectedOnce = new WeakSet<PooledSession>();

  private onRetired(s: PooledSession, reason: RetireReason): void {
    this.counters.retired[reason]++;
    // A connection that failed before SETTINGS is handled when it closes (queued requests
    // fail over); reconnecting here would spin on a dead endpoint.
    if (!s.isReady) return;
    // Queued requests need a new session now rather than when this one finishes draining.
    this.grow();
  }

  private onClosed(s: PooledSession): void {
    if (s.retiredBy === 'closed') this.counters.retired.closed++;
    const i = this.sessions.indexOf(s);
    if (i >= 0) this.sessions.splice(i, 1);
    if (!s.isReady) {
      this.counters.connectFailures++;
      const err = s.connectError ?? new ConnectError(`connect ${this.origin.host}: connection failed`);
      // Nothing was sent on a connection that never came up.
      (err as unknown as Record<symbol, boolean>)[UNPROCESSED] = true;
      this.events.connectFailed(err);
      // The requests waiting for this connection never left the process: fail them with the
      // connect error (retryable elsewhere) unless another session can still take them.
      if (!this.sessions.some((o) => o.retiredBy === undefined)) {
        for (const w of this.waiters.splice(0)) w.reject(err);
      }
      return;
    }
    this.grow();
  }
}
