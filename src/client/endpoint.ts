import type { Clock } from '../clock.js';
import { ConfigError, ConnectError } from '../errors.js';
import { CircuitBreaker, type BreakerOptions } from './breaker.js';
import type { EndpointCandidate } from './endpoint-selection.js';
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

export class Endpoint implements EndpointCandidate {
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
  /** Times passive ejection removed it. */
  ejections = 0;

  constructor(
    config: EndpointConfig,
    tls: SessionTlsOptions,
    pool: PoolOptions,
    breaker: BreakerOptions,
    private readonly clock: Clock,
    private readonly ejectionMs: number,
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
    this.pool = new EndpointPool(origin, tls, pool, clock, {
      connectFailed: () => this.eject(),
      connected: () => {
        this.ejectedUntil = 0;
      },
    });
  }

  /** Health not failing, not ejected, breaker letting calls through. */
  isAvailable(): boolean {
    if (this.healthy === false) return false;
    if (this.ejectedUntil > 0 && this.clock.now() < this.ejectedUntil) return false;
    return this.breaker.isCallPermitted();
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
    this.ejectedUntil = this.clock.now() + this.ejectionMs;
  }

  /** Health check result: a pass ends a passive ejection early; a failure frees the queue. */
  setHealth(ok: boolean): void {
    this.healthy = ok;
    if (ok) {
      this.ejectedUntil = 0;
      return;
    }
    this.failingSince ??= this.clock.now();
    // Requests queued for a connection to a dead endpoint would wait for the connect
    // timeout: send them to another endpoint now.
    this.pool.rejectQueued(new ConnectError(`${this.url}: health check failed while the request waited for a connection`));
  }
}
