/**
 * Payload decoders for the frames that stand alone (everything but HEADERS, PUSH_PROMISE and
 * CONTINUATION, whose header blocks the frame decoder assembles). Each takes the buffer, the
 * payload offset and the already-checked header fields, and returns a frame whose byte fields
 * are views into `buf` (no copies).
 *
 * The header rules in frame-header-rules.ts have run before these: lengths of fixed-size frames
 * are right and stream ids are allowed. What is left here needs the payload.
 */
import { FlowControlError, FrameSizeError, ProtocolError } from '../errors.js';
import {
  Flag,
  SettingId,
  type DataFrame,
  type GoawayFrame,
  type PingFrame,
  type PriorityFrame,
  type PriorityInfo,
  type RstStreamFrame,
  type Setting,
  type SettingsFrame,
  type UnknownFrame,
  type WindowUpdateFrame,
} from './types.js';

/** 2^31-1: the largest flow-control window (RFC 9113 §6.5.2, §6.9.1). */
export const MAX_WINDOW_SIZE = 0x7fff_ffff;

/** Reads a 31-bit stream id or increment, ignoring the reserved high bit (RFC 9113 §4.1). */
export function readUint31(buf: Uint8Array, off: number): number {
  return (buf[off]! & 0x7f) * 0x100_0000 + ((buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!);
}

/** Reads an unsigned 32-bit big-endian integer. */
export function readUint32(buf: Uint8Array, off: number): number {
  return buf[off]! * 0x100_0000 + ((buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!);
}

/** Stream dependency, exclusive flag and weight: 5 octets (RFC 9113 §5.3.2, §6.2, §6.3). */
export function readPriority(buf: Uint8Array, off: number): PriorityInfo {
  return { exclusive: (buf[off]! & 0x80) !== 0, dependsOn: readUint31(buf, off), weight: buf[off + 4]! };
}

/**
 * Pad Length of a PADDED frame whose payload starts at `off` and has `length` octets, of which
 * `fixed` octets (after the Pad Length field) are mandatory fields. RFC 9113 §6.1, §6.2, §6.6:
 * padding as long as the payload or longer is a PROTOCOL_ERROR; a payload too short for the
 * mandatory fields is a FRAME_SIZE_ERROR (§4.2).
 */
export function readPadLength(buf: Uint8Array, off: number, length: number, fixed: number, what: string): number {
  if (length < 1 + fixed) throw new FrameSizeError(`${what} frame of ${length} bytes is too short for its fields (RFC 9113 §4.2)`);
  const padLength = buf[off]!;
  if (padLength > length - 1 - fixed) {
    throw new ProtocolError(`${what} frame pads ${padLength} bytes but its payload is ${length} bytes (RFC 9113 §6.1)`);
  }
  return padLength;
}

/** DATA, RFC 9113 §6.1. `data` is a view of `buf`. */
export function decodeData(buf: Uint8Array, off: number, length: number, flags: number, streamId: number): DataFrame {
  let padLength = 0;
  let start = off;
  let end = off + length;
  if ((flags & Flag.PADDED) !== 0) {
    padLength = readPadLength(buf, off, length, 0, 'DATA');
    start += 1;
    end -= padLength;
  }
  return {
    type: 'DATA',
    streamId,
    flags,
    length,
    endStream: (flags & Flag.END_STREAM) !== 0,
    data: buf.subarray(start, end),
    padLength,
  };
}

/** PRIORITY, RFC 9113 §6.3 (length 5 already checked). */
export function decodePriority(buf: Uint8Array, off: number, length: number, flags: number, streamId: number): PriorityFrame {
  return { type: 'PRIORITY', streamId, flags, length, priority: readPriority(buf, off) };
}

/** RST_STREAM, RFC 9113 §6.4 (length 4 already checked). */
export function decodeRstStream(buf: Uint8Array, off: number, length: number, flags: number, streamId: number): RstStreamFrame {
  return { type: 'RST_STREAM', streamId, flags, length, errorCode: readUint32(buf, off) };
}

/**
 * SETTINGS, RFC 9113 §6.5. Parameters stay in wire order and unknown ids are kept (§6.5.2 says
 * ignore them; a diagnosis tool still wants to show them). Known ids are range-checked.
 */
export function decodeSettings(buf: Uint8Array, off: number, length: number, flags: number, streamId: number): SettingsFrame {
  const settings: Setting[] = [];
  for (let p = off, end = off + length; p < end; p += 6) {
    const id = (buf[p]! << 8) | buf[p + 1]!;
    const value = readUint32(buf, p + 2);
    checkSettingValue(id, value);
    settings.push({ id, value });
  }
  return { type: 'SETTINGS', streamId, flags, length, ack: (flags & Flag.ACK) !== 0, settings };
}

/** RFC 9113 §6.5.2: the values a receiver must refuse. */
export function checkSettingValue(id: number, value: number): void {
  switch (id) {
    case SettingId.ENABLE_PUSH:
      if (value > 1) throw new ProtocolError(`SETTINGS_ENABLE_PUSH is ${value}, must be 0 or 1 (RFC 9113 §6.5.2)`);
      return;
    case SettingId.INITIAL_WINDOW_SIZE:
      if (value > MAX_WINDOW_SIZE) {
        throw new FlowControlError(`SETTINGS_INITIAL_WINDOW_SIZE is ${value}, above 2^31-1 (RFC 9113 §6.5.2)`);
      }
      return;
    case SettingId.MAX_FRAME_SIZE:
      if (value < 16_384 || value > 16_777_215) {
        throw new ProtocolError(`SETTINGS_MAX_FRAME_SIZE is ${value}, outside 16384..16777215 (RFC 9113 §6.5.2)`);
      }
      return;
    default:
      return;
  }
}

/** PING, RFC 9113 §6.7 (length 8 already checked). `opaqueData` is a view of `buf`. */
export function decodePing(buf: Uint8Array, off: number, length: number, flags: number, streamId: number): PingFrame {
  return { type: 'PING', streamId, flags, length, ack: (flags & Flag.ACK) !== 0, opaqueData: buf.subarray(off, off + 8) };
}

/** GOAWAY, RFC 9113 §6.8 (length ≥ 8 already checked). `debugData` is a view of `buf`. */
export function decodeGoaway(buf: Uint8Array, off: number, length: number, flags: number, streamId: number): GoawayFrame {
  return {
    type: 'GOAWAY',
    streamId,
    flags,
    length,
    lastStreamId: readUint31(buf, off),
    errorCode: readUint32(buf, off + 4),
    debugData: buf.subarray(off + 8, off + length),
  };
}

/**
 * WINDOW_UPDATE, RFC 9113 §6.9 (length 4 already checked). A zero increment is a PROTOCOL_ERROR:
 * a stream error on a stream, a connection error on stream 0, so the error carries the stream id.
 */
export function decodeWindowUpdate(buf: Uint8Array, off: number, length: number, flags: number, streamId: number): WindowUpdateFrame {
  const windowSizeIncrement = readUint31(buf, off);
  if (windowSizeIncrement === 0) {
    throw new ProtocolError(`WINDOW_UPDATE with a zero increment on stream ${streamId} (RFC 9113 §6.9)`, { streamId });
  }
  return { type: 'WINDOW_UPDATE', streamId, flags, length, windowSizeIncrement };
}

/** A frame type this codec does not know, passed through (RFC 9113 §4.1, §5.5). */
export function decodeUnknown(buf: Uint8Array, off: number, length: number, type: number, flags: number, streamId: number): UnknownFrame {
  return { type: 'UNKNOWN', streamId, flags, length, frameType: type, payload: buf.subarray(off, off + length) };
}
