import type { Writable } from 'node:stream';
import { monotonicClock, type Clock } from '../clock.js';
import { ConfigError } from '../errors.js';
import { parseFaultText, type Fault } from './fault-spec.js';
import { FaultLog, formatFaultEvent, type FaultListener } from './fault-log.js';
import { ChaosRoute, type RouteStats, type TlsTermination } from './route.js';

/**
 * The library entry: starts one or more routes, each a listener forwarding to an upstream
 * through a fault set.
 *
 *   const px = await startChaos({ upstream: '127.0.0.1:8443', faults: ['latency 100ms:down'], seed: 1 });
 *   px.url; px.set(['stall p=0.15,ms=200']); px.stats(); await px.close();
 */

/** A fault as an object, or as flag text (`"latency 100ms:down"`). */
export type FaultInput = Fault | string;

export interface RouteSpec {
  /** Name used in the fault log and the toxiproxy API; default: the listen address. */
  name?: string;
  /** `HOST:PORT` to listen on; default `127.0.0.1:0` (a free port). */
  listen?: string;
  /** `HOST:PORT` to forward to. */
  upstream: string;
  faults?: readonly FaultInput[];
}

export interface ChaosOptions {
  /** The single route's upstream (shorthand for `routes: [{ upstream, listen, faults }]`). */
  upstream?: string;
  listen?: string;
  faults?: readonly FaultInput[];
  /** Several routes served by one proxy. */
  routes?: readonly RouteSpec[];
  /** Seed of every random decision; default 1. Same seed + same traffic → same fault log. */
  seed?: number;
  clock?: Clock;
  /** Every applied fault is written here as a JSON line. */
  log?: Writable | FaultListener;
  /** Terminate TLS with this certificate and re-encrypt to the upstream (frame faults over TLS). */
  tls?: TlsTermination;
  /** Decode HTTP/2 on every connection even without frame faults (to count streams). */
  countStreams?: boolean;
  /** Hooks for the scenario runner. */
  onStream?: (route: string) => void;
  onConnection?: (route: string) => void;
}

/** Counters of a proxy. */
export interface ChaosStats {
  routes: Record<string, RouteStats & { listen: string; upstream: string }>;
  /** Applied faults by kind, over all routes. */
  faults: Record<string, number>;
  connections: number;
}

function toFaults(list: readonly FaultInput[] | undefined): Fault[] {
  return (list ?? []).map((f) => (typeof f === 'string' ? parseFaultText(f) : f));
}

export class ChaosProxy {
  readonly log = new FaultLog();
  readonly clock: Clock;
  readonly seed: number;
  /** Routes by name, in creation order. */
  readonly routes = new Map<string, ChaosRoute>();
  private readonly origin: number;
  private unsubscribeLog: (() => void) | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: ChaosOptions) {
    this.clock = options.clock ?? monotonicClock;
    this.seed = options.seed ?? 1;
    this.origin = this.clock.now();
    const sink = options.log;
    if (typeof sink === 'function') this.unsubscribeLog = this.log.onFault(sink);
    else if (sink) this.unsubscribeLog = this.log.onFault((e) => sink.write(formatFaultEvent(e)));
  }

  /** `http://` URL of the first route (h2c clients connect here; with TLS use https). */
  get url(): string {
    const first = this.routes.values().next().value as ChaosRoute | undefined;
    if (!first) throw new ConfigError('the proxy has no routes');
    return `${this.options.tls ? 'https' : 'http'}://${first.listenAddress}`;
  }

  /** Adds and starts a route. */
  async addRoute(spec: RouteSpec, signal?: AbortSignal): Promise<ChaosRoute> {
    const listen = spec.listen ?? '127.0.0.1:0';
    if (spec.name !== undefined && this.routes.has(spec.name)) throw new ConfigError(`a route named '${spec.name}' already exists`);
    const route = new ChaosRoute({
      name: spec.name ?? '', listen, upstream: spec.upstream, faults: toFaults(spec.faults), seed: this.seed, clock: this.clock,
      origin: this.origin, log: this.log, tls: this.options.tls, countStreams: this.options.countStreams,
      onStream: () => this.options.onStream?.(route.name), onConnection: () => this.options.onConnection?.(route.name),
    });
    await route.listen(listen, signal);
    if (this.routes.has(route.name)) {
      await route.close();
      throw new ConfigError(`a route named '${route.name}' already exists`);
    }
    this.routes.set(route.name, route);
    return route;
  }

  route(name?: string): ChaosRoute {
    const r = name === undefined ? (this.routes.values().next().value as ChaosRoute | undefined) : this.routes.get(name);
    if (!r) throw new ConfigError(name === undefined ? 'the proxy has no routes' : `no route named '${name}'`);
    return r;
  }

  /** Replaces the fault set of one route (default: every route). */
  set(faults: readonly FaultInput[], routeName?: string): void {
    const parsed = toFaults(faults);
    const targets = routeName === undefined ? [...this.routes.values()] : [this.route(routeName)];
    for (const r of targets) r.setFaults(parsed);
  }

  /** The fault set of a route (default: the first). */
  faults(routeName?: string): readonly Fault[] {
    return this.route(routeName).faults().faults;
  }

  stats(): ChaosStats {
    const routes: ChaosStats['routes'] = {};
    let connections = 0;
    for (const [name, r] of this.routes) {
      const s = r.stats();
      connections += s.connections;
      routes[name] = { ...s, listen: r.listenAddress, upstream: r.upstream };
    }
    return { routes, faults: this.log.countsByKind(), connections };
  }

  /** Removes a route (closing its connections). */
  async removeRoute(name: string): Promise<void> {
    const r = this.route(name);
    this.routes.delete(name);
    await r.close();
  }

  /** Closes every route and connection. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.routes.values()].map((r) => r.close()));
      this.unsubscribeLog?.();
    })();
    return this.closing;
  }
}

// Node 20 has no Symbol.asyncDispose unless polyfilled; it uses the registered symbol.
const asyncDispose: symbol = (Symbol as { asyncDispose?: symbol }).asyncDispose ?? Symbol.for('nodejs.asyncDispose');
Object.defineProperty(ChaosProxy.prototype, asyncDispose, {
  value(this: ChaosProxy) {
    return this.close();
  },
});

/**
 * Starts a chaos proxy. With `upstream` it serves one route; with `routes`, several; with
 * neither it starts empty (routes are added through `addRoute` or the toxiproxy API).
 */
export async function startChaos(options: ChaosOptions, signal?: AbortSignal): Promise<ChaosProxy> {
  const px = new ChaosProxy(options);
  const specs: RouteSpec[] = [...(options.routes ?? [])];
  if (options.upstream !== undefined) specs.unshift({ upstream: options.upstream, listen: options.listen, faults: options.faults });
  try {
    for (const spec of specs) await px.addRoute(spec, signal);
  } catch (err) {
    await px.close();
    throw err;
  }
  return px;
}
