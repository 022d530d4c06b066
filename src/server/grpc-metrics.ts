import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { Counter, type Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import { ConfigError } from '../errors.js';
import { GRPC_CODE_COUNT, grpcCodeLabel } from '../grpc/prometheus-code.js';
import { isGrpcContentType } from '../grpc/request-headers.js';
import { GrpcStatus, grpcStatusFromHttpStatus, grpcStatusFromRstCode } from '../grpc/status.js';
import { LabelledHistogram, type HistogramSeries } from './histogram-series.js';

/**
 * go-grpc-prometheus's server metrics for gRPC served over node:http2 by anything
 * (`@connectrpc/connect-node`, a hand-written stream handler): grpc_server_started_total,
 * grpc_server_handled_total and grpc_server_handling_seconds, with its labels (`grpc_type`,
 * `grpc_service`, `grpc_method`, `grpc_code` as grpc-go spells codes). Seen from HTTP/2, not
 * from inside a gRPC framework:
 *
 * - a request is a gRPC call when its content-type is `application/grpc` or
 *   `application/grpc+…` / `application/grpc;…` (PROTOCOL-HTTP2.md). gRPC-Web is not: its
 *   status travels in the body, where no HTTP/2 hook sees it;
 * - `grpc_code` is the status the client is told: grpc-status from the trailers, or from the
 *   response headers of a Trailers-Only response (an error answered with HEADERS and
 *   END_STREAM alone); without one, gRPC's mapping of the RST_STREAM code (a client's CANCEL
 *   is `Canceled`) or of the HTTP status (404 is `Unimplemented`); else `Unknown`;
 * - the handling time runs from the request's HEADERS to the stream's close;
 * - HTTP/2 does not say whether a method streams: `grpc_type` comes from `methodTypes`
 *   (the services served, or a function), and is `unknown` for a method it does not name;
 * - `:path` is the client's to choose, so distinct methods are capped (`maxMethods`); later
 *   ones share `grpc_service="other", grpc_method="other"`, and a path that is not
 *   `/service/method` is counted under `unknown`.
 *
 * Cost: a request that is not gRPC pays one content-type test (`isGrpcRequest`); a gRPC call
 * pays a Map lookup of its path, one small object and a 'close' listener. The counters are
 * plain numbers read at scrape, the histogram a cached series (histogram-series.ts).
 */

export type GrpcMethodType = 'unary' | 'client_stream' | 'server_stream' | 'bidi_stream';

/**
 * A service as `@bufbuild/protobuf` v2 describes it (`DescService`, what connect-node routes
 * are built from), or any object of that shape.
 */
export interface GrpcServiceShape {
  /** Fully qualified name, e.g. `inventory.v1.Stock`. */
  typeName: string;
  methods: ReadonlyArray<{ name: string; methodKind: 'unary' | 'server_streaming' | 'client_streaming' | 'bidi_streaming' }>;
}

export interface GrpcServerMetricsOptions {
  /** Handling-time buckets, seconds (default go-grpc-prometheus's: prometheus.DefBuckets). */
  buckets?: number[];
  /**
   * Each method's `grpc_type`: the services served (connect-node's service descriptors), or
   * a function of the method path (`/pkg.Svc/Method`). Methods it does not name: `unknown`.
   */
  methodTypes?: readonly GrpcServiceShape[] | ((method: string) => GrpcMethodType | undefined);
  /** Most distinct methods labelled (default 100); the rest share `other`. */
  maxMethods?: number;
}

/** The checked options. */
export interface ResolvedGrpcMetrics {
  buckets: number[];
  methodType: (method: string) => GrpcMethodType | undefined;
  maxMethods: number;
}

const defaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const labelNames = ['grpc_type', 'grpc_service', 'grpc_method'] as const;
const kinds: Record<string, GrpcMethodType> = {
  unary: 'unary', server_streaming: 'server_stream', client_streaming: 'client_stream', bidi_streaming: 'bidi_stream',
};

/** Checks `instrument`'s `grpcMetrics` option; undefined when it is off. */
export function resolveGrpcMetrics(option: boolean | GrpcServerMetricsOptions | undefined): ResolvedGrpcMetrics | undefined {
  if (option === undefined || option === false) return undefined;
  const o = option === true ? {} : option;
  const maxMethods = o.maxMethods ?? 100;
  if (!Number.isInteger(maxMethods) || maxMethods < 1) throw new ConfigError(`grpcMetrics.maxMethods must be a positive integer, got ${o.maxMethods}`);
  const buckets = o.buckets ?? defaultBuckets;
  if (!Array.isArray(buckets) || buckets.length === 0 || buckets.some((b, i) => !(b > 0) || (i > 0 && b <= buckets[i - 1]!))) {
    throw new ConfigError('grpcMetrics.buckets must be positive numbers in ascending order');
  }
  const types = o.methodTypes;
  let methodType: ResolvedGrpcMetrics['methodType'];
  if (typeof types === 'function') methodType = types;
  else if (types === undefined) methodType = () => undefined;
  else {
    const byPath = new Map<string, GrpcMethodType>();
    for (const service of types) for (const m of service.methods) {
      const kind = kinds[m.methodKind];
      if (kind === undefined) throw new ConfigError(`grpcMetrics.methodTypes: ${service.typeName}/${m.name} has methodKind '${m.methodKind}'`);
      byPath.set(`/${service.typeName}/${m.name}`, kind);
    }
    methodType = (method) => byPath.get(method);
  }
  return { buckets, methodType, maxMethods };
}

/** The counts of one labelled method. */
class MethodSeries {
  /** Calls started. */
  started = 0;
  /** Calls ended, by status code 0–16. */
  readonly handled = new Float64Array(GRPC_CODE_COUNT);

  constructor(
    readonly labels: Readonly<Record<(typeof labelNames)[number], string>>,
    readonly handling: HistogramSeries,
  ) {}
}

/** A call in flight, hung on its stream. */
interface GrpcCall {
  series: MethodSeries;
  startedAt: number;
  clock: Clock;
}

const kGrpcCall = Symbol('h2doctor.grpcCall');
type GrpcStream = ServerHttp2Stream & { [kGrpcCall]?: GrpcCall };

const CHAR_G = 0x67;
const CHAR_PLUS = 0x2b;
const CHAR_SEMICOLON = 0x3b;

/**
 * The hot-path test: `application/grpc`, `application/grpc+proto`, `application/grpc;…`
 * (not `application/grpc-web`). The common spellings are matched without allocating; only a
 * content-type with a `g`/`G` after `application/` in another case is lower-cased.
 */
export function isGrpcRequest(contentType: string | undefined): boolean {
  // One character turns away nearly every other content-type, at a few ns: the `g` of `grpc`
  // after `application/` (a `startsWith` first measured tens of ns per request on node 20).
  if (contentType === undefined || contentType.length < 16 || (contentType.charCodeAt(12) | 0x20) !== CHAR_G) return false;
  if (contentType.startsWith('application/grpc')) {
    if (contentType.length === 16) return true;
    const next = contentType.charCodeAt(16);
    return next === CHAR_PLUS || next === CHAR_SEMICOLON;
  }
  return isGrpcContentType(contentType);
}

export class GrpcServerMetrics {
  private readonly methods = new Map<string, MethodSeries>();
  /** Every series, for the scrape. */
  private readonly all: MethodSeries[] = [];
  private readonly handling: LabelledHistogram;
  /** Shared series: methods past the cap, and paths that are not `/service/method`. */
  private other: MethodSeries | undefined;
  private unknown: MethodSeries | undefined;

  constructor(private readonly options: ResolvedGrpcMetrics, registry: Registry, private readonly clock: Clock) {
    const registers = [registry];
    const all = this.all;
    const names = ['grpc_server_started_total', 'grpc_server_handled_total', 'grpc_server_handling_seconds'];
    try {
      new Counter({
        name: names[0]!, help: 'Total number of RPCs started on the server.', labelNames, registers,
        collect() {
          this.reset();
          for (const s of all) this.inc(s.labels, s.started);
        },
      });
      new Counter({
        name: names[1]!, help: 'Total number of RPCs completed on the server, regardless of success or failure.', labelNames: [...labelNames, 'grpc_code'], registers,
        collect() {
          this.reset();
          for (const s of all) for (let code = 0; code < GRPC_CODE_COUNT; code++) {
            if (s.handled[code]! > 0) this.inc({ ...s.labels, grpc_code: grpcCodeLabel(code) }, s.handled[code]);
          }
        },
      });
      this.handling = new LabelledHistogram(names[2]!, 'Time from the request HEADERS to the end of the stream, per RPC.', labelNames, options.buckets);
      this.handling.register(registry);
    } catch (err) {
      for (const n of names) registry.removeSingleMetric(n);
      throw new ConfigError(`grpcMetrics: ${(err as Error).message} (one instrumented server with grpcMetrics per registry)`, { cause: err });
    }
  }

  /** A request stream arrived (RequestTracker.start): when it is a gRPC call, count it and watch its end. */
  start(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, startedAt: number): void {
    if (!isGrpcRequest(headers['content-type'])) return;
    const path = headers[':path'];
    const series = this.seriesFor(typeof path === 'string' ? path : '');
    series.started++;
    (stream as GrpcStream)[kGrpcCall] = { series, startedAt, clock: this.clock };
    stream.on('close', onGrpcStreamClose);
  }

  private seriesFor(path: string): MethodSeries {
    const known = this.methods.get(path);
    if (known !== undefined) return known;
    const slash = path.indexOf('/', 1);
    if (path.charCodeAt(0) !== 0x2f || slash < 2 || slash === path.length - 1 || path.indexOf('/', slash + 1) >= 0) {
      return (this.unknown ??= this.newSeries('unknown', 'unknown', 'unknown'));
    }
    if (this.methods.size >= this.options.maxMethods) return (this.other ??= this.newSeries('unknown', 'other', 'other'));
    let type: GrpcMethodType | undefined;
    try {
      type = this.options.methodType(path);
    } catch {
      type = undefined;
    }
    const series = this.newSeries(type ?? 'unknown', path.slice(1, slash), path.slice(slash + 1));
    this.methods.set(path, series);
    return series;
  }

  private newSeries(type: string, service: string, method: string): MethodSeries {
    const series = new MethodSeries({ grpc_type: type, grpc_service: service, grpc_method: method }, this.handling.series([type, service, method]));
    this.all.push(series);
    return series;
  }
}

function onGrpcStreamClose(this: GrpcStream): void {
  const call = this[kGrpcCall];
  if (call === undefined) return;
  this[kGrpcCall] = undefined;
  call.series.handled[servedStatus(this)]!++;
  call.series.handling.observe((call.clock.now() - call.startedAt) / 1000);
}

/** The status the client was told (see the file comment for the order). */
export function servedStatus(stream: ServerHttp2Stream): number {
  const trailers = (stream as { sentTrailers?: Record<string, unknown> }).sentTrailers;
  const fromTrailers = trailers?.['grpc-status'];
  if (fromTrailers !== undefined) return statusCode(fromTrailers);
  const headers = stream.sentHeaders as Record<string, unknown> | undefined;
  const trailersOnly = headers?.['grpc-status'];
  if (trailersOnly !== undefined) return statusCode(trailersOnly);
  const rst = stream.rstCode;
  if (rst !== undefined && rst !== 0) return grpcStatusFromRstCode(rst);
  const httpStatus = Number(headers?.[':status'] ?? 0);
  if (httpStatus !== 0 && httpStatus !== 200) return grpcStatusFromHttpStatus(httpStatus);
  return GrpcStatus.UNKNOWN;
}

/** A grpc-status value as a code; anything but a decimal 0–16 reads as UNKNOWN, as gRPC clients read it. */
function statusCode(raw: unknown): number {
  const text = Array.isArray(raw) ? raw[0] : raw;
  const code = typeof text === 'number' ? text : typeof text === 'string' && /^\d{1,2}$/.test(text) ? Number(text) : -1;
  return Number.isInteger(code) && code >= 0 && code < GRPC_CODE_COUNT ? code : GrpcStatus.UNKNOWN;
}
