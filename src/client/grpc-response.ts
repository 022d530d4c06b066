import type http2 from 'node:http2';
import { grpcCallStatus, isGrpcContentType, type GrpcCallStatus } from '../grpc/index.js';

/**
 * The gRPC side of a response: its status arrives in the trailers (PROTOCOL-HTTP2.md), after
 * the response headers where the request layer hands the response out. node emits
 * 'trailers' once and keeps nothing, and it can emit it in the same tick as 'response', so
 * the listener is put on when the response headers say `application/grpc` (exchange.ts),
 * before anything else could miss it. Plain HTTP responses pay one header lookup.
 */
export class GrpcOutcome {
  /** The final status, once the call ended (trailers, trailers-only headers, or a reset). */
  status: GrpcCallStatus | undefined = undefined;
  /** The trailers, once they arrived. */
  trailers: http2.IncomingHttpHeaders | undefined = undefined;
  private readonly listeners: Array<(status: GrpcCallStatus) => void> = [];

  constructor(private readonly headers: http2.IncomingHttpHeaders) {}

  /** Calls `listener` with the status when the call ends (at once if it has). */
  onStatus(listener: (status: GrpcCallStatus) => void): void {
    if (this.status !== undefined) listener(this.status);
    else this.listeners.push(listener);
  }

  settle(trailers: http2.IncomingHttpHeaders | null, rstCode: number | null): void {
    if (this.status !== undefined) return;
    this.trailers = trailers ?? undefined;
    this.status = grpcCallStatus(this.headers as Record<string, string>, trailers as Record<string, string> | null, rstCode);
    for (const l of this.listeners.splice(0)) l(this.status);
  }
}

/** For a gRPC response, the outcome that its trailers (or the stream's end) will settle. */
export function watchGrpcResponse(stream: http2.ClientHttp2Stream, headers: http2.IncomingHttpHeaders, endStream: boolean): GrpcOutcome | undefined {
  if (!isGrpcContentType(headers['content-type'])) return undefined;
  const outcome = new GrpcOutcome(headers);
  if (endStream) {
    outcome.settle(null, null); // trailers-only: grpc-status is in these headers
    return outcome;
  }
  stream.once('trailers', function onGrpcTrailers(trailers: http2.IncomingHttpHeaders) { outcome.settle(trailers, null); });
  stream.once('close', function onGrpcClose(this: http2.ClientHttp2Stream) {
    const rst = this.rstCode;
    outcome.settle(null, rst !== undefined && rst !== 0 ? rst : null);
  });
  return outcome;
}

/** gRFC A6 / the issue: these statuses say the server is in trouble; the rest are the caller's. */
const BREAKER_FAILURES = new Set([14 /* UNAVAILABLE */, 4 /* DEADLINE_EXCEEDED */, 13 /* INTERNAL */]);

/** True when a call that ended with `code` counts as a failure for the endpoint's breaker. */
export function isGrpcBreakerFailure(code: number): boolean {
  return BREAKER_FAILURES.has(code);
}
