import { createRequire } from 'node:module';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { PushDeniedError } from '../errors.js';
import { kStreamRecord, type RecordedStream, type StreamRecord } from './records.js';

/**
 * A server span per request through `@opentelemetry/api`, when the application has an
 * OpenTelemetry SDK. The API is an optional peer dependency: it is looked up once, when
 * `instrument()` runs, and never required. With no API installed, or an API with no tracer
 * provider registered (its no-op provider), nothing is set up and requests cost nothing more.
 *
 * The span's parent is whatever the registered propagator extracts from the request headers
 * (W3C `traceparent` by default), so the span joins the caller's trace. Its attributes are
 * the HTTP ones of the semantic conventions plus HTTP/2's own: `http2.stream_id`,
 * `http2.session_id`, `http2.rst_code`, `http2.pushes_denied`. A slow request's record carries
 * the span's ids (`otel`), to go from a trace in a tracing UI to the request's profile.
 *
 * The span is not made the active context while the handler runs: spans the application
 * starts there are not its children unless the application parents them itself.
 */

/** The slice of `@opentelemetry/api` this module uses (typed here: the package is optional). */
interface OtelSpan {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  spanContext(): { traceId: string; spanId: string };
  end(endTime?: number): void;
}
interface OtelTracer {
  startSpan(name: string, options: { kind: number; attributes: Record<string, string | number> }, context: unknown): OtelSpan;
}
export interface OtelApi {
  trace: { getTracer(name: string, version?: string): OtelTracer; getTracerProvider(): unknown };
  context: { active(): unknown };
  propagation: { extract(context: unknown, carrier: unknown): unknown };
  SpanKind: { SERVER: number };
  SpanStatusCode: { ERROR: number };
}

/** The ids a slow record carries under `otel`. */
export interface SpanIds {
  traceId: string;
  spanId: string;
}

/** The API, if it is installed and a real tracer provider (an SDK) is registered; else undefined. */
export function loadOtelApi(): OtelApi | undefined {
  let api: OtelApi;
  try {
    api = createRequire(import.meta.url)('@opentelemetry/api') as OtelApi;
  } catch {
    return undefined;
  }
  // The global provider is a proxy; with no SDK registered it delegates to a no-op provider.
  const provider = api.trace.getTracerProvider() as { getDelegate?: () => object };
  const delegate = provider.getDelegate?.() ?? provider;
  return delegate.constructor?.name === 'NoopTracerProvider' ? undefined : api;
}

const kSpan = Symbol('h2doctor.span');
type SpannedStream = RecordedStream & { [kSpan]?: RequestSpan };
type PushCallback = (err: Error | null, ...rest: unknown[]) => void;

/** One request's span and what is counted for it. */
class RequestSpan {
  pushesDenied = 0;
  constructor(readonly span: OtelSpan, readonly spans: RequestSpans) {}
}

export class RequestSpans {
  private readonly tracer: OtelTracer;
  private readonly byRecord = new WeakMap<StreamRecord, RequestSpan>();
  /** The 'stream' listener (prepended, so it runs before the application's). */
  readonly onStream: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void;

  constructor(readonly api: OtelApi, version: string) {
    this.tracer = api.trace.getTracer('h2doctor', version);
    this.onStream = (stream, headers) => this.start(stream as SpannedStream, headers);
  }

  /** The span ids of a request; undefined if it has no span. */
  idsOf(rec: StreamRecord): SpanIds | undefined {
    const s = this.byRecord.get(rec);
    if (s === undefined) return undefined;
    const { traceId, spanId } = s.span.spanContext();
    return { traceId, spanId };
  }

  private start(stream: SpannedStream, headers: IncomingHttpHeaders): void {
    const rec = stream[kStreamRecord];
    if (rec === undefined) return;
    const api = this.api;
    const parent = api.propagation.extract(api.context.active(), headers);
    const span = this.tracer.startSpan(`${rec.method} ${rec.route}`, {
      kind: api.SpanKind.SERVER,
      attributes: {
        'http.request.method': rec.method,
        'http.route': rec.route,
        'url.path': String(headers[':path'] ?? ''),
        'url.scheme': String(headers[':scheme'] ?? ''),
        'network.protocol.name': 'http',
        'network.protocol.version': '2',
        'http2.stream_id': stream.id ?? 0,
        'http2.session_id': rec.session.id,
      },
    }, parent);
    const s = new RequestSpan(span, this);
    stream[kSpan] = s;
    this.byRecord.set(rec, s);
    stream.pushStream = countedPushStream as never;
    stream.once('close', endRequestSpan);
  }
}

/** Counts the pushes the push guard denies for this request (an own property on spanned streams). */
function countedPushStream(this: SpannedStream, headers: unknown, a?: unknown, b?: unknown): unknown {
  const base = Object.getPrototypeOf(this).pushStream as (...args: unknown[]) => unknown;
  const s = this[kSpan];
  const callback = (typeof a === 'function' ? a : b) as PushCallback | undefined;
  // eslint-disable-next-line prefer-rest-params
  if (s === undefined || typeof callback !== 'function') return base.apply(this, arguments as never);
  const options = typeof a === 'function' ? {} : a;
  return base.call(this, headers, options, function pushDone(err: Error | null, ...rest: unknown[]) {
    if (err instanceof PushDeniedError) s.pushesDenied++;
    callback(err, ...rest);
  });
}

function endRequestSpan(this: SpannedStream): void {
  const s = this[kSpan];
  if (s === undefined) return;
  const { span } = s;
  const rawStatus = this.sentHeaders?.[':status'];
  const status = rawStatus === undefined ? 0 : Number(rawStatus);
  if (status > 0) span.setAttribute('http.response.status_code', status);
  const code = this.rstCode ?? 0;
  if (code !== 0) span.setAttribute('http2.rst_code', code);
  span.setAttribute('http2.pushes_denied', s.pushesDenied);
  // Semantic conventions: a server span is an error for 5xx, not 4xx; a reset stream (no
  // complete response) is one too.
  if (status >= 500 || (code !== 0 && status === 0)) span.setStatus({ code: s.spans.api.SpanStatusCode.ERROR });
  span.end();
}
