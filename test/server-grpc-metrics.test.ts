/**
 * instrument({ grpcMetrics }) on a node:http2 server: go-grpc-prometheus's server metrics
 * (grpc_server_started_total, grpc_server_handled_total by grpc_code, grpc_server_handling_seconds)
 * read from the grpc-status the server sends. Against a real @connectrpc/connect-node service
 * called by h2doctor's client and by @grpc/grpc-js, every count is compared exactly with what
 * the service's handlers did; the client's own metrics (grpc_client_handled_total,
 * grpc_client_stream_created_total{service, peer}) are checked in the same run, and `peer`
 * is shown to be the address connected to, following a DNS move. A stream-API
 * server covers what connect-node never sends: Trailers-Only responses (grpc-status in the
 * response HEADERS, END_STREAM on them), a status from the HTTP code alone, a client's
 * RST_STREAM CANCEL, and the cap on distinct methods.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { createClient, GrpcStatusError, type H2Client } from '../src/client/index.js';
import { ConfigError, NotGrpcError } from '../src/errors.js';
import { frameMessage, GrpcMessageDecoder } from '../src/grpc/index.js';
import { instrument, type InstrumentOptions } from '../src/server/index.js';
import { decodeString, encodeString, startStockServer, StockService, type RunningStock } from './support/connect-stock.js';
import { waitFor } from './support/wait.js';

const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

/** The value of the sample `name{labels…}` (labels in any order, all of them given); undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const got = Object.fromEntries([...m[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.keys(got).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

/** The distinct values of `label` among the samples of `name`. */
function labelValues(text: string, name: string, label: string): string[] {
  const values = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const m = new RegExp(`[{,]${label}="([^"]*)"`).exec(line);
    if (m) values.add(m[1]!);
  }
  return [...values].sort();
}

const stock = { grpc_service: 'h2doctor.test.Stock' };
const GET = { grpc_type: 'unary', ...stock, grpc_method: 'Get' };
const WATCH = { grpc_type: 'server_stream', ...stock, grpc_method: 'Watch' };

function newClient(url: string, registry: Registry): H2Client {
  const client = createClient({ endpoints: [{ url }], grpcMetrics: { registry }, retry: { maxAttempts: 3, baseMs: 1, maxMs: 5 }, timeoutMs: 10_000 });
  closers.push(() => client.close({ graceMs: 100 }));
  return client;
}

/** A unary call by h2doctor's client; resolves to the status name it ended with. */
async function unary(client: H2Client, method: string, sku: string): Promise<string> {
  try {
    const r = await client.unary({ method, message: encodeString(sku) });
    assert.equal(decodeString(r.message), `stock:${sku}`);
    return 'OK';
  } catch (err) {
    if (err instanceof GrpcStatusError) return err.statusName;
    if (err instanceof NotGrpcError) return 'NOT_GRPC';
    throw err;
  }
}

