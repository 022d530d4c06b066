/**
 * Step 3: the requests. First a few one at a time (a clean baseline per request), then the rest
 * with `concurrency` in flight on one connection. When the server ends the connection (GOAWAY,
 * FIN, reset), the next request opens a new one and the probe counts it: that is the churn a
 * real client pays. A request the server never processed (above GOAWAY's last-stream-id, or
 * REFUSED_STREAM, RFC 9113 §6.8, §8.7) is retried once on the new connection, as a client would.
 */
import { constants as h2 } from 'node:http2';
import type { Clock } from '../clock.js';
import { h2ErrorName } from '../codec/names.js';
import type { RequestFacts } from './facts.js';
import type { ProbeConnection } from './connection.js';
import type { GrpcCallResult } from './grpc-facts.js';
import { GrpcResponseReader } from './grpc-response-reader.js';

export interface RequestSpec {
  method: string;
  /** Path and query. */
  path: string;
  /** Extra request headers (lower-cased names). */
  headers: [string, string][];
  body: Buffer | null;
  /** gRPC mode: read the response as gRPC, within this message size. */
  grpc?: { maxMessageBytes: number };
}

export interface RequestPlan {
  total: number;
  /** How many run one at a time first. */
  sequential: number;
  /** In flight at once afterwards. */
  concurrency: number;
  timeoutMs: number;
}

/** Hands out the current connection, opening a new one when the last is closing. */
export interface ConnectionSource {
  current(signal?: AbortSignal): Promise<ProbeConnection>;
}

/** Safe methods (RFC 9110 §9.2.1): re-sending them after a bare close cannot change server state. */
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

interface Attempt {
  status: number | null;
  contentType: string | null;
  ttfbMs: number | null;
  totalMs: number | null;
  bytes: number;
  streamId: number | null;
  resetCode: number | null;
  error: string | null;
  /** The server did not process it: safe to retry on a new connection. */
  unprocessed: boolean;
  /** gRPC mode: the call's gRPC outcome and its response messages. */
  grpc?: GrpcCallResult;
  grpcMessages?: Uint8Array[];
}

/** Sends one request on `conn` and waits for its end, a reset, the connection's end, or the timeout. */
export function sendRequest(conn: ProbeConnection, spec: RequestSpec, clock: Clock, timeoutMs: number, signal?: AbortSignal): Promise<Attempt> {
  return new Promise((resolve) => {
    const a: Attempt = { status: null, contentType: null, ttfbMs: null, totalMs: null, bytes: 0, streamId: null, resetCode: null, error: null, unprocessed: false };
    const headers: Record<string, string | string[]> = { ':method': spec.method, ':path': spec.path };
    for (const [name, value] of spec.headers) headers[name] = headers[name] === undefined ? value : [...[headers[name]!].flat(), value];
    const t0 = clock.now();
    let done = false;
    let stream: ReturnType<typeof conn.session.request> | undefined;
    const grpc = spec.grpc ? new GrpcResponseReader(spec.grpc.maxMessageBytes) : null;
    const finish = (error: string | null) => {
      if (done) return;
      done = true;
      if (grpc) {
        a.grpc = grpc.result(a.resetCode, a.totalMs !== null, error);
        a.grpcMessages = grpc.messages;
      }
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      a.error = error;
      if (error === null) conn.requests++;
      resolve(a);
    };
    const timer = setTimeout(() => {
      finish(`timed out after ${timeoutMs} ms${a.status === null ? ' waiting for response headers' : ' waiting for the body'}`);
      if (stream && !stream.destroyed) stream.close(h2.NGHTTP2_CANCEL);
    }, timeoutMs);
    function onAbort() {
      finish('aborted');
      if (stream && !stream.destroyed) stream.close(h2.NGHTTP2_CANCEL);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) return onAbort();
    try {
      stream = conn.session.request(headers, { endStream: spec.body === null });
    } catch (err) {
      a.unprocessed = true;
      finish(`could not open a stream: ${(err as Error).message}`);
      return;
    }
    conn.streams++;
    stream.once('ready', () => { a.streamId = stream.id ?? null; });
    stream.on('response', (h) => {
      a.ttfbMs = clock.now() - t0;
      a.status = Number(h[':status']);
      const ct = h['content-type'];
      a.contentType = typeof ct === 'string' ? ct.toLowerCase() : null;
      grpc?.headers(h);
    });
    stream.on('data', (chunk: Buffer) => { a.bytes += chunk.length; grpc?.data(chunk); });
    if (grpc) stream.on('trailers', (t) => grpc.trailers(t));
    stream.on('end', () => {
      a.totalMs = clock.now() - t0;
      if (a.streamId === null) a.streamId = stream.id ?? null;
    });
    stream.on('error', () => {}); // judged on 'close' from rstCode and what arrived
    stream.on('close', () => {
      if (a.streamId === null) a.streamId = stream.id ?? null;
      // node:http2 may close a stream (session closing after GOAWAY) before emitting 'end' for
      // a response that did complete: the tap's END_STREAM is the authority.
      const completed = a.totalMs !== null || (a.streamId !== null && conn.tap.events.some((e) =>
        e.dir === 'recv' && e.frame.streamId === a.streamId && (e.frame.type === 'DATA' || e.frame.type === 'HEADERS') && e.frame.endStream));
      if (completed && a.status !== null) {
        a.totalMs ??= clock.now() - t0;
        return finish(null);
      }
      const code = stream.rstCode;
      const goaway = conn.end.goaway;
      // Streams above GOAWAY's last-stream-id, or refused, were not processed (RFC 9113 §6.8, §8.7).
      if (code === h2.NGHTTP2_REFUSED_STREAM || (goaway && (a.streamId === null || a.streamId > goaway.lastStreamId))) {
        a.unprocessed = true;
      } else if (a.status === null && a.streamId === null) {
        a.unprocessed = true; // the connection went away before the stream was ever sent
      } else if (a.status === null && conn.closing && !conn.end.goaway && safeMethods.has(spec.method)) {
        // Closed without GOAWAY, nothing tells which streams the server processed; a safe
        // request may be re-sent, as Go's transport does (RFC 9110 §9.2.1).
        a.unprocessed = true;
      }
      // Only a RST_STREAM the server sent counts as its reset; our own CANCEL on timeout does not.
      const serverReset = conn.tap.events.some((e) => e.dir === 'recv' && e.frame.type === 'RST_STREAM' && e.frame.streamId === a.streamId);
      if (serverReset && code !== undefined && code !== h2.NGHTTP2_NO_ERROR) {
        a.resetCode = code;
        return finish(`stream reset by the server: ${h2ErrorName(code)}`);
      }
      if (conn.closing) return finish(conn.end.goaway ? `connection ended by GOAWAY ${h2ErrorName(conn.end.goaway.errorCode)} before the response` : 'connection closed before the response');
      finish(code ? `stream closed with ${h2ErrorName(code)}` : 'stream closed before the response');
    });
    if (spec.body !== null) stream.end(spec.body);
  });
}

