/**
 * The checks RFC 9113 lets a receiver make from the 9-octet frame header alone (§4.1, §4.2,
 * §6). The frame decoder runs them as soon as a header is complete, before it waits for (or
 * buffers) the payload, so a bad length is refused without holding its bytes.
 *
 * Payload-dependent rules (padding, SETTINGS values, zero WINDOW_UPDATE increments) live in
 * frame-payload.ts.
 */
import { FrameSizeError, ProtocolError } from '../errors.js';
import { Flag, FrameType } from './types.js';
import { frameTypeName } from './names.js';

/** Frame header size, RFC 9113 §4.1. */
export const FRAME_HEADER_LENGTH = 9;

/**
 * Throws the CodecError RFC 9113 asks for when a frame header is invalid on its own.
 * `maxFrameSize` is the SETTINGS_MAX_FRAME_SIZE we advertised.
 */
export function checkFrameHeader(length: number, type: number, flags: number, streamId: number, maxFrameSize: number): void {
  // §4.2: a frame larger than our SETTINGS_MAX_FRAME_SIZE is a FRAME_SIZE_ERROR, whatever its type.
  if (length > maxFrameSize) {
    throw new FrameSizeError(`${frameTypeName(type)} frame of ${length} bytes exceeds SETTINGS_MAX_FRAME_SIZE ${maxFrameSize} (RFC 9113 §4.2)`);
  }
  switch (type) {
    case FrameType.DATA:
    case FrameType.HEADERS:
    case FrameType.PUSH_PROMISE:
    case FrameType.CONTINUATION:
      // §6.1, §6.2, §6.6, §6.10: these frames belong to a stream.
      if (streamId === 0) throw zeroStream(type);
      return;
    case FrameType.PRIORITY:
      if (streamId === 0) throw zeroStream(type);
      // §6.3: a wrong length is a stream error, so the error names the stream.
      if (length !== 5) throw new FrameSizeError(`PRIORITY frame of ${length} bytes, must be 5 (RFC 9113 §6.3)`, { streamId });
      return;
    case FrameType.RST_STREAM:
      if (streamId === 0) throw zeroStream(type);
      if (length !== 4) throw new FrameSizeError(`RST_STREAM frame of ${length} bytes, must be 4 (RFC 9113 §6.4)`);
      return;
    case FrameType.SETTINGS:
      if (streamId !== 0) throw nonZeroStream(type, streamId);
      // §6.5: an ACK carries no payload; otherwise the payload is a list of 6-octet parameters.
      if ((flags & Flag.ACK) !== 0 && length !== 0) {
        throw new FrameSizeError(`SETTINGS ACK with a ${length}-byte payload, must be empty (RFC 9113 §6.5)`);
      }
      if (length % 6 !== 0) throw new FrameSizeError(`SETTINGS frame of ${length} bytes, not a multiple of 6 (RFC 9113 §6.5)`);
      return;
    case FrameType.PING:
      if (streamId !== 0) throw nonZeroStream(type, streamId);
      if (length !== 8) throw new FrameSizeError(`PING frame of ${length} bytes, must be 8 (RFC 9113 §6.7)`);
      return;
    case FrameType.GOAWAY:
      if (streamId !== 0) throw nonZeroStream(type, streamId);
      if (length < 8) throw new FrameSizeError(`GOAWAY frame of ${length} bytes, needs at least 8 (RFC 9113 §6.8)`);
      return;
    case FrameType.WINDOW_UPDATE:
      // §6.9: valid on stream 0 (connection window) and on any stream.
      if (length !== 4) throw new FrameSizeError(`WINDOW_UPDATE frame of ${length} bytes, must be 4 (RFC 9113 §6.9)`);
      return;
    default:
      // §4.1, §5.5: unknown types are passed through, whatever their stream or flags.
      return;
  }
}

function zeroStream(type: number): ProtocolError {
  return new ProtocolError(`${frameTypeName(type)} frame on stream 0 (RFC 9113 §6)`);
}

function nonZeroStream(type: number, streamId: number): ProtocolError {
  return new ProtocolError(`${frameTypeName(type)} frame on stream ${streamId}, must be stream 0 (RFC 9113 §6)`);
}
