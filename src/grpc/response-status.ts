/**
 * Turns a gRPC response's headers and trailers into its status, as a gRPC client would
 * (PROTOCOL-HTTP2.md "Responses"): grpc-status from the trailers, or from the headers of a
 * Trailers-Only response; without one, the HTTP status mapping; a reset stream, the
 * RST_STREAM mapping. Takes header lists from h2doctor's HPACK decoder or node:http2's
 * header objects, so it works without node:http2.
 */
import type { HeaderField } from '../codec/types.js';
import { GrpcStatusError, NotGrpcError } from '../errors.js';
import { percentDecodeGrpcMessage } from './percent.js';
import { isGrpcContentType } from './request-headers.js';
import { GrpcStatus, grpcStatusFromHttpStatus, grpcStatusFromRstCode, grpcStatusName, type GrpcStatusName } from './status.js';

/** A header list (h2doctor codec) or a node:http2-style header object. */
export type GrpcHeaders = readonly HeaderField[] | Readonly<Record<string, string | string[] | number | undefined>>;

/** First value of `name` (lower-case), or undefined. */
export function headerValue(headers: GrpcHeaders | null | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (Array.isArray(headers)) return (headers as readonly HeaderField[]).find((f) => f.name === name)?.value;
  const v = (headers as Record<string, string | string[] | number | undefined>)[name];
  return v === undefined ? undefined : Array.isArray(v) ? v[0] : String(v);
}

export interface GrpcCallStatus {
  /** grpc-status, 0–16 (other values read as UNKNOWN). */
  code: number;
  name: GrpcStatusName;
  /** grpc-message, percent-decoded; '' when none. */
  message: string;
  /** Where the status came from. */
  source: 'trailers' | 'trailers-only' | 'http-status' | 'rst-stream' | 'missing';
  /** The response was gRPC (content-type application/grpc*, or a grpc-status came). */
  isGrpc: boolean;
}

function fromField(raw: string, message: string | undefined, source: GrpcCallStatus['source']): GrpcCallStatus {
  // A grpc-status that is not a decimal 0–16 is read as UNKNOWN, as gRPC clients do.
  const code = /^\d{1,2}$/.test(raw) && Number(raw) <= 16 ? Number(raw) : GrpcStatus.UNKNOWN;
  return { code, name: grpcStatusName(code), message: percentDecodeGrpcMessage(message ?? ''), source, isGrpc: true };
}

/**
 * The status of a finished call. `headers` are the response HEADERS (null when none came),
 * `trailers` the trailing HEADERS (null when none), `rstCode` the server's RST_STREAM code
 * when it reset the stream.
 */
export function grpcCallStatus(headers: GrpcHeaders | null, trailers: GrpcHeaders | null, rstCode: number | null = null): GrpcCallStatus {
  const contentType = headerValue(headers, 'content-type');
  const isGrpc = isGrpcContentType(contentType);
  const fromTrailers = headerValue(trailers, 'grpc-status');
  if (fromTrailers !== undefined) return fromField(fromTrailers, headerValue(trailers, 'grpc-message'), 'trailers');
  const trailersOnly = headerValue(headers, 'grpc-status');
  if (trailersOnly !== undefined) return fromField(trailersOnly, headerValue(headers, 'grpc-message'), 'trailers-only');
  if (rstCode !== null) {
    const code = grpcStatusFromRstCode(rstCode);
    return { code, name: grpcStatusName(code), message: `stream reset by the server (HTTP/2 code ${rstCode})`, source: 'rst-stream', isGrpc };
  }
  const httpStatus = Number(headerValue(headers, ':status') ?? 0);
  if (headers && httpStatus !== 200) {
    const code = grpcStatusFromHttpStatus(httpStatus);
    return { code, name: grpcStatusName(code), message: `HTTP status ${httpStatus} without grpc-status`, source: 'http-status', isGrpc };
  }
  return { code: GrpcStatus.UNKNOWN, name: 'UNKNOWN', message: headers ? 'the response ended without grpc-status' : 'no response headers', source: 'missing', isGrpc };
}

/** Throws GrpcStatusError for a non-OK status, NotGrpcError when the peer did not answer in gRPC. */
export function assertGrpcOk(status: GrpcCallStatus, method: string): void {
  if (!status.isGrpc) throw new NotGrpcError(`${method}: the server did not answer in gRPC (${status.message})`);
  if (status.code !== GrpcStatus.OK) {
    throw new GrpcStatusError(`${method}: ${status.name}${status.message ? `: ${status.message}` : ''}`, { grpcCode: status.code, statusName: status.name, details: status.message });
  }
}
