import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import type { Clock } from '../clock.js';
import type { KeepaliveState } from './keepalive.js';
import { ConnectionClosedError, fromSystemError, H2ErrorCode, TimeoutError, type H2DoctorError } from '../errors.js';

/**
 * One pooled node:http2 client session and its accounting: how many streams the peer lets
 * us open (SETTINGS_MAX_CONCURRENT_STREAMS, RFC 9113 §5.1.2), how many are open, and why
 * the session stops taking new requests ("retired"): GOAWAY (RFC 9113 §6.8), a PING that was
 * never acknowledged (§6.7), its request quota, idleness, or the connection closing.
 */

export type RetireReason = 'goaway' | 'ping-timeout' | 'max-requests' | 'idle' | 'closed' | 'error' | 'client-close' | 'dns-change' | 'outpaced';

export interface SessionTlsOptions {
  /** Trust anchors (PEM). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Default true. */
  rejectUnauthorized?: boolean;
  /** SNI and certificate name; defaults to the URL's host name. */
  servername?: string;
}

export interface SessionOptions {
  origin: URL;
  /** Resolves the URL's host name for this connection (custom resolution); default: getaddrinfo. */
  lookup: net.LookupFunction | undefined;
  tls: SessionTlsOptions;
  /** TLS session ticket from an earlier connection to resume (RFC 8446 §2.2). */
  tlsSession: Buffer | undefined;
  /** Called with each new ticket the server sends, to resume the next connection. */
  onTlsSession: (ticket: Buffer) => void;
  /** Upper bound on concurrent streams when the peer sets none (or more). */
  maxStreams: number;
  /** Streams after which the session is retired. */
  maxRequests: number;
  /** PING every this many ms (0 = never). */
  pingIntervalMs: number;
  /** gRPC keep-alive (keepalive.ts): overrides the PING interval and timeout when set. */
  keepalive?: KeepaliveState;
  /** Retire and destroy the session if a PING is not acknowledged within this. */
  pingTimeoutMs: number;
  /** Close the session after this long with no stream open. */
  idleTimeoutMs: number;
  /** Give up connecting (TCP + TLS + peer SETTINGS) after this. */
  connectTimeoutMs: number;
  clock: Clock;
}

/** Callbacks the pool gives a session. */
export interface SessionEvents {
  /** The session can take streams (SETTINGS arrived, or a slot freed). */
  capacity(session: PooledSession): void;
  /** The session will take no more streams. */
  retired(session: PooledSession, reason: RetireReason): void;
  /** The connection is gone. */
  closed(session: PooledSession): void;
}

/** An exchange in flight on a session, linked into its list (no allocation per request). */
export interface SessionExchange {
  prevOnSession: SessionExchange | undefined;
  nextOnSession: SessionExchange | undefined;
  /** Response headers arrived. */
  readonly responded: boolean;
  /** Resets the stream with CANCEL and fails the attempt (or the body read) with `err`. */
  cancel(err: H2DoctorError): void;
}

let nextSessionId = 1;

export class PooledSession {
  /** Process-unique id, for logs and stats. */
  readonly id = nextSessionId++;
  readonly h2: http2.ClientHttp2Session;
  /** Resolves when the peer's SETTINGS arrived; rejects when connecting failed. */
  readonly ready: Promise<void>;
  /** True once the peer's first SETTINGS arrived. */
  isReady = false;
  /** Concurrent streams the peer allows, capped by our own bound. */
  maxStreams: number;
  /** Streams open now (counted from request until the stream's 'close'). */
  active = 0;
  /** Streams opened over the session's life. */
  streams = 0;
  /** Set once the session takes no new streams. */
  retiredBy: RetireReason | undefined;
  /** GOAWAY's last-stream-id, once one arrived. */
  goawayLastStreamId: number | undefined;
  /** GOAWAY's error code, once one arrived. */
  goawayCode: number | undefined;
  /** TLS session was resumed from a ticket (abbreviated handshake). */
  tlsResumed = false;
  /** The error that ended connecting, if it failed. */
  connectError: H2DoctorError | undefined;
  /** Clock time the connection was started. */
  readonly openedAt: number;
  /** Races its attempts lost to a hedge on another session since it last answered anything. */
  racesLost = 0;