describe('gRPC server metrics (instrument grpcMetrics)', () => {
  test('connect-node service: calls counted by grpc_type, method and grpc_code exactly; the client counts its streams by peer', async () => {
    const server: RunningStock = await startStockServer({ grpcMetrics: { methodTypes: [StockService] } }, (req, res) => {
      // What connect does not route: a plain HTTP health route, and 404 for the rest.
      if (req.url === '/health') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
        return;
      }
      res.writeHead(404);
      res.end();
    });
    closers.push(() => server.close());
    const clientRegistry = new Registry();
    const client = newClient(server.url, clientRegistry);

    // h2doctor's client: 20 OK, 7 NOT_FOUND, 2 UNAVAILABLE (each tried 3 times), 1 unknown method (a plain 404).
    const skus = [...Array.from({ length: 20 }, (_, i) => `sku${i}`), ...Array.from({ length: 7 }, (_, i) => `missing${i}`)];
    const outcomes = await Promise.all(skus.map((sku) => unary(client, '/h2doctor.test.Stock/Get', sku)));
    for (const sku of ['busy1', 'busy2']) outcomes.push(await unary(client, '/h2doctor.test.Stock/Get', sku));
    outcomes.push(await unary(client, '/h2doctor.test.Stock/Nope', 'x'));
    const byStatus = (list: string[]) => list.reduce<Record<string, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});
    // The 404 has no gRPC content-type: h2doctor's client calls that NotGrpcError, not a status.
    assert.deepEqual(byStatus(outcomes), { OK: 20, NOT_FOUND: 7, UNAVAILABLE: 2, NOT_GRPC: 1 });

    // @grpc/grpc-js: 4 server-streaming Watch calls (3 messages each), 3 NOT_FOUND Gets.
    const js = new grpc.Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    closers.push(async () => js.close());
    const identity = (b: Buffer) => b;
    for (let i = 0; i < 4; i++) {
      const got = await new Promise<string[]>((resolve, reject) => {
        const messages: string[] = [];
        const call = js.makeServerStreamRequest('/h2doctor.test.Stock/Watch', identity, identity, Buffer.from(encodeString(`w${i}`)));
        call.on('data', (b: Buffer) => messages.push(decodeString(b)));
        call.on('error', reject);
        call.on('end', () => resolve(messages));
      });
      assert.deepEqual(got, [`w${i}#0`, `w${i}#1`, `w${i}#2`]);
    }
    for (let i = 0; i < 3; i++) {
      const code = await new Promise<number>((resolve) => {
        js.makeUnaryRequest('/h2doctor.test.Stock/Get', identity, identity, Buffer.from(encodeString(`missing-js${i}`)), (err) => resolve(err?.code ?? 0));
      });
      assert.equal(code, grpc.status.NOT_FOUND);
    }

    // Not gRPC: plain GETs, a JSON POST and a gRPC-Web POST (connect answers it 415) are not counted.
    const raw = http2.connect(server.url);
    closers.push(async () => { raw.close(); });
    for (const headers of [
      { ':path': '/health' }, { ':path': '/health' },
      { ':method': 'POST', ':path': '/h2doctor.test.Stock/Get', 'content-type': 'application/json' },
      { ':method': 'POST', ':path': '/h2doctor.test.Stock/Get', 'content-type': 'application/grpc-web+proto' },
    ]) {
      await new Promise<void>((resolve) => {
        const s = raw.request(headers as http2.OutgoingHttpHeaders);
        s.on('data', () => {});
        s.on('close', resolve);
        s.end(headers[':method'] === 'POST' ? frameMessage(encodeString('x')) : undefined);
      });
    }

    // The service's own counts: what the metrics must equal.
    await waitFor(() => (server.counts['Watch OK'] ?? 0) === 4);
    assert.deepEqual(server.counts, { 'Get OK': 20, 'Get NotFound': 10, 'Get Unavailable': 6, 'Watch OK': 4 });

    const text = await server.doctor.registry.metrics();
    assert.equal(sample(text, 'grpc_server_started_total', GET), 36);
    assert.equal(sample(text, 'grpc_server_handled_total', { ...GET, grpc_code: 'OK' }), server.counts['Get OK']);
    assert.equal(sample(text, 'grpc_server_handled_total', { ...GET, grpc_code: 'NotFound' }), server.counts['Get NotFound']);
    assert.equal(sample(text, 'grpc_server_handled_total', { ...GET, grpc_code: 'Unavailable' }), server.counts['Get Unavailable']);
    assert.equal(sample(text, 'grpc_server_handling_seconds_count', GET), 36);
    assert.equal(sample(text, 'grpc_server_started_total', WATCH), 4);
    assert.equal(sample(text, 'grpc_server_handled_total', { ...WATCH, grpc_code: 'OK' }), 4);
    // A method the service does not have: a 404, which gRPC's HTTP mapping reads as UNIMPLEMENTED.
    assert.equal(sample(text, 'grpc_server_handled_total', { grpc_type: 'unknown', ...stock, grpc_method: 'Nope', grpc_code: 'Unimplemented' }), 1);
    assert.deepEqual(labelValues(text, 'grpc_server_started_total', 'grpc_method'), ['Get', 'Nope', 'Watch']);
    assert.deepEqual(labelValues(text, 'grpc_server_handled_total', 'grpc_code'), ['NotFound', 'OK', 'Unavailable', 'Unimplemented']);
    // Every request is still in the HTTP/2 metrics: 30 + 4 (retries) + 7 gRPC-js + 4 plain.
    assert.match(text, /^h2_requests_total 45$/m);

    // The client's view of the same run.
    const ctext = await clientRegistry.metrics();
    assert.equal(sample(ctext, 'grpc_client_handled_total', { ...GET, grpc_code: 'OK' }), 20);
    assert.equal(sample(ctext, 'grpc_client_handled_total', { ...GET, grpc_code: 'NotFound' }), 7);
    assert.equal(sample(ctext, 'grpc_client_handled_total', { ...GET, grpc_code: 'Unavailable' }), 2);
    // One stream per attempt, on the address actually connected to: 20 + 7 + 2 × 3 + 1.
    assert.equal(sample(ctext, 'grpc_client_stream_created_total', { service: 'h2doctor.test.Stock', peer: `127.0.0.1:${server.port}` }), 34);
    assert.deepEqual(labelValues(ctext, 'grpc_client_stream_created_total', 'peer'), [`127.0.0.1:${server.port}`]);
  });

  test('grpc_client_stream_created_total: peer is the address connected to, and follows a DNS move', async () => {
    const server = await startStockServer({ grpcMetrics: true }, undefined, '0.0.0.0');
    closers.push(() => server.close());
    let address = '127.0.0.1';
    const registry = new Registry();
    const client = createClient({
      endpoints: [{ url: `http://stock.test:${server.port}` }],
      lookup: async () => [{ address, family: 4 }],
      dnsRefreshMs: 500,
      grpcMetrics: { registry },
    });
    closers.push(() => client.close({ graceMs: 100 }));
    for (let i = 0; i < 5; i++) assert.equal(await unary(client, '/h2doctor.test.Stock/Get', `a${i}`), 'OK');
    address = '127.0.0.2';
    // The name moved: the session to 127.0.0.1 is retired, new calls connect to 127.0.0.2.
    await waitFor(() => client.stats().endpoints[0]!.retired['dns-change'] === 1, 5000);
    for (let i = 0; i < 3; i++) assert.equal(await unary(client, '/h2doctor.test.Stock/Get', `b${i}`), 'OK');
    const text = await registry.metrics();
    assert.equal(sample(text, 'grpc_client_stream_created_total', { service: 'h2doctor.test.Stock', peer: `127.0.0.1:${server.port}` }), 5);
    assert.equal(sample(text, 'grpc_client_stream_created_total', { service: 'h2doctor.test.Stock', peer: `127.0.0.2:${server.port}` }), 3);
    assert.deepEqual(labelValues(text, 'grpc_client_stream_created_total', 'peer'), [`127.0.0.1:${server.port}`, `127.0.0.2:${server.port}`]);
  });

  test('Trailers-Only, HTTP-status-only and cancelled calls, malformed paths and the method cap', async () => {
    const server = await startRawGrpcServer({ grpcMetrics: { maxMethods: 3, methodTypes: (m) => (m.endsWith('/Ok') ? 'unary' : undefined) } });
    const client = newClient(server.url, new Registry());
    const codes: string[] = [];
    // Trailers-Only: the status rides on the response HEADERS (h2doctor's client reads it there too).
    for (const status of ['8', '8', '8', '5', '5']) codes.push(await unaryRaw(client, '/h2doctor.test.Raw/Fail', { 'x-status': status }));
    for (let i = 0; i < 4; i++) codes.push(await unaryRaw(client, '/h2doctor.test.Raw/Ok', {}));
    assert.deepEqual(codes, ['RESOURCE_EXHAUSTED', 'RESOURCE_EXHAUSTED', 'RESOURCE_EXHAUSTED', 'NOT_FOUND', 'NOT_FOUND', 'OK', 'OK', 'OK', 'OK']);

    const raw = http2.connect(server.url);
    closers.push(async () => { raw.close(); });
    // HTTP 503 with no grpc-status at all (UNAVAILABLE by gRPC's HTTP mapping), sent twice.
    for (let i = 0; i < 2; i++) await rawCall(raw, '/h2doctor.test.Raw/Http503');
    // The client resets a call in flight: CANCELLED.
    await rawCall(raw, '/h2doctor.test.Raw/Hang', 50);
    // Paths that are not /service/method.
    await rawCall(raw, '/not-grpc-shaped');
    await rawCall(raw, '/a/b/c');
    // A fifth method: like Hang, past maxMethods 3 (Fail, Ok and Http503 came first).
    await rawCall(raw, '/h2doctor.test.Raw/Other1');
    await waitFor(() => server.closed >= 9 + 2 + 1 + 2 + 1);

    const text = await server.doctor.registry.metrics();
    const raw3 = (method: string, type = 'unknown') => ({ grpc_type: type, grpc_service: 'h2doctor.test.Raw', grpc_method: method });
    assert.equal(sample(text, 'grpc_server_handled_total', { ...raw3('Fail'), grpc_code: 'ResourceExhausted' }), 3);
    assert.equal(sample(text, 'grpc_server_handled_total', { ...raw3('Fail'), grpc_code: 'NotFound' }), 2);
    assert.equal(sample(text, 'grpc_server_handled_total', { ...raw3('Ok', 'unary'), grpc_code: 'OK' }), 4);
    assert.equal(sample(text, 'grpc_server_handled_total', { ...raw3('Http503'), grpc_code: 'Unavailable' }), 2);
    // Hang and Other1 came after three methods were labelled: they share `other`.
    const other = { grpc_type: 'unknown', grpc_service: 'other', grpc_method: 'other' };
    assert.equal(sample(text, 'grpc_server_started_total', other), 2);
    assert.equal(sample(text, 'grpc_server_handled_total', { ...other, grpc_code: 'Canceled' }), 1);
    assert.equal(sample(text, 'grpc_server_handled_total', { ...other, grpc_code: 'OK' }), 1);
    const unknown = { grpc_type: 'unknown', grpc_service: 'unknown', grpc_method: 'unknown' };
    assert.equal(sample(text, 'grpc_server_started_total', unknown), 2);
    assert.deepEqual(labelValues(text, 'grpc_server_started_total', 'grpc_method'), ['Fail', 'Http503', 'Ok', 'other', 'unknown']);
    assert.equal(sample(text, 'grpc_server_handling_seconds_count', raw3('Fail')), 5);
  });

  test('one registry cannot take the gRPC metrics of two servers; bad options are refused', () => {
    const registry = new Registry();
    const a = instrument(http2.createServer(), { grpcMetrics: true, metrics: { registry, prefix: 'a_' }, slowRequests: false });
    assert.throws(() => instrument(http2.createServer(), { grpcMetrics: true, metrics: { registry, prefix: 'b_' }, slowRequests: false }), ConfigError);
    a.detach();
    assert.throws(() => instrument(http2.createServer(), { grpcMetrics: { maxMethods: 0 } }), /maxMethods/);
    assert.throws(() => instrument(http2.createServer(), { grpcMetrics: { buckets: [1, 0.5] } }), /buckets/);
    assert.throws(() => instrument(http2.createServer(), { grpcMetrics: { methodTypes: [{ typeName: 'x.S', methods: [{ name: 'M', methodKind: 'sideways' as never }] }] } }), /methodKind/);
  });
});

