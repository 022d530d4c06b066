import type { Clock } from '../clock.js';
import {
  AbortError,
  BreakerOpenError,
  ConfigError,
  DeadlineExceededError,
  GrpcStatusError,
  NoHealthyEndpointError,
  NotGrpcError,
  type H2DoctorError,
} from '../errors.js';
import { encodeGrpcTimeout, frameMessage, GrpcMessageDecoder, GrpcStatus, grpcStatusName, parseGrpcMethod, type GrpcCallStatus } from '../grpc/index.js';
import type { Random } from '../random.js';
import type { GrpcClientMetrics } from './grpc-metrics.js';
import type { RequestOptions } from './options.js';
import type { ClientResponse } from './response.js';
import type { RetryBudget } from './retry-budget.js';
import { backoffDelay, type BackoffOptions } from './retry-policy.js';

/**
 * `client.unary()`: one gRPC unary call over the client's pools, breakers and failover. The
 * deadline goes out as `grpc-timeout` (the time left, on every attempt). Retries follow
 * gRFC A6: a stream the server provably did not process is re-sent transparently by the
 * request layer (REFUSED_STREAM, above a GOAWAY's last-stream-id); a call that ends
 * UNAVAILABLE, or whose connection broke under it (which gRPC reports as UNAVAILABLE), is
 * retried up to `retry.maxAttempts` with backoff, each retry paid from the retry budget.
 * Every other status rejects at once with GrpcStatusError.
 */

export interface UnaryOptions {
  /** `/pkg.Service/Method`. */
  method: string;
  /** The serialized request message. */
  message: Uint8Array;
  /** Deadline for the call, retries included; default the client's timeoutMs. */
  timeoutMs?: number;
  /** Custom metadata (lower-case names, not `grpc-*`). */
  metadata?: Record<string, string>;
  signal?: AbortSignal;
}

export interface UnaryResult {
  /** The response message (empty when the server sent none). */
  message: Uint8Array;
  /** The trailers (grpc-status, grpc-message, custom trailing metadata). */
  trailers: Record<string, string | string[] | undefined>;
  /** Endpoint that answered. */
  endpoint: string;
  /** Attempts it took, all retries counted (1 = none). */
  attempts: number;
}

/** What `unaryCall` needs from the client. */
export interface UnaryHost {
  request(options: RequestOptions): Promise<ClientResponse>;
  readonly budget: RetryBudget;
  readonly clock: Clock;
}

export interface UnaryDefaults {
  timeoutMs: number;
  maxAttempts: number;
  backoff: BackoffOptions;
  random: Random;
  /** Counts the status-driven retries (`stats().grpcRetries`). */
  onRetry(): void;
  /** Prometheus metrics (the `grpcMetrics` option); undefined: none. */
  metrics: GrpcClientMetrics | undefined;
}

const METADATA_NAME = /^[0-9a-z_.-]+$/;

export async function unaryCall(host: UnaryHost, defaults: UnaryDefaults, options: UnaryOptions): Promise<UnaryResult> {
  parseGrpcMethod(options.method);
  const metrics = defaults.metrics;
  if (metrics === undefined) return unaryAttempts(host, defaults, options, undefined);
  const labels = metrics.start(options.method);
  const t0 = host.clock.now();
  try {
    const r = await unaryAttempts(host, defaults, options, metrics.streamCounter(labels.grpc_service!));
    metrics.end(labels, GrpcStatus.OK, (host.clock.now() - t0) / 1000);
    return r;
  } catch (err) {
    const code = err instanceof GrpcStatusError ? err.grpcCode : err instanceof AbortError ? GrpcStatus.CANCELLED : GrpcStatus.UNKNOWN;
    metrics.end(labels, code, (host.clock.now() - t0) / 1000);
    throw err;
  }
}

