/**
 * gRPC health checking (grpc/grpc doc/health-checking.md, grpc.health.v1): HealthCheckRequest
 * `{ string service = 1; }`, HealthCheckResponse `{ ServingStatus status = 1; }`.
 */
import { fieldString, fieldVarint, ProtobufWriter, readFields } from './protobuf-wire.js';

export const HEALTH_CHECK_METHOD = '/grpc.health.v1.Health/Check';
export const HEALTH_WATCH_METHOD = '/grpc.health.v1.Health/Watch';

/** HealthCheckResponse.ServingStatus. SERVICE_UNKNOWN is only used by Watch. */
export const ServingStatus = { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 } as const;
export type ServingStatusName = keyof typeof ServingStatus;

export function servingStatusName(value: number): ServingStatusName | `UNRECOGNIZED(${number})` {
  const name = (Object.keys(ServingStatus) as ServingStatusName[]).find((k) => ServingStatus[k] === value);
  return name ?? `UNRECOGNIZED(${value})`;
}

/** HealthCheckRequest for `service` ('' asks about the server as a whole). */
export function encodeHealthCheckRequest(service: string): Uint8Array {
  const w = new ProtobufWriter();
  if (service !== '') w.stringField(1, service); // proto3 leaves default values off the wire
  return w.finish();
}

export function decodeHealthCheckRequest(bytes: Uint8Array): { service: string } {
  let service = '';
  for (const f of readFields(bytes)) if (f.field === 1) service = fieldString(f);
  return { service };
}

export function encodeHealthCheckResponse(status: number): Uint8Array {
  const w = new ProtobufWriter();
  if (status !== 0) w.varintField(1, status);
  return w.finish();
}

/** Unknown fields are skipped, as protobuf requires; a repeated field keeps the last value. */
export function decodeHealthCheckResponse(bytes: Uint8Array): { status: number } {
  let status = 0;
  for (const f of readFields(bytes)) if (f.field === 1) status = fieldVarint(f);
  return { status };
}
