/**
 * One error hierarchy for all of h2doctor.
 *
 * Every error has a stable `code` (listed in docs/errors.md; a test keeps the two in step)
 * and an optional `cause`. The CLI maps errors to exit codes in one place (src/cli/exit.ts):
 * usage errors exit 2, everything else exits 1.
 *
 * Protocol errors carry the HTTP/2 error code (RFC 9113 §7) they map to, so a decoder
 * violation can be turned into the GOAWAY or RST_STREAM the RFC asks for.
 */

/** HTTP/2 error codes, RFC 9113 §7. */
export const H2ErrorCode = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;
export type H2ErrorCodeName = keyof typeof H2ErrorCode;

export interface H2DoctorErrorOptions {
  cause?: unknown;
}

/** Base class: never thrown directly. */
export abstract class H2DoctorError extends Error {
  /** Stable machine-readable code, documented in docs/errors.md. */
  abstract readonly code: string;

  constructor(message: string, options?: H2DoctorErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

// ---------------------------------------------------------------- usage and input

/** Bad flags, arguments or URLs. The CLI exits 2. */
export class UsageError extends H2DoctorError {
  readonly code = 'ERR_USAGE';
}

/** A configuration value (library option, scenario file) is invalid. */
export class ConfigError extends H2DoctorError {
  readonly code = 'ERR_CONFIG';
}

// ---------------------------------------------------------------- codec (RFC 9113 / RFC 7541)

/** A decoder or encoder rule was violated; carries the HTTP/2 error code the RFC asks for. */
export abstract class CodecError extends H2DoctorError {
  /** HTTP/2 error code (RFC 9113 §7) for the GOAWAY or RST_STREAM this violation calls for. */
  abstract readonly h2Code: number;
  /** Stream the violation is about; 0 when it is a connection error. */
  readonly streamId: number;

  constructor(message: string, options?: H2DoctorErrorOptions & { streamId?: number }) {
    super(message, options);
    this.streamId = options?.streamId ?? 0;
  }
}

/** A frame exceeds SETTINGS_MAX_FRAME_SIZE or has a length its type forbids (RFC 9113 §4.2). */
export class FrameSizeError extends CodecError {
  readonly code = 'ERR_FRAME_SIZE';
  readonly h2Code = H2ErrorCode.FRAME_SIZE_ERROR;
}

/** A frame breaks a protocol rule: bad stream id, bad padding, bad preface, interleaved CONTINUATION… */
export class ProtocolError extends CodecError {
  readonly code = 'ERR_PROTOCOL';
  readonly h2Code = H2ErrorCode.PROTOCOL_ERROR;
}

/** A header block cannot be decoded, or decodes past a bound (RFC 7541, RFC 9113 §4.3). */
export class CompressionError extends CodecError {
  readonly code = 'ERR_COMPRESSION';
  readonly h2Code = H2ErrorCode.COMPRESSION_ERROR;
}

/** A flow-control rule is broken: zero increment, window above 2^31-1 (RFC 9113 §6.9). */
export class FlowControlError extends CodecError {
  readonly code = 'ERR_FLOW_CONTROL';
  readonly h2Code = H2ErrorCode.FLOW_CONTROL_ERROR;
}

/** A header list exceeds SETTINGS_MAX_HEADER_LIST_SIZE or the expansion bound (RFC 9113 §6.5.2). */
export class HeaderListTooLargeError extends CodecError {
  readonly code = 'ERR_HEADER_LIST_TOO_LARGE';
  readonly h2Code = H2ErrorCode.ENHANCE_YOUR_CALM;
}

// ---------------------------------------------------------------- network

/** The host name did not resolve. */
export class DnsError extends H2DoctorError {
  readonly code = 'ERR_DNS';
}

/** TCP connect failed (refused, unreachable, reset during connect). */
export class ConnectError extends H2DoctorError {
  readonly code = 'ERR_CONNECT';
}

/** The TLS handshake failed (not TLS, alert, certificate verification). */
export class TlsError extends H2DoctorError {
  readonly code = 'ERR_TLS';
}

/** A step did not finish within its time limit. */
export class TimeoutError extends H2DoctorError {
  readonly code = 'ERR_TIMEOUT';
}

/** The peer does not speak HTTP/2 (ALPN chose something else, or the reply is HTTP/1.x). */
export class NotHttp2Error extends H2DoctorError {
  readonly code = 'ERR_NOT_H2';
}

/** The peer closed the connection or sent GOAWAY before the work was done. */
export class ConnectionClosedError extends H2DoctorError {
  readonly code = 'ERR_CONNECTION_CLOSED';
  /** GOAWAY error code when a GOAWAY was received, else undefined (bare close). */
  readonly h2Code: number | undefined;
  /** GOAWAY last-stream-id when a GOAWAY was received. */
  readonly lastStreamId: number | undefined;

  constructor(message: string, options?: H2DoctorErrorOptions & { h2Code?: number; lastStreamId?: number }) {
    super(message, options);
    this.h2Code = options?.h2Code;
    this.lastStreamId = options?.lastStreamId;
  }
}

/** The peer reset a stream (RST_STREAM). */
export class StreamResetError extends H2DoctorError {
  readonly code = 'ERR_STREAM_RESET';
  /** The RST_STREAM error code (RFC 9113 §7). */
  readonly h2Code: number;

  constructor(message: string, options: H2DoctorErrorOptions & { h2Code: number }) {
    super(message, options);
    this.h2Code = options.h2Code;
  }
}

/** The operation was cancelled through its AbortSignal. */
export class AbortError extends H2DoctorError {
  readonly code = 'ERR_ABORTED';
}

// ---------------------------------------------------------------- server library

/** A server push was refused by the push guard (h2doctor/server). */
export class PushDeniedError extends H2DoctorError {
  readonly code = 'ERR_PUSH_DENIED';
}

// ---------------------------------------------------------------- client library

/** The endpoint's circuit breaker is open (or its half-open permits are taken). */
export class BreakerOpenError extends H2DoctorError {
  readonly code = 'ERR_BREAKER_OPEN';
}

/** A retry was wanted but the retry budget is spent. */
export class RetryBudgetExhaustedError extends H2DoctorError {
  readonly code = 'ERR_RETRY_BUDGET';
}

/** The request's deadline (timeoutMs) passed. */
export class DeadlineExceededError extends H2DoctorError {
  readonly code = 'ERR_DEADLINE';
}

/** No endpoint is healthy enough to take the request. */
export class NoHealthyEndpointError extends H2DoctorError {
  readonly code = 'ERR_NO_HEALTHY_ENDPOINT';
}

/** The client or pool was closed. */
export class ClientClosedError extends H2DoctorError {
  readonly code = 'ERR_CLIENT_CLOSED';
}

// ---------------------------------------------------------------- gRPC (src/grpc)

/** A gRPC length-prefixed message is malformed: a compressed flag other than 0 or 1, a truncated prefix or body. */
export class GrpcFramingError extends H2DoctorError {
  readonly code = 'ERR_GRPC_FRAMING';
}

/** A gRPC message is longer than the maximum message size (gRPC answers RESOURCE_EXHAUSTED). */
export class GrpcMessageTooLargeError extends H2DoctorError {
  readonly code = 'ERR_GRPC_MESSAGE_TOO_LARGE';
  /** The length the prefix announced, in bytes. */
  readonly length: number;
  /** The bound it passed. */
  readonly limit: number;

  constructor(message: string, options?: H2DoctorErrorOptions & { length?: number; limit?: number }) {
    super(message, options);
    this.length = options?.length ?? 0;
    this.limit = options?.limit ?? 0;
  }
}

/** Protobuf bytes do not decode: a varint past 10 bytes, a length past the end, a wire type the message forbids. */
export class ProtobufDecodeError extends H2DoctorError {
  readonly code = 'ERR_PROTOBUF';
}

/** The peer answered, but not in gRPC: no `application/grpc` content-type and no grpc-status. */
export class NotGrpcError extends H2DoctorError {
  readonly code = 'ERR_NOT_GRPC';
}

/** A gRPC call ended with a status other than OK. */
export class GrpcStatusError extends H2DoctorError {
  readonly code = 'ERR_GRPC_STATUS';
  /** The numeric grpc-status (0–16; gRPC's status codes). */
  readonly grpcCode: number;
  /** Its name, e.g. `UNAVAILABLE`. */
  readonly statusName: string;
  /** grpc-message, percent-decoded ('' when none came). */
  readonly details: string;

  constructor(message: string, options?: H2DoctorErrorOptions & { grpcCode?: number; statusName?: string; details?: string }) {
    super(message, options);
    this.grpcCode = options?.grpcCode ?? 2;
    this.statusName = options?.statusName ?? 'UNKNOWN';
    this.details = options?.details ?? '';
  }
}

/**
 * The endpoint a request was in flight on went dark (its health check failed, or a PING went
 * unanswered): a request that is not idempotent fails at once with this instead of waiting
 * for its deadline; idempotent ones are re-sent elsewhere.
 */
export class EndpointDarkError extends H2DoctorError {
  readonly code = 'ERR_ENDPOINT_DARK';
}

/** One attempt got no response headers within `attemptTimeoutMs` (its stream is reset with CANCEL). */
export class AttemptTimeoutError extends H2DoctorError {
  readonly code = 'ERR_ATTEMPT_TIMEOUT';
}

// ---------------------------------------------------------------- chaos

/** A chaos scenario file or fault spec is invalid. */
export class ScenarioError extends H2DoctorError {
  readonly code = 'ERR_SCENARIO';
}

// ---------------------------------------------------------------- consistency (databases)

/** The database (a `postgres://` URL, or a SQLite file's folder) cannot be reached or opened. */
export class DbUnreachableError extends H2DoctorError {
  readonly code = 'ERR_DB_UNREACHABLE';
}

/** The database refused the credentials (PostgreSQL SQLSTATE 28P01 / 28000). */
export class DbAuthError extends H2DoctorError {
  readonly code = 'ERR_DB_AUTH';
}

/** A table's schema was written by a newer h2doctor than this one: nothing is migrated or written. */
export class SchemaTooNewError extends H2DoctorError {
  readonly code = 'ERR_SCHEMA_TOO_NEW';
}

/** The database is full (SQLITE_FULL, PostgreSQL SQLSTATE 53100): the transaction was rolled back whole. */
export class DiskFullError extends H2DoctorError {
  readonly code = 'ERR_DISK_FULL';
}

/** Any other database failure, with the driver's error as `cause`. */
export class DbError extends H2DoctorError {
  readonly code = 'ERR_DB';
}

// ---------------------------------------------------------------- checks

/** A probe or lab check failed at or above the --fail-on level. The CLI exits 1. */
export class CheckFailedError extends H2DoctorError {
  readonly code = 'ERR_CHECK_FAILED';
}

/**
 * Turns a Node system error from a socket into our hierarchy, so a user sees one clear line.
 * `what` names the step, e.g. `connect 127.0.0.1:8443`.
 */
export function fromSystemError(err: unknown, what: string): H2DoctorError {
  if (err instanceof H2DoctorError) return err;
  const e = err as NodeJS.ErrnoException & { reason?: string };
  const code = e?.code ?? '';
  const detail = e?.message ?? String(err);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    return new DnsError(`${what}: host name did not resolve (${code})`, { cause: err });
  }
  if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ECONNRESET' || code === 'EADDRNOTAVAIL') {
    return new ConnectError(`${what}: ${code === 'ECONNREFUSED' ? 'connection refused' : detail}`, { cause: err });
  }
  if (code === 'ETIMEDOUT') return new TimeoutError(`${what}: timed out`, { cause: err });
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /SSL|TLS|certificate|CERT_|self.signed/i.test(code + detail)) {
    return new TlsError(`${what}: TLS failed: ${e?.reason ?? detail}`, { cause: err });
  }
  return new ConnectError(`${what}: ${detail}`, { cause: err });
}
