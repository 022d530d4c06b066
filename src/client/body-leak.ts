import http2 from 'node:http2';
import type { Clock } from '../clock.js';

/**
 * Detection of response bodies nobody reads. An unread HTTP/2 response keeps its stream
 * open: the stream's slot counts against the peer's MAX_CONCURRENT_STREAMS, its flow-control
 * window fills and the server stalls on it, and the session never goes idle (undici#1108,
 * #3895; node#51162). Two triggers reset such a stream with CANCEL (RFC 9113 §8.7) and count
 * it: the body was neither read nor dumped within `bodyTimeoutMs`, or the response object
 * was garbage-collected unread (FinalizationRegistry). Each path is warned about once.
 */

/** What the detector keeps about one response; must not reference the response object. */
export interface PendingBody {
  stream: http2.ClientHttp2Stream;
  /** Request path, for the warning and the per-path count. */
  path: string;
  /** Clock time the response headers arrived. */
  receivedAt: number;
  /** Set when the body was read, piped or dumped. */
  consumed: boolean;
  /** Set once registered for GC detection and the timeout sweep. */
  watched?: boolean;
}

export interface BodyLeakEvent {
  path: string;
  /** 'timeout': not consumed within bodyTimeoutMs; 'gc': collected unread. */
  reason: 'timeout' | 'gc';
}

export interface BodyLeakOptions {
  /** Reset a body not consumed within this. 0 turns the timeout off (GC detection stays). */
  bodyTimeoutMs: number;
  clock: Clock;
  /** Called once per path with a warning line. */
  warn: (message: string) => void;
  /** Called for every leak. */
  onLeak?: (event: BodyLeakEvent) => void;
}

export class BodyLeakDetector {
  private readonly pending = new Set<PendingBody>();
  private readonly registry: FinalizationRegistry<PendingBody>;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly warned = new Set<string>();
  /** Leaks by path. */
  readonly byPath = new Map<string, number>();
  /** All leaks. */
  leaks = 0;

  constructor(private readonly options: BodyLeakOptions) {
    this.registry = new FinalizationRegistry((p) => {
      if (!p.consumed) this.reset(p, 'gc');
    });
  }

  /**
   * Starts watching `owner`'s body. Nearly every caller reads the body in the same turn of
   * the event loop, so responses are only registered (FinalizationRegistry, sweep set) if
   * still unread at the next `setImmediate`: one array push per response on the hot path.
   */
  track(owner: object, p: PendingBody): void {
    this.young.push(owner, p);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushYoung);
    }
  }

  /** Responses handed out this turn, as owner, pending pairs (held strongly until the flush). */
  private young: Array<object | PendingBody> = [];
  private flushScheduled = false;
  private readonly flushYoung = (): void => {
    const young = this.young;
    this.young = [];
    this.flushScheduled = false;
    for (let i = 0; i < young.length; i += 2) {
      const p = young[i + 1] as PendingBody;
      if (p.consumed || p.stream.destroyed) continue;
      p.watched = true;
      this.registry.register(young[i], p, p);
      this.pending.add(p);
    }
    if (this.options.bodyTimeoutMs > 0) this.armSweep();
  };

  /** The body is being read: stop watching. */
  consumed(p: PendingBody): void {
    if (p.consumed) return;
    p.consumed = true;
    if (p.watched) this.unwatch(p);
  }

  /** The stream ended another way (error, reset): stop watching without counting. */
  forget(p: PendingBody): void {
    if (p.watched) this.unwatch(p);
  }

  private unwatch(p: PendingBody): void {
    p.watched = false;
    this.pending.delete(p);
    this.registry.unregister(p);
  }

  /**
   * Stops the sweep timer and resets every body still unread (without counting them as
   * leaks), so closing the client does not wait on streams nobody will read.
   */
  close(): void {
    if (this.sweepTimer !== undefined) clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    this.flushYoung();
    for (const p of this.pending) {
      this.registry.unregister(p);
      p.consumed = true;
      if (!p.stream.destroyed) p.stream.close(http2.constants.NGHTTP2_CANCEL);
    }
    this.pending.clear();
  }

  private armSweep(): void {
    if (this.sweepTimer !== undefined) return;
    // One timer per client, not per response: it fires at the oldest pending deadline.
    let oldest = Infinity;
    for (const p of this.pending) {
      if (p.receivedAt < oldest) oldest = p.receivedAt;
      break; // insertion order: the first is the oldest
    }
    if (oldest === Infinity) return;
    const wait = Math.max(1, oldest + this.options.bodyTimeoutMs - this.options.clock.now());
    this.sweepTimer = setTimeout(() => {
      this.sweepTimer = undefined;
      this.sweep();
      this.armSweep();
    }, wait);
    this.sweepTimer.unref();
  }

  private sweep(): void {
    const now = this.options.clock.now();
    for (const p of this.pending) {
      if (now - p.receivedAt >= this.options.bodyTimeoutMs) this.reset(p, 'timeout');
    }
  }

  private reset(p: PendingBody, reason: BodyLeakEvent['reason']): void {
    this.unwatch(p);
    p.consumed = true;
    if (!p.stream.destroyed) p.stream.close(http2.constants.NGHTTP2_CANCEL);
    this.leaks++;
    this.byPath.set(p.path, (this.byPath.get(p.path) ?? 0) + 1);
    this.options.onLeak?.({ path: p.path, reason });
    if (!this.warned.has(p.path)) {
      this.warned.add(p.path);
      const why = reason === 'gc' ? 'was garbage-collected unread' : `was not read within ${this.options.bodyTimeoutMs} ms`;
      this.options.warn(
        `h2doctor/client: the response body for ${p.path} ${why}; its stream was reset (CANCEL). ` +
          'Read it (text(), json(), body) or call dump(): an unread body holds a stream slot and flow-control window.',
      );
    }
  }
}
