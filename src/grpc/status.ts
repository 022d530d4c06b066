/**
 * gRPC status codes (gRPC's doc/statuscodes.md) and the two mappings gRPC documents for calls
 * that end without a grpc-status: from the HTTP status (doc/http-grpc-status-mapping.md) and
 * from an RST_STREAM error code (doc/PROTOCOL-HTTP2.md, "Errors").
 */
import { H2ErrorCode } from '../errors.js';

export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;
export type GrpcStatusName = keyof typeof GrpcStatus;

const names: GrpcStatusName[] = [];
for (const [name, code] of Object.entries(GrpcStatus)) names[code] = name as GrpcStatusName;

/** `UNAVAILABLE` for 14. Codes outside 0–16 are UNKNOWN, as gRPC clients treat them. */
export function grpcStatusName(code: number): GrpcStatusName {
  return names[code] ?? 'UNKNOWN';
}

/**
 * The status a client reports for a response with this HTTP status and no grpc-status
 * (gRPC's http-grpc-status-mapping.md). 200 without grpc-status is not in that table: gRPC
 * clients (grpc-js, C-core) call it UNKNOWN, and so do we.
 */
export function grpcStatusFromHttpStatus(httpStatus: number): number {
  switch (httpStatus) {
    case 400: return GrpcStatus.INTERNAL;
    case 401: return GrpcStatus.UNAUTHENTICATED;
    case 403: return GrpcStatus.PERMISSION_DENIED;
    case 404: return GrpcStatus.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504: return GrpcStatus.UNAVAILABLE;
    default: return GrpcStatus.UNKNOWN;
  }
}

/**
 * The status a client reports when the server resets the stream with `h2Code` before any
 * grpc-status (PROTOCOL-HTTP2.md): REFUSED_STREAM means nothing was processed (UNAVAILABLE,
 * retryable); CANCEL from a server is CANCELLED; ENHANCE_YOUR_CALM is RESOURCE_EXHAUSTED;
 * INADEQUATE_SECURITY is PERMISSION_DENIED; the rest, and codes HTTP/2 does not define, are
 * INTERNAL. (STREAM_CLOSED has no mapping there, as no open stream is left to report on; a
 * client that sees one anyway can only call it INTERNAL.) A CANCEL that comes once the call's
 * deadline has passed is DEADLINE_EXCEEDED, as C-core reports it: pass `pastDeadline`.
 */
export function grpcStatusFromRstCode(h2Code: number, pastDeadline = false): number {
  switch (h2Code) {
    case H2ErrorCode.REFUSED_STREAM: return GrpcStatus.UNAVAILABLE;
    case H2ErrorCode.CANCEL: return pastDeadline ? GrpcStatus.DEADLINE_EXCEEDED : GrpcStatus.CANCELLED;
    case H2ErrorCode.ENHANCE_YOUR_CALM: return GrpcStatus.RESOURCE_EXHAUSTED;
    case H2ErrorCode.INADEQUATE_SECURITY: return GrpcStatus.PERMISSION_DENIED;
    default: return GrpcStatus.INTERNAL;
  }
}
