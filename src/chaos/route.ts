import net, { type Server, type Socket } from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import type { Clock } from '../clock.js';
import { ConfigError, fromSystemError } from '../errors.js';
import { ChaosConnection, resetSocket, type RouteContext } from './connection.js';
import { isFrameFault, nameFaults, type Fault } from './fault-spec.js';
import type { SharedLink } from './fault-decisions.js';
import type { FaultLog } from './fault-log.js';
import { ReadRelay } from './read-relay.js';

/**
 * One route: a listener, an upstream address, and the fault set applied to its connections.
 * The fault set may change at any time (set(), the toxiproxy API, a scenario phase); live
 * connections pick the change up on their next chunk.
 */

/** `host:port` split; IPv6 in brackets. */
export function parseHostPort(text: string, what: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new ConfigError(`${what}: '${text}' is not HOST:PORT (e.g. 127.0.0.1:8080)`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

export interface TlsTermination {
  /** PEM certificate chain and key the proxy presents to clients. */
  cert: string | Buffer;
  key: string | Buffer;
  /** CA to verify the upstream with; without it the upstream certificate is not checked (test labs). */
  upstreamCa?: string | Buffer;
}

export interface RouteOptions {
  name: string;
  listen: string;
  upstream: string;
  faults: readonly Fault[];
  seed: number;
  clock: Clock;
  origin: number;
  log: FaultLog;
  tls?: TlsTermination;
  /** Decode HTTP/2 even without frame faults (scenario phases counting streams). */
  countStreams?: boolean;
  /** Called when a client opens a stream. */
  onStream?: () => void;
  /** Called on each accepted connection. */
  onConnection?: () => void;
}

/** Per-route counters. */
export interface RouteStats {
  /** Connections accepted since start. */
  connections: number;
  /** Connections open now. */
  active: number;
  /** Connections whose upstream could not be reached. */
  upstreamFailures: number;
  /** Client-initiated streams seen (frame-aware connections only). */
  streams: number;
  /** Bytes client→upstream and upstream→client. */
  bytesUp: number;
  bytesDown: number;
}

export class ChaosRoute implements RouteContext {
  /** Route name: as given, else the bound listen address. */
  name: string;
  upstream: string;
  readonly seed: number;
  readonly clock: Clock;
  readonly origin: number;
  readonly log: FaultLog;
  private server: Server | undefined;
  private current: { version: number; faults: readonly Fault[] };
  private readonly live = new Set<ChaosConnection>();
  /** Links shared by all this route's connections (bandwidth `link=shared`), per direction. */
  readonly sharedLinks = { up: new Map<string, SharedLink>(), down: new Map<string, SharedLink>() };
  private readonly pending = new Set<Socket>();
  /** Raw sockets of TLS connections (handshake in progress or done). */
  private readonly handshaking = new Set<Socket>();
  private nextConnId = 1;
  private closedBytes = { up: 0, down: 0 };
  readonly counters = { connections: 0, upstreamFailures: 0, streams: 0 };
  /** Address actually bound (port resolved). */
  listenAddress = '';
  enabled = false;

  constructor(private readonly options: RouteOptions) {
    this.name = options.name;
    this.upstream = options.upstream;
    this.seed = options.seed;
    this.clock = options.clock;
    this.origin = options.origin;
    this.log = options.log;
    this.current = { version: 0, faults: nameFaults(options.faults) };
  }

  faults(): { version: number; faults: readonly Fault[] } {
    return this.current;
  }

  /** Replaces the fault set; live connections apply it from their next chunk. */
  setFaults(faults: readonly Fault[]): void {
    this.current = { version: this.current.version + 1, faults: nameFaults(faults) };
    for (const c of this.live) c.refresh();
  }

  frameAware(): boolean {
    return this.options.countStreams === true || this.current.faults.some(isFrameFault);
  }

  onStream(): void {
    this.counters.streams++;
    this.options.onStream?.();
  }

  /** Starts listening; resolves with the bound address. */
  async listen(listen = this.options.listen, signal?: AbortSignal): Promise<string> {
    const { host, port } = parseHostPort(listen, 'listen');
    const onSocket = (s: Socket) => this.accept(s);
    const t = this.options.tls;
    const server = t
      ? tls.createServer({ cert: t.cert, key: t.key, ALPNProtocols: ['h2', 'http/1.1'], allowHalfOpen: true }, onSocket)
      : net.createServer({ allowHalfOpen: true, noDelay: true }, onSocket);
    if (t) {
      server.on('tlsClientError', () => {});
      // Sockets still in the TLS handshake are not ours yet; track them so close() is prompt.
      server.on('connection', (raw: Socket) => {
        this.handshaking.add(raw);
        raw.once('close', () => this.handshaking.delete(raw));
      });
    }
    server.listen({ host, port, signal });
    try {
      await once(server, 'listening');
    } catch (err) {
      throw fromSystemError(err, `listen ${listen}`);
    }
    this.server = server;
    this.enabled = true;
    const a = server.address() as net.AddressInfo;
    this.listenAddress = a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
    if (this.name === '') this.name = this.listenAddress;
    return this.listenAddress;
  }

  private accept(client: Socket): void {
    const connId = this.nextConnId++;
    this.counters.connections++;
    this.options.onConnection?.();
    client.setNoDelay(true);
    const { host, port } = parseHostPort(this.upstream, 'upstream');
    const t = this.options.tls;
    const alpn = t ? (client as tls.TLSSocket).alpnProtocol : false;
    // Plain TCP upstreams read into a reused buffer (read-relay.ts); TLS sockets cannot.
    const reads = t ? undefined : new ReadRelay();
    const upstream: Socket = t
      ? tls.connect({
          host, port, allowHalfOpen: true, servername: net.isIP(host) ? undefined : host,
          ALPNProtocols: alpn ? [alpn] : undefined,
          ca: t.upstreamCa, rejectUnauthorized: t.upstreamCa !== undefined,
        } as tls.ConnectionOptions)
      : net.connect({ host, port, allowHalfOpen: true, noDelay: true, onread: reads!.onread });
    this.pending.add(client);
    const onEarlyClientError = () => {
      this.pending.delete(client);
      upstream.destroy();
    };
    client.once('error', onEarlyClientError);
    client.once('close', onEarlyClientError);
    upstream.once(t ? 'secureConnect' : 'connect', () => {
      this.pending.delete(client);
      client.removeListener('error', onEarlyClientError);
      client.removeListener('close', onEarlyClientError);
      if (client.destroyed) {
        upstream.destroy();
        return;
      }
      upstream.setNoDelay(true);
      const conn = new ChaosConnection(client, upstream, connId, this, reads);
      this.live.add(conn);
      void conn.closed().then(() => {
        this.live.delete(conn);
        this.closedBytes.up += conn.up.bytes;
        this.closedBytes.down += conn.down.bytes;
      });
    });
    upstream.once('error', (err) => {
      if (!this.pending.delete(client)) return;
      // The upstream is down: the client gets a prompt reset, the route keeps serving.
      this.counters.upstreamFailures++;
      this.log.record({
        t: this.clock.now() - this.origin, route: this.name, conn: connId, dir: 'both',
        fault: 'upstream-down', detail: fromSystemError(err, `connect ${this.upstream}`).message,
      });
      client.removeListener('close', onEarlyClientError);
      resetSocket(client);
    });
  }

  stats(): RouteStats {
    let up = this.closedBytes.up, down = this.closedBytes.down;
    for (const c of this.live) {
      up += c.up.bytes;
      down += c.down.bytes;
    }
    return { ...this.counters, active: this.live.size, bytesUp: up, bytesDown: down };
  }

  /** Stops accepting and drops every connection (toxiproxy: disabling a proxy). */
  async close(): Promise<void> {
    this.enabled = false;
    const server = this.server;
    this.server = undefined;
    for (const s of this.pending) s.destroy();
    this.pending.clear();
    for (const s of this.handshaking) s.destroy();
    this.handshaking.clear();
    const conns = [...this.live];
    for (const c of conns) c.destroy();
    if (server) await new Promise<void>((r) => server.close(() => r()));
    await Promise.all(conns.map((c) => c.closed()));
  }
}
