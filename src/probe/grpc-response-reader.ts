/**
 * Reads one gRPC response off a node:http2 stream's events: the response headers, the DATA
 * through the length-prefixed message decoder, and the trailers; then says how the call
 * ended. A framing error or a message above the limit ends decoding (nothing more is kept, so
 * memory stays bounded) and sets the status a gRPC client would: INTERNAL for bad framing,
 * RESOURCE_EXHAUSTED for a message too large (what grpc-go, grpc-java and C-core report).
 */
import type { IncomingHttpHeaders } from 'node:http2';
import { GrpcMessageTooLargeError, H2DoctorError } from '../errors.js';
import { GrpcMessageDecoder } from '../grpc/message-frame.js';
import { grpcCallStatus } from '../grpc/response-status.js';
import { GrpcStatus, grpcStatusName } from '../grpc/status.js';
import type { GrpcCallResult } from './grpc-facts.js';

export class GrpcResponseReader {
  private readonly decoder: GrpcMessageDecoder;
  private responseHeaders: IncomingHttpHeaders | null = null;
  private responseTrailers: IncomingHttpHeaders | null = null;
  /** The first decode error; later DATA is dropped. */
  private decodeError: H2DoctorError | null = null;
  /** Message bodies received, for the health and reflection steps. */
  readonly messages: Uint8Array[] = [];

  constructor(maxMessageBytes: number) {
    this.decoder = new GrpcMessageDecoder({ maxMessageBytes });
  }

  headers(h: IncomingHttpHeaders): void {
    this.responseHeaders = h;
  }

  trailers(t: IncomingHttpHeaders): void {
    this.responseTrailers = t;
  }

  data(chunk: Uint8Array): void {
    if (this.decodeError) return;
    try {
      for (const m of this.decoder.push(chunk)) this.messages.push(m.data);
    } catch (err) {
      this.decodeError = err as H2DoctorError;
    }
  }

  /**
   * How the call ended. `rstCode`: the server's RST_STREAM code when it reset the stream;
   * `ended`: END_STREAM arrived; `failure`: why the probe gave up on the stream (null when it
   * completed). Without a grpc-status, a call the probe timed out is DEADLINE_EXCEEDED and one
   * whose connection ended is UNAVAILABLE, as gRPC clients report them.
   */
  result(rstCode: number | null, ended: boolean, failure: string | null = null): GrpcCallResult {
    if (!this.decodeError && ended) {
      try {
        this.decoder.end();
      } catch (err) {
        this.decodeError = err as H2DoctorError;
      }
    }
    const s = grpcCallStatus(this.responseHeaders, this.responseTrailers, rstCode);
    if (this.decodeError && s.isGrpc) {
      const code = this.decodeError instanceof GrpcMessageTooLargeError ? GrpcStatus.RESOURCE_EXHAUSTED : GrpcStatus.INTERNAL;
      return { code, status: grpcStatusName(code), message: this.decodeError.message, source: 'decode', messages: this.messages.length, isGrpc: true };
    }
    if (s.source === 'missing' && failure !== null) {
      const code = failure.startsWith('timed out') ? GrpcStatus.DEADLINE_EXCEEDED : GrpcStatus.UNAVAILABLE;
      return { code, status: grpcStatusName(code), message: failure, source: 'missing', messages: this.messages.length, isGrpc: s.isGrpc };
    }
    return { code: s.code, status: s.name, message: s.message, source: s.source, messages: this.messages.length, isGrpc: s.isGrpc };
  }
}