/** `onStream` hears the peer of every stream the call opens (grpc_client_stream_created_total). */
async function unaryAttempts(host: UnaryHost, defaults: UnaryDefaults, options: UnaryOptions, onStream: ((peer: string) => void) | undefined): Promise<UnaryResult> {
  const timeoutMs = options.timeoutMs ?? defaults.timeoutMs;
  if (!(timeoutMs > 0)) throw new ConfigError(`timeoutMs must be positive, got ${options.timeoutMs}`);
  const headers: Record<string, string> = { 'content-type': 'application/grpc', te: 'trailers' };
  for (const [name, value] of Object.entries(options.metadata ?? {})) {
    if (!METADATA_NAME.test(name) || name.startsWith('grpc-')) throw new ConfigError(`gRPC metadata name '${name}' is not allowed (lower-case 0-9 a-z _ . -, not grpc-*)`);
    headers[name] = value;
  }
  const body = frameMessage(options.message);
  const deadline = host.clock.now() + timeoutMs;
  let attempts = 0;
  for (let tries = 1; ; tries++) {
    const left = deadline - host.clock.now();
    if (left <= 0) throw deadlineError(options.method, timeoutMs);
    if (timeoutMs !== Infinity) headers['grpc-timeout'] = encodeGrpcTimeout(left);
    let status: GrpcCallStatus;
    let result: UnaryResult | undefined;
    try {
      const res = await host.request({ method: 'POST', path: options.method, headers, body, timeoutMs: left, signal: options.signal, onStream });
      attempts += res.attempts;
      ({ status, result } = await readCall(res, options.method));
    } catch (err) {
      const e = err as H2DoctorError;
      if (e instanceof AbortError || e instanceof ConfigError || e instanceof NotGrpcError) throw e;
      if (e instanceof DeadlineExceededError) throw deadlineError(options.method, timeoutMs, e);
      if (e instanceof BreakerOpenError || e instanceof NoHealthyEndpointError) throw statusError(options.method, GrpcStatus.UNAVAILABLE, e.message, e);
      // The connection broke under the call: gRPC calls that UNAVAILABLE, and so do we.
      attempts++;
      status = { code: GrpcStatus.UNAVAILABLE, name: 'UNAVAILABLE', message: e.message, source: 'rst-stream', isGrpc: true };
      result = undefined;
      (status as { cause?: unknown }).cause = e;
    }
    if (status.code === GrpcStatus.OK && result !== undefined) return { ...result, attempts };
    const retryable = status.code === GrpcStatus.UNAVAILABLE && tries < defaults.maxAttempts;
    if (!retryable || !host.budget.tryWithdraw()) throw statusError(options.method, status.code, status.message, (status as { cause?: unknown }).cause);
    defaults.onRetry();
    const wait = backoffDelay(tries, defaults.random, defaults.backoff);
    if (host.clock.now() + wait >= deadline) throw deadlineError(options.method, timeoutMs);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}

/** Reads the body and waits for the status (the trailers). */
async function readCall(res: ClientResponse, method: string): Promise<{ status: GrpcCallStatus; result: UnaryResult | undefined }> {
  const grpc = res.grpc;
  if (grpc === undefined) {
    await res.dump().catch(() => {});
    throw new NotGrpcError(`${method}: the server did not answer in gRPC (HTTP ${res.status}, content-type ${String(res.headers['content-type'])})`);
  }
  // Trailers-only (the status in the response headers, END_STREAM on them): no body to read.
  const bytes = grpc.status?.source === 'trailers-only' ? new Uint8Array(0) : await res.arrayBuffer();
  const status = await new Promise<GrpcCallStatus>((resolve) => grpc.onStatus(resolve));
  if (status.code !== GrpcStatus.OK) return { status, result: undefined };
  const decoder = new GrpcMessageDecoder();
  const messages = decoder.push(bytes);
  decoder.end();
  const trailers: Record<string, string | string[] | undefined> = {};
  for (const [k, v] of Object.entries(grpc.trailers ?? {})) if (!k.startsWith(':')) trailers[k] = v as string | string[] | undefined;
  return { status, result: { message: messages[0]?.data ?? new Uint8Array(0), trailers, endpoint: res.endpoint, attempts: 0 } };
}

function statusError(method: string, code: number, details: string, cause?: unknown): GrpcStatusError {
  const statusName = grpcStatusName(code);
  return new GrpcStatusError(`${method}: ${statusName}${details ? `: ${details}` : ''}`, { grpcCode: code, statusName, details, cause });
}

function deadlineError(method: string, timeoutMs: number, cause?: unknown): GrpcStatusError {
  return statusError(method, GrpcStatus.DEADLINE_EXCEEDED, `deadline of ${timeoutMs} ms passed`, cause);
}
