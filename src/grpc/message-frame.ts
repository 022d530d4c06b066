/**
 * gRPC's Length-Prefixed-Message (PROTOCOL-HTTP2.md): a 1-byte Compressed-Flag (0 or 1), a
 * 4-byte big-endian Message-Length, then the message. DATA frame boundaries mean nothing to
 * it, so the decoder takes any chunking and keeps at most one message's bytes buffered.
 */
import { GrpcFramingError, GrpcMessageTooLargeError } from '../errors.js';

/** gRPC's default receive limit in grpc-go, grpc-java, grpc-js and C-core: 4 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
export const MESSAGE_PREFIX_BYTES = 5;

export interface GrpcMessage {
  /** Compressed-Flag was 1: the bytes are in the grpc-encoding the response headers named. */
  compressed: boolean;
  data: Uint8Array;
}

/**
 * Frames one message. Build it once and send the same bytes for every call (a benchmark
 * should not re-frame per request). Throws GrpcMessageTooLargeError above `maxMessageBytes`.
 */
export function frameMessage(message: Uint8Array, options: { compressed?: boolean; maxMessageBytes?: number } = {}): Uint8Array {
  const limit = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (message.length > limit) {
    throw new GrpcMessageTooLargeError(`gRPC message of ${message.length} bytes is above the ${limit}-byte limit`, { length: message.length, limit });
  }
  const out = new Uint8Array(MESSAGE_PREFIX_BYTES + message.length);
  out[0] = options.compressed ? 1 : 0;
  new DataView(out.buffer).setUint32(1, message.length);
  out.set(message, MESSAGE_PREFIX_BYTES);
  return out;
}

export interface GrpcMessageDecoderOptions {
  /** Largest message accepted; a longer prefix throws before its body is buffered. Default 4 MiB. */
  maxMessageBytes?: number;
}

/** Incremental decoder: `push(chunk)` returns the messages completed by it; `end()` checks nothing is left over. */
export class GrpcMessageDecoder {
  readonly maxMessageBytes: number;
  /** The 5-byte prefix being collected. */
  private readonly prefix = new Uint8Array(MESSAGE_PREFIX_BYTES);
  private prefixFilled = 0;
  /** The body being collected, once the prefix is complete. */
  private body: Uint8Array | null = null;
  private bodyFilled = 0;
  private compressed = false;
  /** Messages decoded so far. */
  messages = 0;

  constructor(options: GrpcMessageDecoderOptions = {}) {
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  /** Bytes held for an incomplete message: never more than 5 + maxMessageBytes. */
  get bufferedBytes(): number {
    return this.prefixFilled + this.bodyFilled;
  }

  push(chunk: Uint8Array): GrpcMessage[] {
    const out: GrpcMessage[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.body === null) {
        const n = Math.min(MESSAGE_PREFIX_BYTES - this.prefixFilled, chunk.length - i);
        this.prefix.set(chunk.subarray(i, i + n), this.prefixFilled);
        this.prefixFilled += n;
        i += n;
        if (this.prefixFilled < MESSAGE_PREFIX_BYTES) break;
        this.startBody(out);
        continue;
      }
      const n = Math.min(this.body.length - this.bodyFilled, chunk.length - i);
      this.body.set(chunk.subarray(i, i + n), this.bodyFilled);
      this.bodyFilled += n;
      i += n;
      if (this.bodyFilled === this.body.length) this.emit(out);
    }
    return out;
  }

  /** The stream ended: a partial prefix or body is a framing error. */
  end(): void {
    if (this.body !== null) throw new GrpcFramingError(`gRPC message truncated: ${this.bodyFilled} of ${this.body.length} bytes arrived before the stream ended`);
    if (this.prefixFilled > 0) throw new GrpcFramingError(`gRPC length prefix truncated: ${this.prefixFilled} of 5 bytes arrived before the stream ended`);
  }

  private startBody(out: GrpcMessage[]): void {
    const flag = this.prefix[0]!;
    if (flag > 1) throw new GrpcFramingError(`malformed gRPC length prefix: compressed flag 0x${flag.toString(16).padStart(2, '0')} is not 0 or 1`);
    const length = new DataView(this.prefix.buffer).getUint32(1);
    if (length > this.maxMessageBytes) {
      throw new GrpcMessageTooLargeError(`gRPC message of ${length} bytes is above the ${this.maxMessageBytes}-byte limit (--max-message)`, { length, limit: this.maxMessageBytes });
    }
    this.compressed = flag === 1;
    this.prefixFilled = 0;
    this.body = new Uint8Array(length);
    this.bodyFilled = 0;
    if (length === 0) this.emit(out);
  }

  private emit(out: GrpcMessage[]): void {
    out.push({ compressed: this.compressed, data: this.body! });
    this.body = null;
    this.bodyFilled = 0;
    this.messages++;
  }
}