  /** Exchanges in flight, newest first (for rescue and `destroy`). */
  private exchanges: SessionExchange | undefined;

  /** The TCP or TLS socket under the session (ours: destroy must not wait on the peer). */
  private readonly socket: net.Socket;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Clock time the session last went from busy to idle. */
  private idleSince: number;
  private pingTimer: NodeJS.Timeout | undefined;
  private pingDeadline: NodeJS.Timeout | undefined;
  private closedNotified = false;
  /** `peer`, once the socket told it. */
  private peerAddress: string | undefined;

  constructor(private readonly options: SessionOptions, private readonly events: SessionEvents) {
    this.maxStreams = Math.min(100, options.maxStreams);
    this.idleSince = options.clock.now();
    this.openedAt = this.idleSince;
    const { origin } = options;
    const secure = origin.protocol === 'https:';
    const port = Number(origin.port) || (secure ? 443 : 80);
    const name = origin.hostname.replace(/^\[|\]$/g, '');
    const host = name;
    const lookup = options.lookup;
    let socket: net.Socket;
    if (secure) {
      // SNI and the certificate check use the name, whatever address it resolved to.
      const servername = options.tls.servername ?? (net.isIP(name) ? undefined : name);
      const tlsSocket = tls.connect({
        host,
        port,
        ALPNProtocols: ['h2'],
        ca: options.tls.ca,
        rejectUnauthorized: options.tls.rejectUnauthorized ?? true,
        servername,
        session: options.tlsSession,
        ...(lookup ? { lookup } : {}),
      });
      // TLS 1.3 tickets arrive after the handshake, possibly more than one: keep the newest.
      tlsSocket.on('session', (ticket: Buffer) => options.onTlsSession(ticket));
      tlsSocket.once('secureConnect', () => {
        this.tlsResumed = tlsSocket.isSessionReused();
      });
      socket = tlsSocket;
    } else {
      socket = net.connect(lookup ? { host, port, lookup } : { host, port });
    }
    socket.setNoDelay(true);
    this.socket = socket;
    this.h2 = http2.connect(origin, { createConnection: () => socket, settings: { enablePush: false } });

    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = new TimeoutError(`connect ${origin.host}: no HTTP/2 SETTINGS within ${options.connectTimeoutMs} ms`);
        this.connectError = err;
        reject(err);
        this.h2.destroy();
      }, options.connectTimeoutMs);
      timer.unref();
      this.h2.once('remoteSettings', () => {
        clearTimeout(timer);
        this.isReady = true;
        resolve();
      });
      this.h2.once('close', () => {
        clearTimeout(timer);
        if (!this.isReady) {
          this.connectError ??= new ConnectionClosedError(`connect ${origin.host}: connection closed before SETTINGS`);
          reject(this.connectError);
        }
      });
    });
    // Nobody may be awaiting `ready` when connecting fails; the pool reads connectError.
    this.ready.catch(() => {});

    this.h2.on('remoteSettings', (settings) => this.onRemoteSettings(settings));
    this.h2.on('goaway', (code: number, lastStreamId: number, data?: Buffer) => this.onGoaway(code, lastStreamId, data));
    this.h2.on('error', (err: Error) => {
      if (!this.isReady) this.connectError ??= fromSystemError(err, `connect ${origin.host}`);
      this.retire('error');
    });
    this.h2.on('close', () => this.onClose());
    const pingIntervalMs = options.keepalive?.timeMs ?? options.pingIntervalMs;
    if (pingIntervalMs > 0) {
      this.pingTimer = setInterval(() => this.ping(), pingIntervalMs);
      this.pingTimer.unref();
    }
    this.armIdleTimer();
  }

  /** The peer's address, once connected. */
  get remoteAddress(): string | undefined {
    return this.h2.socket?.remoteAddress;
  }

  /**
   * `address:port` of the server this session is connected to (`[v6]:port`), as gRPC names a
   * peer; the origin's `host:port` before the socket knows it. Kept once known: the socket
   * forgets it when it closes.
   */
  get peer(): string {
    if (this.peerAddress !== undefined) return this.peerAddress;
    const address = this.socket.remoteAddress;
    if (address === undefined) return this.options.origin.host;
    this.peerAddress = `${address.includes(':') ? `[${address}]` : address}:${this.socket.remotePort}`;
    return this.peerAddress;
  }

  /** True when a new stream may be opened now. */
  canTake(): boolean {
    return this.isReady && this.retiredBy === undefined && this.active < this.maxStreams && !this.h2.destroyed && !this.h2.closed;
  }

  /** Counts a stream as opened; the caller must call `streamClosed` exactly once later. */
  streamOpened(): void {
    // An idle session must not keep the process alive; one with streams in flight must.
    if (this.active++ === 0) this.h2.ref();
    this.streams++;
    if (this.streams >= this.options.maxRequests) this.retire('max-requests');
  }

  /** Counts a stream as closed and tells the pool a slot is free. */
  streamClosed(): void {
    this.active--;
    if (this.active === 0) {
      this.h2.unref();
      this.idleSince = this.options.clock.now();
      if (this.retiredBy !== undefined) this.close();
      else this.armIdleTimer();
    }
    if (this.retiredBy === undefined) this.events.capacity(this);
  }

  /** Links an exchange in flight; `unlink` when its stream closes. */
  link(ex: SessionExchange): void {
    const head = this.exchanges;
    ex.prevOnSession = undefined;
    ex.nextOnSession = head;
    if (head !== undefined) head.prevOnSession = ex;
    this.exchanges = ex;
  }

  unlink(ex: SessionExchange): void {
    const prev = ex.prevOnSession;
    const next = ex.nextOnSession;
    if (prev === undefined) {
      if (this.exchanges === ex) this.exchanges = next;
    } else prev.nextOnSession = next;
    if (next !== undefined) next.prevOnSession = prev;
    ex.prevOnSession = undefined;
    ex.nextOnSession = undefined;
  }

  /**
   * Cancels the exchanges in flight with `err`: those still waiting for headers, or every
   * one (bodies being read too) when `all`. Returns how many were cancelled.
   */
  cancelExchanges(err: H2DoctorError, all: boolean): number {
    const list: SessionExchange[] = [];
    for (let ex = this.exchanges; ex !== undefined; ex = ex.nextOnSession) if (all || !ex.responded) list.push(ex);
    for (const ex of list) ex.cancel(err);
    return list.length;
  }

  /** Stops new streams; closes the connection once open streams are done. */
  retire(reason: RetireReason): void {
    if (this.retiredBy !== undefined) return;
    this.retiredBy = reason;
    this.clearTimers();
    this.events.retired(this, reason);
    if (this.active === 0) this.close();
  }

  /** Destroys the connection now; open streams fail. */
  destroy(reason: RetireReason, error?: Error): void {
    this.retire(reason);
    if (!this.h2.destroyed) this.h2.destroy(error);
    // After a graceful close() node only end()s the socket and waits for the peer's FIN,
    // which a frozen peer never sends: the socket (and the event loop) would stay alive.
    if (!this.socket.destroyed) this.socket.destroy();
  }

  private close(): void {
    if (!this.h2.closed && !this.h2.destroyed) this.h2.close();
  }

  private onRemoteSettings(settings: http2.Settings): void {
    // node fills in 2^32-1 when the peer sent no limit (unlimited, RFC 9113 §6.5.2): cap it.
    const limit = settings.maxConcurrentStreams ?? this.options.maxStreams;
    this.maxStreams = Math.max(0, Math.min(limit, this.options.maxStreams));
    if (this.retiredBy === undefined) this.events.capacity(this);
    if (this.active === 0) this.h2.unref();
  }

  private onGoaway(code: number, lastStreamId: number, data: Buffer | undefined): void {
    if (this.options.keepalive?.onGoaway(code, data) === true) keepStreamsAfterGoaway(this.h2);
    // RFC 9113 §6.8: streams above lastStreamId were not processed; node (nghttp2) closes them
    // with REFUSED_STREAM, and the request layer retries them on another session.
    this.goawayCode = code;
    this.goawayLastStreamId = Math.min(lastStreamId, this.goawayLastStreamId ?? lastStreamId);
    this.retire('goaway');
  }

  private onClose(): void {
    this.clearTimers();
    if (this.retiredBy === undefined) this.retiredBy = 'closed';
    if (this.closedNotified) return;
    this.closedNotified = true;
    this.events.closed(this);
  }

  private armIdleTimer(): void {
    if (this.idleTimer !== undefined || this.options.idleTimeoutMs <= 0) return;
    const fire = (): void => {
      this.idleTimer = undefined;
      if (this.retiredBy !== undefined) return;
      if (this.active > 0) return; // re-armed when it goes idle again
      // Still connecting: the connect timeout owns this phase, idleness starts at SETTINGS.
      const idleFor = this.isReady ? this.options.clock.now() - this.idleSince : 0;
      if (idleFor >= this.options.idleTimeoutMs) {
        this.retire('idle');
        return;
      }
      this.idleTimer = setTimeout(fire, this.options.idleTimeoutMs - idleFor);
      this.idleTimer.unref();
    };
    this.idleTimer = setTimeout(fire, this.options.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private ping(): void {
    if (!this.isReady || this.pingDeadline !== undefined || this.h2.destroyed || this.h2.closed) return;
    // gRPC keep-alive without permitWithoutCalls: no PING on a connection with no call open.
    const keepalive = this.options.keepalive;
    if (keepalive !== undefined && !keepalive.permitWithoutCalls && this.active === 0) return;
    this.pingDeadline = setTimeout(() => {
      this.pingDeadline = undefined;
      // RFC 9113 §6.7: a peer that does not ACK a PING is not reading the connection;
      // streams on it will not complete, so fail them now and let idempotent ones retry.
      this.destroy(
        'ping-timeout',
        new ConnectionClosedError(`${this.options.origin.host}: PING not acknowledged within ${this.options.keepalive?.timeoutMs ?? this.options.pingTimeoutMs} ms`, { h2Code: H2ErrorCode.NO_ERROR }),
      );
    }, this.options.pingTimeoutMs);
    this.pingDeadline.unref();
    const sent = this.h2.ping((err) => {
      if (this.pingDeadline !== undefined && !err) {
        clearTimeout(this.pingDeadline);
        this.pingDeadline = undefined;
      }
    });
    if (!sent && this.pingDeadline !== undefined) {
      clearTimeout(this.pingDeadline);
      this.pingDeadline = undefined;
    }
  }

  private clearTimers(): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer);
    if (this.pingDeadline !== undefined) clearTimeout(this.pingDeadline);
    this.idleTimer = undefined;
    this.pingTimer = undefined;
    this.pingDeadline = undefined;
  }
}

/**
 * Node destroys a session on any GOAWAY with an error code (lib/internal/http2/core.js,
 * onGoawayData), right after emitting 'goaway', which would cut the calls at or below
 * last-stream-id that the server may still finish (RFC 9113 §6.8). For too_many_pings the
 * connection is fine, only retired: the one destroy that follows becomes a graceful close.
 */
function keepStreamsAfterGoaway(h2: http2.ClientHttp2Session): void {
  const destroy = h2.destroy;
  h2.destroy = function closeInstead(this: http2.ClientHttp2Session) {
    this.destroy = destroy;
    if (!this.closed) this.close();
    return this;
  } as typeof destroy;
}
