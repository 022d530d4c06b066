import { ConfigError } from '../errors.js';

/**
 * Route labels with bounded cardinality.
 *
 * Prometheus keeps one time series per label combination; a raw `:path` label (ids, query
 * strings, scanners probing random URLs) grows without bound and takes the metrics server
 * down. A route label comes from the user's `route` function or from `normaliseRoute`, and
 * whichever it is, at most `maxRoutes` distinct values are ever emitted: later newcomers
 * share the `other` bucket.
 */

/** What a route function sees of a request. */
export interface RouteRequest {
  /** `:method` pseudo-header. */
  method: string;
  /** `:path` pseudo-header (path and query). */
  path: string;
  /** All request headers, as node:http2 gives them. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** Maps a request to a route label, e.g. `/orders/:id`. */
export type RouteFunction = (request: RouteRequest) => string;

/** The label every route past the cap shares. */
export const OTHER_ROUTE = 'other';

const numeric = /^\d+$/;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const longHex = /^[0-9a-f]{16,}$/i;
/** Ids that are neither numbers nor hex: long opaque tokens mixing letters and digits. */
const opaqueToken = /^(?=.*\d)[A-Za-z0-9_-]{20,}$/;

/**
 * The default route function: the path without its query, with id-like segments (numbers,
 * UUIDs, long hex or opaque tokens) replaced by `:id`, and at most `maxSegments` segments.
 */
export function normaliseRoute(path: string, maxSegments = 4): string {
  const end = path.search(/[?#]/);
  const bare = end === -1 ? path : path.slice(0, end);
  if (bare === '' || bare === '/') return '/';
  if (bare === '*') return '*';
  const parts = bare.split('/').filter((s) => s !== '');
  const out: string[] = [];
  for (const segment of parts.slice(0, maxSegments)) {
    out.push(numeric.test(segment) || uuid.test(segment) || longHex.test(segment) || opaqueToken.test(segment) ? ':id' : segment);
  }
  if (parts.length > maxSegments) out.push('…');
  return `/${out.join('/')}`;
}

/** The default route function over `normaliseRoute`. */
export const defaultRoute: RouteFunction = (request) => normaliseRoute(request.path);

/** Caps the number of distinct labels; past the cap, new labels become `other`. */
export class RouteLabeler {
  /** Labels admitted so far. */
  private readonly known = new Set<string>();
  /**
   * With the default route function the label depends on the path alone, so the label of
   * each path seen is remembered (up to `pathCacheSize` paths; then new paths are computed
   * each time): normalising costs a split and regex tests per request otherwise.
   */
  private readonly pathCache: Map<string, string> | undefined;
  private static readonly pathCacheSize = 4096;
  /**
   * The last path looked up and its label. node:http2 hands every request a new `:path`
   * string (external, its hash not yet computed), so a Map lookup hashes it each time through
   * a call into the runtime; comparing with the previous path is a length check and a short
   * scan, and a service under load sees the same path back to back often (health checks,
   * hot endpoints, clients polling). A miss costs that comparison on top of the lookup.
   */
  private lastPath: string | undefined = undefined;
  private lastLabel = OTHER_ROUTE;

  constructor(
    private readonly route: RouteFunction,
    /** Most distinct route labels ever emitted (excluding `other`). */
    readonly maxRoutes: number,
  ) {
    if (!Number.isInteger(maxRoutes) || maxRoutes < 1) throw new ConfigError(`maxRoutes must be a positive integer, got ${maxRoutes}`);
    this.pathCache = route === defaultRoute ? new Map() : undefined;
  }

  /** The bounded label for a request; a throwing or non-string route function gives `other`. */
  label(request: RouteRequest): string {
    return this.labelFor(request.method, request.path, request.headers);
  }

  /** `label` without building the request object first (it is only built on a cache miss). */
  labelFor(method: string, path: string, headers: RouteRequest['headers']): string {
    const cache = this.pathCache;
    if (cache !== undefined) {
      if (path === this.lastPath) return this.lastLabel;
      let label = cache.get(path);
      if (label === undefined) {
        label = this.admit({ method, path, headers });
        if (cache.size < RouteLabeler.pathCacheSize) cache.set(path, label);
      }
      this.lastPath = path;
      this.lastLabel = label;
      return label;
    }
    return this.admit({ method, path, headers });
  }

  private admit(request: RouteRequest): string {
    let raw: unknown;
    try {
      raw = this.route(request);
    } catch {
      return OTHER_ROUTE;
    }
    if (typeof raw !== 'string' || raw === '') return OTHER_ROUTE;
    if (this.known.has(raw)) return raw;
    if (this.known.size >= this.maxRoutes) return OTHER_ROUTE;
    this.known.add(raw);
    return raw;
  }

  /** Number of distinct labels admitted. */
  get size(): number {
    return this.known.size;
  }
}

