/**
 * Health Check (grpc.health.v1) and server reflection ListServices (v1, then v1alpha) on one
 * connection. Reflection is a bidirectional stream; the probe sends one request and
 * half-closes, which servers answer with one response and the status.
 */
import type { Clock } from '../clock.js';
import { decodeHealthCheckResponse, encodeHealthCheckRequest, HEALTH_CHECK_METHOD, servingStatusName } from '../grpc/health.js';
import { decodeListServicesResponse, encodeListServicesRequest, REFLECTION_V1ALPHA_METHOD, REFLECTION_V1_METHOD } from '../grpc/reflection.js';
import { GrpcStatus } from '../grpc/status.js';
import { H2DoctorError } from '../errors.js';
import type { ProbeConnection } from './connection.js';
import type { GrpcHealthFacts, GrpcReflectionFacts } from './grpc-facts.js';
import { grpcCallSpec } from './grpc-call-spec.js';
import { sendRequest } from './requests.js';

export interface DiscoveryContext {
  url: URL;
  clock: Clock;
  timeoutMs: number;
  maxMessageBytes: number;
}

function spec(ctx: DiscoveryContext, path: string, message: Uint8Array) {
  return grpcCallSpec(path, message, ctx.maxMessageBytes, ctx.timeoutMs, ctx.url.host, ctx.url.protocol === 'https:' ? 'https' : 'http');
}

/** One line saying why an answer was not gRPC, or null when it was. */
export type NotGrpcReason = string | null;

export async function checkHealth(conn: ProbeConnection, ctx: DiscoveryContext, service: string, signal?: AbortSignal): Promise<{ health: GrpcHealthFacts; notGrpc: NotGrpcReason }> {
  const a = await sendRequest(conn, spec(ctx, HEALTH_CHECK_METHOD, encodeHealthCheckRequest(service)), ctx.clock, ctx.timeoutMs, signal);
  const g = a.grpc!;
  const base = { service, grpcStatus: g.status, message: g.message, ms: a.totalMs };
  // No answer at all (a time-out, a dropped connection) says nothing about gRPC: the check failed.
  if (a.status === null) return { health: { ...base, status: 'FAILED' }, notGrpc: null };
  if (!g.isGrpc) {
    const why = `${HEALTH_CHECK_METHOD} was answered with :status ${a.status}, content-type ${a.contentType ?? 'none'} and no grpc-status`;
    return { health: { ...base, status: 'FAILED' }, notGrpc: why };
  }
  if (g.code === GrpcStatus.OK) {
    try {
      const body = a.grpcMessages?.[0];
      const status = body ? decodeHealthCheckResponse(body).status : 0;
      return { health: { ...base, status: servingStatusName(status) }, notGrpc: null };
    } catch (err) {
      return { health: { ...base, status: 'FAILED', message: (err as H2DoctorError).message }, notGrpc: null };
    }
  }
  // Check answers NOT_FOUND for a service it does not know (health-checking.md).
  if (g.code === GrpcStatus.NOT_FOUND) return { health: { ...base, status: 'SERVICE_UNKNOWN' }, notGrpc: null };
  if (g.code === GrpcStatus.UNIMPLEMENTED) return { health: { ...base, status: 'UNIMPLEMENTED' }, notGrpc: null };
  return { health: { ...base, status: 'FAILED' }, notGrpc: null };
}

export async function listServices(conn: ProbeConnection, ctx: DiscoveryContext, signal?: AbortSignal): Promise<GrpcReflectionFacts> {
  const errors: string[] = [];
  for (const [version, path] of [['v1', REFLECTION_V1_METHOD], ['v1alpha', REFLECTION_V1ALPHA_METHOD]] as const) {
    if (conn.closing) break;
    const a = await sendRequest(conn, spec(ctx, path, encodeListServicesRequest(ctx.url.hostname)), ctx.clock, ctx.timeoutMs, signal);
    const g = a.grpc!;
    const body = a.grpcMessages?.[0];
    if (body) {
      try {
        const r = decodeListServicesResponse(body);
        if (r.kind === 'services') return { version, services: r.services.sort(), error: null };
        errors.push(`${version}: ${r.kind === 'error' ? `error response ${r.code} ${r.message}` : 'no list_services_response'}`);
        continue;
      } catch (err) {
        errors.push(`${version}: ${(err as Error).message}`);
        continue;
      }
    }
    errors.push(`${version}: ${g.status}${g.message ? ` (${g.message})` : ''}`);
  }
  return { version: null, services: null, error: errors.join('; ') || 'the connection closed' };
}