interface RawServer {
  url: string;
  doctor: ReturnType<typeof instrument>;
  /** gRPC streams closed so far. */
  closed: number;
}

/**
 * A gRPC server written on node:http2's stream API: `/…/Fail` answers Trailers-Only with the
 * grpc-status of the request's `x-status`, `/…/Http503` a bare 503, `/…/Hang` never answers,
 * anything else echoes with grpc-status 0 in the trailers.
 */
async function startRawGrpcServer(options: InstrumentOptions): Promise<RawServer> {
  const server = http2.createServer();
  const doctor = instrument(server, { slowRequests: false, trace: false, log: () => {}, ...options });
  const state: RawServer = { url: '', doctor, closed: 0 };
  server.on('stream', (stream, headers) => {
    const path = String(headers[':path']);
    stream.on('error', () => {});
    stream.on('close', () => { state.closed++; });
    stream.resume();
    stream.on('end', () => {
      if (stream.destroyed) return;
      if (path.endsWith('/Fail')) stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(headers['x-status']), 'grpc-message': 'trailers-only' }, { endStream: true });
      else if (path.endsWith('/Http503')) stream.respond({ ':status': 503 }, { endStream: true });
      else if (path.endsWith('/Hang')) return;
      else {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(frameMessage(encodeString('stock:x')));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => { sessions.add(s); s.on('close', () => sessions.delete(s)); });
  closers.push(async () => {
    for (const s of sessions) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return state;
}

async function unaryRaw(client: H2Client, method: string, metadata: Record<string, string>): Promise<string> {
  try {
    await client.unary({ method, message: encodeString('x'), metadata });
    return 'OK';
  } catch (err) {
    if (err instanceof GrpcStatusError) return err.statusName;
    throw err;
  }
}

/** One gRPC request on a plain node:http2 session; `cancelAfterMs` resets it with CANCEL. */
function rawCall(session: http2.ClientHttp2Session, path: string, cancelAfterMs?: number): Promise<void> {
  return new Promise((resolve) => {
    const s = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' });
    const decoder = new GrpcMessageDecoder();
    s.on('data', (b: Buffer) => decoder.push(b));
    s.on('error', () => {});
    s.on('close', () => resolve());
    s.end(frameMessage(encodeString('x')));
    if (cancelAfterMs !== undefined) setTimeout(() => s.close(http2.constants.NGHTTP2_CANCEL), cancelAfterMs);
  });
}
