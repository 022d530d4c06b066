import net, { type Socket } from 'node:net';
import type { Clock } from '../clock.js';
import { DirectionPipe, type PipeHost } from './direction-pipe.js';
import type { Fault } from './fault-spec.js';
import type { SharedLink } from './fault-decisions.js';
import type { FaultEvent, FaultLog } from './fault-log.js';
import { FrameLayer } from './frame-layer.js';
import type { ReadRelay } from './read-relay.js';

/**
 * One proxied connection: the client socket, the upstream socket, and a DirectionPipe each
 * way. Errors on one side reset the other, so a client sees what a real path would show.
 */

/** What a connection needs from its route. */
export interface RouteContext {
  readonly name: string;
  readonly seed: number;
  readonly clock: Clock;
  /** Clock time the proxy started: fault log times are relative to it. */
  readonly origin: number;
  readonly log: FaultLog;
  faults(): { version: number; faults: readonly Fault[] };
  /** True when HTTP/2 frames are decoded on new connections (frame faults or stream counting). */
  frameAware(): boolean;
  /** A client opened a stream (frame-aware connections only). */
  onStream(): void;
  /** Links shared by all the route's connections, per direction (bandwidth `link=shared`). */
  readonly sharedLinks?: { up: Map<string, SharedLink>; down: Map<string, SharedLink> };
}

/** Resets a socket (TCP RST) where the platform allows it, else destroys it. */
export function resetSocket(s: Socket): void {
  if (s.destroyed) return;
  // A TLS socket cannot be reset itself; the TCP socket under it can (Node keeps it as _parent).
  const raw = (s as { _parent?: unknown })._parent;
  const target = raw instanceof net.Socket && !raw.destroyed ? raw : s;
  try {
    if ((target as { _handle?: unknown })._handle) {
      target.resetAndDestroy();
      if (target !== s) s.destroy();
      return;
    }
  } catch {
    // fall through: a half-torn handle cannot be reset, only destroyed
  }
  s.destroy();
}

export class ChaosConnection implements PipeHost {
  readonly up: DirectionPipe;
  readonly down: DirectionPipe;
  readonly frames: FrameLayer | undefined;
  private finished = false;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(
    readonly client: Socket,
    readonly upstream: Socket,
    readonly connId: number,
    private readonly route: RouteContext,
    /** The upstream socket's `onread` relay, when it reads into a reused buffer. */
    upstreamReads?: ReadRelay,
  ) {
    const startedAt = route.clock.now();
    this.done = new Promise((r) => (this.resolveDone = r));
    this.up = new DirectionPipe(client, upstream, 'up', this, startedAt);
    this.down = new DirectionPipe(upstream, client, 'down', this, startedAt);
    if (route.frameAware()) {
      this.frames = new FrameLayer(this, this.up, this.down, startedAt);
      this.up.filter = this.frames.filterFor('up');
      this.down.filter = this.frames.filterFor('down');
    }
    // A reset on one side resets the other, after the bytes that side sent before it and
    // that a fault still holds (`toward` is the pipe carrying them to `other`).
    const onError = (toward: DirectionPipe, other: Socket) => () => {
      toward.resetAfterQueue(() => {
        resetSocket(other);
        this.finish();
      });
    };
    client.on('error', onError(this.up, upstream));
    upstream.on('error', onError(this.down, client));
    const onClose = () => {
      if (client.destroyed && upstream.destroyed) this.finish();
    };
    client.on('close', () => {
      if (!upstream.destroyed && !this.up.ended) {
        this.up.resetAfterQueue(() => {
          resetSocket(upstream);
          onClose();
        });
      }
      onClose();
    });
    upstream.on('close', () => {
      if (!client.destroyed && !this.down.ended) {
        this.down.resetAfterQueue(() => {
          resetSocket(client);
          onClose();
        });
      }
      onClose();
    });
    this.up.start();
    this.down.start();
    upstreamReads?.attach(this.down);
    this.frames?.start();
  }

  get seed(): number {
    return this.route.seed;
  }

  get clock(): Clock {
    return this.route.clock;
  }

  faults(): { version: number; faults: readonly Fault[] } {
    return this.route.faults();
  }

  sharedLinks(dir: 'up' | 'down'): Map<string, SharedLink> | undefined {
    return this.route.sharedLinks?.[dir];
  }

  record(e: Omit<FaultEvent, 't' | 'route' | 'conn'>): void {
    this.route.log.record({ t: this.route.clock.now() - this.route.origin, route: this.route.name, conn: this.connId, ...e });
  }

  onStream(): void {
    this.route.onStream();
  }

  /** Re-reads the fault set (called by the route when it changes). */
  refresh(): void {
    if (this.finished) return;
    this.up.refreshPlan();
    this.down.refreshPlan();
    this.frames?.refreshPlan();
  }

  reset(): void {
    resetSocket(this.client);
    resetSocket(this.upstream);
    this.finish();
  }

  closeGracefully(): void {
    this.up.endAfterQueue();
    this.down.endAfterQueue();
    // A peer that never closes its side must not keep the connection forever.
    setTimeout(() => this.destroy(), 1000).unref();
  }

  destroy(): void {
    this.client.destroy();
    this.upstream.destroy();
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.up.dispose();
    this.down.dispose();
    this.frames?.dispose();
    this.resolveDone();
  }

  /** Resolves once the connection is gone. */
  closed(): Promise<void> {
    return this.done;
  }
}
