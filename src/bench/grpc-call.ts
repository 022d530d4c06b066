/**
 * `bench --grpc`: unary gRPC calls on the bench's own codec (PROTOCOL-HTTP2.md). A call is a
 * POST to the method path with `content-type: application/grpc` and `te: trailers`, one
 * length-prefixed message as the body (framed once per run, sent as is with every call), and
 * a status in the trailers, or in the only HEADERS of a Trailers-Only response. A call
 * succeeds only with grpc-status OK.
 *
 * Every call ends with one status, as a gRPC client would report it: the grpc-status it
 * received; without one, gRPC's mappings from the HTTP status or the RST_STREAM code
 * (src/grpc/status.ts); a connection that failed under the call is UNAVAILABLE (what grpc-go,
 * grpc-js and C-core report for a dropped transport); a call the bench gave up on after
 * --timeout is DEADLINE_EXCEEDED.
 */
import type { HeaderField } from '../codec/types.js';
import { ConfigError } from '../errors.js';
import { frameMessage } from '../grpc/message-frame.js';
import { parseGrpcMethod } from '../grpc/method.js';
import { grpcRequestHeaders } from '../grpc/request-headers.js';
import { GrpcStatus, grpcStatusFromHttpStatus, grpcStatusName } from '../grpc/status.js';
import { Outcome, type OutcomeCode } from './recorder.js';
import type { StreamSlot } from './stream-slot.js';

export { grpcStatusFromRstCode } from '../grpc/status.js';

/** The call every stream makes (BenchOptions.grpc). */
export interface BenchGrpcCall {
  /** `/pkg.Service/Method`. */
  path: string;
  /** The serialized request message (protobuf bytes), sent with every call. */
  message: Uint8Array;
  /** Sent as grpc-timeout with every call when set, ms. */
  deadlineMs?: number;
}

/** Checks the call and returns the request body: the message framed once (message-frame.ts). */
export function grpcRequestBody(call: BenchGrpcCall): Uint8Array {
  parseGrpcMethod(call.path);
  if (!(call.message instanceof Uint8Array)) throw new ConfigError('grpc.message must be a Uint8Array');
  if (call.deadlineMs !== undefined && !(call.deadlineMs > 0)) throw new ConfigError('grpc.deadlineMs must be more than 0');
  return frameMessage(call.message);
}

/** The call's header list: gRPC's request headers, then the user's (-H) as metadata. */
export function grpcHeaderList(url: URL, call: BenchGrpcCall, extra: readonly HeaderField[]): HeaderField[] {
  const fields = grpcRequestHeaders({
    path: call.path,
    authority: url.host,
    scheme: url.protocol === 'https:' ? 'https' : 'http',
    timeoutMs: call.deadlineMs,
    userAgent: 'h2doctor-bench',
  });
  for (const h of extra) fields.push({ name: h.name.toLowerCase(), value: h.value });
  return fields;
}

/**
 * The status carried by a call's last HEADERS block (trailers, or Trailers-Only), or -1 when
 * it has none. A grpc-status that is not a decimal 0–16 reads as UNKNOWN, as in
 * response-status.ts. A plain loop: this runs once per call.
 */
export function grpcStatusOf(headers: readonly HeaderField[] | undefined): number {
  if (headers === undefined) return -1;
  for (let i = 0; i < headers.length; i++) {
    if (headers[i]!.name !== 'grpc-status') continue;
    const v = headers[i]!.value;
    if (v === '0') return GrpcStatus.OK;
    return /^\d{1,2}$/.test(v) && Number(v) <= 16 ? Number(v) : GrpcStatus.UNKNOWN;
  }
  return -1;
}

/**
 * A call's status when its stream ended normally: `fromHeaders` from the last HEADERS block
 * (-1 when none came, or it had no grpc-status); else the HTTP status mapping
 * (http-grpc-status-mapping.md; a 200 without grpc-status is UNKNOWN, as gRPC clients say).
 */
export function grpcEndStatus(fromHeaders: number, httpStatus: number): number {
  if (fromHeaders >= 0) return fromHeaders;
  return httpStatus === 200 ? GrpcStatus.UNKNOWN : grpcStatusFromHttpStatus(httpStatus);
}

/**
 * How a stream that ended normally went: by HTTP status (≥ 400 or none is an error), or with
 * `--grpc` by its status, which it also stores in `s.grpc`. `headers`: the HEADERS block that
 * ended the stream, undefined when DATA ended it.
 */
export function streamEndOutcome(s: StreamSlot, headers: readonly HeaderField[] | undefined, grpc: boolean): OutcomeCode {
  if (!grpc) return s.status >= 400 || s.status === 0 ? Outcome.HTTP_ERROR : Outcome.OK;
  s.grpc = grpcEndStatus(grpcStatusOf(headers), s.status);
  return grpcOutcome(s.grpc);
}

/** OK only for grpc-status OK; every other status is a failed call. */
export function grpcOutcome(code: number): OutcomeCode {
  return code === GrpcStatus.OK ? Outcome.OK : Outcome.GRPC_ERROR;
}

/** The status of a call that ended without one: the connection failed (UNAVAILABLE) or the bench gave up (DEADLINE_EXCEEDED). */
export function grpcStatusOfFailure(outcome: OutcomeCode): number {
  return outcome === Outcome.TIMEOUT ? GrpcStatus.DEADLINE_EXCEEDED : outcome === Outcome.ERRORED ? GrpcStatus.UNAVAILABLE : GrpcStatus.UNKNOWN;
}

/** `{ OK: 9000, UNAVAILABLE: 1000 }` from code → count, in code order (the `--json` shape). */
export function grpcStatusCounts(byCode: ReadonlyMap<number, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [code, n] of [...byCode].sort((a, b) => a[0] - b[0])) out[grpcStatusName(code)] = n;
  return out;
}

/** The inverse, for `bench merge`: a name that is not a gRPC status is a ConfigError. */
export function grpcCodeOfName(name: string): number {
  const code = (GrpcStatus as Record<string, number>)[name];
  if (code === undefined) throw new ConfigError(`'${name}' in grpc.statusCounts is not a gRPC status name`);
  return code;
}
