/**
 * Request headers of a gRPC call (PROTOCOL-HTTP2.md "Requests"): POST to the method path,
 * `content-type: application/grpc`, `te: trailers` (it tells proxies the client understands
 * trailers, and some servers refuse calls without it), and `grpc-timeout` from the deadline.
 * Returned as a plain name/value list in wire order, for node:http2 or h2doctor's own HPACK
 * encoder alike: build it once per method and reuse it.
 */
import { ConfigError } from '../errors.js';
import type { HeaderField } from '../codec/types.js';
import { encodeGrpcTimeout } from './timeout.js';

export interface GrpcRequestHeaderOptions {
  /** `/pkg.Service/Method` (see parseGrpcMethod). */
  path: string;
  /** `:authority`, host[:port]. */
  authority: string;
  /** `http` (h2c) or `https`. Default `http`. */
  scheme?: 'http' | 'https';
  /** Deadline from now: written as grpc-timeout. None when absent. */
  timeoutMs?: number;
  /** Custom metadata, lower-case ASCII names; reserved `grpc-` names and pseudo-headers are refused. */
  metadata?: ReadonlyArray<readonly [string, string]>;
  /** Default `h2doctor`. */
  userAgent?: string;
}

export const GRPC_CONTENT_TYPE = 'application/grpc';

/** True for `application/grpc`, `application/grpc+proto`, `application/grpc;…` (case-insensitive). */
export function isGrpcContentType(value: string | null | undefined): boolean {
  if (!value) return false;
  const v = value.toLowerCase();
  return v === GRPC_CONTENT_TYPE || v.startsWith(`${GRPC_CONTENT_TYPE}+`) || v.startsWith(`${GRPC_CONTENT_TYPE};`);
}

export function grpcRequestHeaders(options: GrpcRequestHeaderOptions): HeaderField[] {
  const fields: HeaderField[] = [
    { name: ':method', value: 'POST' },
    { name: ':scheme', value: options.scheme ?? 'http' },
    { name: ':path', value: options.path },
    { name: ':authority', value: options.authority },
    { name: 'content-type', value: GRPC_CONTENT_TYPE },
    { name: 'te', value: 'trailers' },
    { name: 'user-agent', value: options.userAgent ?? 'h2doctor' },
  ];
  if (options.timeoutMs !== undefined) fields.push({ name: 'grpc-timeout', value: encodeGrpcTimeout(options.timeoutMs) });
  for (const [name, value] of options.metadata ?? []) {
    if (!/^[0-9a-z_.-]+$/.test(name) || name.startsWith('grpc-')) throw new ConfigError(`gRPC metadata name '${name}' is not allowed (lower-case 0-9 a-z _ . -, not grpc-*)`);
    fields.push({ name, value });
  }
  return fields;
}
