// OpenTelemetry server spans: with no SDK registered, instrument() makes none and the server
// answers the same; with an SDK (sdk-trace-base, in-memory exporter) every request gets a
// SERVER span with HTTP/2 attributes, joined to the caller's trace by traceparent, and a slow
// request's record carries the span's ids.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { instrument, type InstrumentOptions, type ServerDoctor, type SlowRequest } from '../src/server/index.js';
import { ConfigError } from '../src/errors.js';

const doctors: ServerDoctor[] = [];
const clients: http2.ClientHttp2Session[] = [];
after(async () => {
  for (const c of clients) c.close();
  for (const d of doctors) await d.close({ graceMs: 200 });
  trace.disable();
  propagation.disable();
});

async function start(options: InstrumentOptions): Promise<{ client: http2.ClientHttp2Session; slow: SlowRequest[] }> {
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const path = String(headers[':path']);
    if (path === '/push') {
      stream.pushStream({ ':path': '/pushed' }, () => {
        stream.respond({ ':status': 200 });
        stream.end('pushed?');
      });
    } else if (path === '/hang') {
      stream.respond({ ':status': 200 });
      stream.write('partial');
    } else if (path === '/fail') {
      stream.respond({ ':status': 503 });
      stream.end();
    } else {
      setTimeout(() => {
        stream.respond({ ':status': 200 });
        stream.end('ok');
      }, path === '/slow' ? 150 : 0);
    }
  });
  const doctor = instrument(server, { slowRequests: { threshold: 100, runtime: false }, log: () => undefined, ...options });
  doctors.push(doctor);
  const slow: SlowRequest[] = [];
  doctor.onSlowRequest((r) => slow.push(r));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  clients.push(client);
  return { client, slow };
}

function get(client: http2.ClientHttp2Session, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = client.request({ ':path': path, ...headers });
    let status = 0;
    let body = '';
    req.on('response', (h) => {
      status = Number(h[':status']);
      if (path === '/hang') req.close(http2.constants.NGHTTP2_CANCEL);
    });
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('close', () => resolve({ status, body }));
    req.on('error', reject);
  });
}

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const parentSpanId = '00f067aa0ba902b7';

test('without an OpenTelemetry SDK: no spans, no otel ids, the same answers; otel: true is refused', async () => {
  const { client, slow } = await start({});
  assert.deepEqual(await get(client, '/slow'), { status: 200, body: 'ok' });
  assert.deepEqual(await get(client, '/push'), { status: 200, body: 'pushed?' });
  assert.equal(slow.length, 1);
  assert.equal(slow[0]!.otel, undefined);
  assert.throws(() => instrument(http2.createServer(), { otel: true }), ConfigError);
});

test('with an SDK: a SERVER span per request with HTTP/2 attributes, in the caller\'s trace; slow records carry its ids', async () => {
  const exporter = new InMemorySpanExporter();
  assert.ok(trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })));
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const { client, slow } = await start({});
  await get(client, '/slow', { traceparent: `00-${traceId}-${parentSpanId}-01` });
  await get(client, '/push');
  await get(client, '/hang');
  await get(client, '/fail');
  await get(client, '/ok');
  for (let i = 0; i < 40 && exporter.getFinishedSpans().length < 5; i++) await new Promise((r) => setTimeout(r, 25));
  const spans = new Map(exporter.getFinishedSpans().map((s) => [String(s.attributes['url.path']), s]));
  assert.equal(spans.size, 5);
  const slowSpan = spans.get('/slow')!;
  assert.equal(slowSpan.kind, SpanKind.SERVER);
  assert.equal(slowSpan.name, 'GET /slow');
  assert.equal(slowSpan.spanContext().traceId, traceId);
  assert.equal(slowSpan.parentSpanContext?.spanId, parentSpanId);
  assert.equal(slowSpan.attributes['http2.stream_id'], 1);
  assert.equal(slowSpan.attributes['http2.session_id'], spans.get('/ok')!.attributes['http2.session_id']);
  assert.equal(slowSpan.attributes['http.response.status_code'], 200);
  assert.equal(slowSpan.attributes['http2.pushes_denied'], 0);
  assert.equal(spans.get('/push')!.attributes['http2.pushes_denied'], 1);
  assert.equal(spans.get('/push')!.attributes['http2.stream_id'], 3);
  assert.equal(spans.get('/hang')!.attributes['http2.rst_code'], http2.constants.NGHTTP2_CANCEL);
  assert.equal(spans.get('/fail')!.status.code, SpanStatusCode.ERROR);
  assert.equal(spans.get('/ok')!.status.code, SpanStatusCode.UNSET);
  assert.equal(spans.get('/ok')!.attributes['http2.rst_code'], undefined);
  // The slow request's record: its span's ids, and the trace id the caller sent.
  assert.equal(slow.length, 1);
  assert.deepEqual(slow[0]!.otel, { traceId, spanId: slowSpan.spanContext().spanId });
  assert.equal(slow[0]!.traceId, traceId);
});
