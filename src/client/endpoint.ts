import type { Clock } from '../clock.js';
import { ConfigError, ConnectError } from '../errors.js';
import { CircuitBreaker, type BreakerOptions } from './breaker.js';
import type { EndpointCandidate } from './endpoint-selection.js';
import type { EjectionReason, OutlierTarget } from './outlier-detection.js';
import type { P2Quantile } from '../stats/p2-quantile.js';
import { NameWatch, type NameResolutionOptions } from './name-resolution.js';
import { isIP } from 'node:net';
import { EndpointPool, type PoolOptions } from './pool.js';
import type { SessionTlsOptions } from './session.js';

/**
 * One upstream the client may send to: its pool of sessions, its breaker, and what health
 * checks and passive ejection say about it.
 */

export interface EndpointConfig {
  /** `https://host:port` (or `http://` for cleartext h2c). */
  url: string;
  /** Availability zone label. Default 'default'. */
  zone?: string;
  /** Lower is preferred. Default 0. */
  priority?: number;
}

/** What the client hears from an endpoint. */
export interface EndpointEvents {
  /** Taken out of rotation (outlier detection, a failed connect, a failed health check). */
  ejected(endpoint: Endpoint, reason: EjectionReason, durationMs: number, at: number): void;
  /** Its health check failed: requests in flight there are rescued (see client.ts). */
  wentDark(endpoint: Endpoint): void;
}

export class Endpoint implements EndpointCandidate, OutlierTarget {
  readonly url: string;
  readonly origin: URL;
  readonly zone: string;
  readonly priority: number;
  readonly pool: EndpointPool;
  readonly breaker: CircuitBreaker;
  /** Last health check verdict; undefined before the first (or when checks are off). */
  healthy: boolean | undefined;
  /** Passive ejection after a failed connect lasts until this clock time. */
  ejectedUntil = 0;
  /** Requests in flight now. */
  inFlight = 0;
  /** Clock time of the first failure since the last success. */
  failingSince: number | undefined;
  /** Attempts sent to this endpoint (first tries and retries). */
  attempts = 0;
  /** Attempts that were retries. */
  retries = 0;
  /** Attempts that failed (error or 5xx). */
  failures = 0;
  /** Times passive ejection removed it (failed connects and outlier detection). */
  ejections = 0;
  // Outlier detection's state (see outlier-detection.ts).
  consecutiveFailures = 0;
  ejectionLevel = 0;
  outlierEjectedUntil = 0;
  intervalSuccesses = 0;
  intervalTotal = 0;
  /** Time-to-headers estimate behind hedge delay 'auto'. */
  hedgeLatency: P2Quantile | undefined = undefined;
  /** Re-resolution of the URL's host name; undefined for an IP literal. */
  private readonly names: NameWatch | undefined;

  constructor(
    config: EndpointConfig,
    tls: SessionTlsOptions,
    pool: PoolOptions,
    breaker: BreakerOptions,
    private readonly clock: Clock,
    private readonly ejectionMs: number,
    private readonly events: EndpointEvents,
    resolution: NameResolutionOptions = {},
  ) {
    let origin: URL;
    try {
      origin = new URL(config.url);
    } catch {
      throw new ConfigError(`endpoint url is not a URL: ${config.url}`);
    }
    if (origin.protocol !== 'https:' && origin.protocol !== 'http:') throw new ConfigError(`endpoint url must be https: or http:, got ${config.url}`);
    this.url = origin.origin;
    this.origin = origin;
    this.zone = config.zone ?? 'default';
    this.priority = config.priority ?? 0;
    this.breaker = new CircuitBreaker(breaker, clock);
    const hostname = origin.hostname.replace(/^\[|\]$/g, '');
    this.names = isIP(hostname) === 0 ? new NameWatch(hostname, resolution, (live) => this.pool.retireMovedAway(live)) : undefined;
    const names = this.names;
    this.pool = new EndpointPool(
      origin,
      tls,
      pool,
      clock,
      {
        connectFailed: () => this.eject(),
        connected: () => {
          this.ejectedUntil = 0;
        },
      },
      // With getaddrinfo every new connection resolves the name itself (node keeps no DNS
      // cache); with a custom lookup or DNS servers, sessions connect to what those said.
      names === undefined || !names.custom ? undefined : names.netLookup,
    );
  }

  /** Addresses the host name resolved to last (empty for an IP literal). */
  addresses(): string[] {
    return this.names === undefined ? [] : this.names.addresses.map((a) => a.address);
  }

  /** Stops re-resolving the host name (client closing). */
  stopResolving(): void {
    this.names?.stop();
  }

  /** Health not failing, not ejected, breaker letting calls through. */
  isAvailable(): boolean {
    if (this.healthy === false) return false;
    if (this.ejectedUntil > 0 && this.clock.now() < this.ejectedUntil) return false;
    if (this.outlierEjectedUntil > 0 && this.clock.now() < this.outlierEjectedUntil) return false;
    return this.breaker.isCallPermitted();
  }

  /** Available apart from outlier ejection (outlier detection's "could it serve" test). */
  canServeIgnoringOutlier(): boolean {
    if (this.healthy === false) return false;
    if (this.ejectedUntil > 0 && this.clock.now() < this.ejectedUntil) return false;
    return this.breaker.isCallPermitted();
  }

  /** Outlier detection ejected it. */
  ejected(reason: EjectionReason, durationMs: number, at: number): void {
    this.ejections++;
    this.events.ejected(this, reason, durationMs, at);
  }

  noteSuccess(): void {
    this.failingSince = undefined;
  }

  noteFailure(): void {
    this.failures++;
    this.failingSince ??= this.clock.now();
  }

  /** Takes the endpoint out of rotation for `ejectionMs` (a connection attempt failed). */
  eject(): void {
    this.noteFailure();
    this.ejections++;
    const now = this.clock.now();
    this.ejectedUntil = now + this.ejectionMs;
    this.events.ejected(this, 'connect-failure', this.ejectionMs, now);
  }

  /** Health check result: a pass ends a passive ejection early; a failure frees the queue. */
  setHealth(ok: boolean): void {
    const was = this.healthy;
    this.healthy = ok;
    if (ok) {
      this.ejectedUntil = 0;
      return;
    }
    this.failingSince ??= this.clock.now();
    if (was !== false) {
      this.events.ejected(this, 'health-check', 0, this.clock.now());
      this.events.wentDark(this);
    }
    // Requests queued for a connection to a dead endpoint would wait for the connect
    // timeout: send them to another endpoint now.
    this.pool.rejectQueued(new ConnectError(`${this.url}: health check failed while the request waited for a connection`));
  }
}
