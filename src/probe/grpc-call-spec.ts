/**
 * The request a gRPC probe call sends: POST to the method path with gRPC's request headers
 * (src/grpc/request-headers.ts) and one length-prefixed message, framed once and reused by
 * every call.
 */
import { grpcRequestHeaders } from '../grpc/request-headers.js';
import { frameMessage, DEFAULT_MAX_MESSAGE_BYTES } from '../grpc/message-frame.js';
import { encodeHealthCheckRequest, HEALTH_CHECK_METHOD } from '../grpc/health.js';
import type { RequestSpec } from './requests.js';

export interface GrpcProbeOptions {
  /** The service health Check asks about. Default '' (the whole server). */
  service?: string;
  /** The calls to send instead of health Checks: method path and serialized request. */
  call?: { path: string; message: Uint8Array } | null;
  /** Largest response message accepted (and request sent). Default 4 MiB. */
  maxMessageBytes?: number;
  /** Hold a connection this long with calls in flight and report connection age (0: skip). */
  watchMs?: number;
  /** Gap between keep-alive PINGs. Default 1000 ms. */
  keepaliveIntervalMs?: number;
  /** PINGs sent at most. Default 5 (0 skips the check). */
  keepalivePings?: number;
}

/** A request spec for one gRPC call; `timeoutMs` is sent as grpc-timeout. */
export function grpcCallSpec(path: string, message: Uint8Array, maxMessageBytes: number, timeoutMs: number, authority: string, scheme: 'http' | 'https'): RequestSpec {
  const headers = grpcRequestHeaders({ path, authority, scheme, timeoutMs })
    .filter((f) => !f.name.startsWith(':')) // node:http2 writes the pseudo-headers from the session
    .map((f) => [f.name, f.value] as [string, string]);
  return {
    method: 'POST',
    path,
    headers,
    body: Buffer.from(frameMessage(message, { maxMessageBytes })),
    grpc: { maxMessageBytes },
  };
}

/** The spec for the probe's calls: `--call`, or health Checks of `--grpc-service`. */
export function grpcProbeCallSpec(url: URL, options: GrpcProbeOptions, timeoutMs: number): RequestSpec {
  const max = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  if (options.call) return grpcCallSpec(options.call.path, options.call.message, max, timeoutMs, url.host, scheme);
  return grpcCallSpec(HEALTH_CHECK_METHOD, encodeHealthCheckRequest(options.service ?? ''), max, timeoutMs, url.host, scheme);
}
