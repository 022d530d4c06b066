import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { ConfigError } from '../errors.js';

/**
 * Endpoints given by host name are re-resolved, so a failover done in DNS reaches a client
 * whose connections would otherwise stay on the old address for their whole life (HTTP/2
 * sessions live for hours; the incident's multi-zone set-up was hit by exactly this). The
 * name is resolved when its TTL ends, or every `refreshMs`, whichever is sooner. When the
 * address set changes, sessions to addresses no longer in it are retired gracefully (their
 * streams finish) and new sessions connect to the new addresses.
 *
 * TTLs come from the DNS answer when the client asks DNS servers itself (`servers`, node's
 * Resolver with `ttl: true`); getaddrinfo, the default, does not report them, so then only
 * `refreshMs` applies.
 */

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
  /** Time to live from the DNS answer, when known. */
  ttlSeconds?: number;
}

/** Resolves a host name to its addresses (a custom resolver, service discovery, tests). */
export type HostLookup = (hostname: string) => Promise<ResolvedAddress[]>;

export interface NameResolutionOptions {
  /** Re-resolve at least this often. Default 30 000 ms. */
  refreshMs?: number;
  lookup?: HostLookup;
  /** DNS servers to ask ('127.0.0.1:5353'); answers carry TTLs. */
  servers?: string[];
}

/** The shortest re-resolution interval: a TTL of 0 must not turn into a busy loop. */
const MIN_REFRESH_MS = 500;

function systemLookup(): HostLookup {
  return async function lookupWithGetaddrinfo(hostname) {
    const found = await dns.promises.lookup(hostname, { all: true });
    return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
  };
}

function serverLookup(servers: string[]): HostLookup {
  const resolver = new dns.promises.Resolver();
  resolver.setServers(servers);
  return async function lookupWithDnsServers(hostname) {
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(hostname, { ttl: true }), resolver.resolve6(hostname, { ttl: true })]);
    const out: ResolvedAddress[] = [];
    if (v4.status === 'fulfilled') for (const a of v4.value) out.push({ address: a.address, family: 4, ttlSeconds: a.ttl });
    if (v6.status === 'fulfilled') for (const a of v6.value) out.push({ address: a.address, family: 6, ttlSeconds: a.ttl });
    if (out.length === 0 && v4.status === 'rejected') throw v4.reason;
    return out;
  };
}

export class NameWatch {
  /** The addresses of the last successful resolution (empty before the first). */
  addresses: ResolvedAddress[] = [];
  /** Resolutions done, and those that failed (the old addresses are kept then). */
  resolutions = 0;
  failures = 0;
  private readonly refreshMs: number;
  private readonly lookup: HostLookup;
  /** Resolved by a custom lookup or DNS servers, not getaddrinfo: sessions must use `next()`. */
  readonly custom: boolean;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Rotates new sessions over the addresses. */
  private turn = 0;

  constructor(
    readonly hostname: string,
    options: NameResolutionOptions,
    /** The address set changed (not called for the first resolution). */
    private readonly changed: (live: ReadonlySet<string>) => void,
  ) {
    this.refreshMs = options.refreshMs ?? 30_000;
    if (!(this.refreshMs >= MIN_REFRESH_MS)) throw new ConfigError(`dnsRefreshMs must be at least ${MIN_REFRESH_MS}, got ${options.refreshMs}`);
    this.custom = options.lookup !== undefined || (options.servers?.length ?? 0) > 0;
    this.lookup = options.lookup ?? (options.servers?.length ? serverLookup(options.servers) : systemLookup());
    this.resolve();
  }

  /** The address the next session should connect to; undefined before the first answer. */
  next(): ResolvedAddress | undefined {
    const list = this.addresses;
    if (list.length === 0) return undefined;
    return list[this.turn++ % list.length];
  }

  /** Waiting for the first answer (connections made before it). */
  private firstWaiters: Array<() => void> = [];

  /**
   * A `lookup` for net/tls.connect that answers from this watch: the next address, or, before
   * the first answer, once it arrived. Sessions connect through it when the resolution is
   * custom, so a connection never asks getaddrinfo about a name only these servers know.
   */
  readonly netLookup: LookupFunction = (_hostname, options, callback) => {
    const answer = (): void => {
      const a = this.next();
      if (a === undefined) {
        callback(Object.assign(new Error(`${this.hostname}: no address from the resolver`), { code: 'ENOTFOUND' }), '', 4);
        return;
      }
      if ((options as { all?: boolean }).all) (callback as unknown as (e: null, list: { address: string; family: number }[]) => void)(null, [{ address: a.address, family: a.family }]);
      else callback(null, a.address, a.family);
    };
    if (this.addresses.length > 0 || this.resolutions + this.failures > 0) answer();
    else this.firstWaiters.push(answer);
  };

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private resolve(): void {
    this.lookup(this.hostname).then(
      (found) => {
        if (this.stopped) return this.wakeFirst();
        this.resolutions++;
        if (found.length > 0) {
          const before = this.addresses;
          this.addresses = found;
          const same = before.length === found.length && before.every((a) => found.some((f) => f.address === a.address));
          if (before.length > 0 && !same) this.changed(new Set(found.map((f) => f.address)));
        }
        this.wakeFirst();
        let ttlMs = Infinity;
        for (const a of found) if (a.ttlSeconds !== undefined) ttlMs = Math.min(ttlMs, a.ttlSeconds * 1000);
        this.schedule(Math.min(this.refreshMs, Math.max(MIN_REFRESH_MS, ttlMs)));
      },
      () => {
        this.failures++;
        this.wakeFirst();
        if (this.stopped) return;
        this.schedule(Math.min(this.refreshMs, 5000));
      },
    );
  }

  private wakeFirst(): void {
    const waiters = this.firstWaiters;
    this.firstWaiters = [];
    for (const w of waiters) w();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.resolve();
    }, ms);
    // Re-resolution never keeps the process alive.
    this.timer.unref();
  }
}