/** Runs the plan; each request records which connection it ran on. */
export async function runRequests(source: ConnectionSource, spec: RequestSpec, plan: RequestPlan, clock: Clock, signal?: AbortSignal): Promise<RequestFacts[]> {
  const results: RequestFacts[] = [];
  /** Set when a new connection could not be opened: the remaining requests fail with it. */
  let reconnectError: string | null = null;
  const failed = (index: number, phase: RequestFacts['phase'], retried: boolean, error: string): RequestFacts => ({
    index, phase, connection: 0, streamId: null, status: null, contentType: null, ttfbMs: null, totalMs: null, bytes: 0, resetCode: null, error, retried,
  });
  const one = async (index: number, phase: RequestFacts['phase']): Promise<void> => {
    let retried = false;
    for (let attempt = 0; ; attempt++) {
      if (reconnectError !== null) {
        results.push(failed(index, phase, retried, reconnectError));
        return;
      }
      let conn: ProbeConnection;
      try {
        conn = await source.current(signal);
      } catch (err) {
        if (signal?.aborted) throw err;
        reconnectError = `could not open a new connection: ${(err as Error).message}`;
        continue;
      }
      const a = await sendRequest(conn, spec, clock, plan.timeoutMs, signal);
      if (a.error !== null && a.unprocessed && attempt < 2 && !signal?.aborted) {
        retried = true;
        continue;
      }
      results.push({
        index, phase, connection: conn.index, streamId: a.streamId, status: a.status, contentType: a.contentType,
        ttfbMs: a.ttfbMs, totalMs: a.totalMs, bytes: a.bytes, resetCode: a.resetCode, error: a.error, retried,
        ...(a.grpc ? { grpc: a.grpc } : {}),
      });
      return;
    }
  };
  const sequential = Math.min(plan.sequential, plan.total);
  for (let i = 1; i <= sequential; i++) await one(i, 'sequential');
  let next = sequential + 1;
  const worker = async () => {
    while (next <= plan.total && !signal?.aborted) await one(next++, 'concurrent');
  };
  await Promise.all(Array.from({ length: Math.min(plan.concurrency, plan.total - sequential) }, worker));
  return results.sort((x, y) => x.index - y.index);
}
