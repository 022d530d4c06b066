/**
 * HTTP/2 frame encoder (RFC 9113 §4.1, §6): one exactly-sized Uint8Array per call.
 *
 * The encoder writes what it is given. It checks only that each field fits its wire width
 * (stream ids 31 bits, pad length 8 bits, payload under the frame-size bound); it does not
 * enforce the receiver's rules (DATA on stream 0, a zero WINDOW_UPDATE increment, an ACK with a
 * payload), so fault injection and tests can build the frames a peer must reject. For byte-level
 * faults, encode an UNKNOWN frame with any `frameType` and a raw payload.
 *
 * Argument values that do not fit are ConfigErrors; a payload larger than the frame-size bound
 * is a FrameSizeError. Padding octets are zero (RFC 9113 §6.1).
 */
import { ConfigError, FrameSizeError } from '../errors.js';
import { FRAME_HEADER_LENGTH } from './frame-header-rules.js';
import {
  DEFAULT_MAX_FRAME_SIZE,
  Flag,
  FrameType,
  MAX_ALLOWED_FRAME_SIZE,
  type DataFrame,
  type Frame,
  type GoawayFrame,
  type HeaderField,
  type HeadersFrame,
  type PingFrame,
  type PriorityFrame,
  type PriorityInfo,
  type PushPromiseFrame,
  type RstStreamFrame,
  type Setting,
  type SettingsFrame,
  type UnknownFrame,
  type WindowUpdateFrame,
} from './types.js';

export { CONNECTION_PREFACE_BYTES } from './frame-preface.js';

/** A frame as the encoder takes it: `length` is computed, `flags` and `padLength` are optional. */
type Encodable<F extends Frame> = Omit<F, 'length' | 'flags'> & { flags?: number };
type EncodableHeaderBlock<F extends HeadersFrame | PushPromiseFrame> = Omit<Encodable<F>, 'continuations' | 'padLength' | 'headers'> & {
  padLength?: number;
  /** Ignored: CONTINUATION frames follow from the header block size and `maxFrameSize`. */
  continuations?: number;
  /** Ignored: the encoder sends `headerBlock`. */
  headers?: HeaderField[];
};

/**
 * A Frame without `length` (and for HEADERS/PUSH_PROMISE without `continuations`). Flag bits the
 * frame's fields decide (END_STREAM, ACK, PRIORITY, END_HEADERS) come from those fields; other
 * bits of `flags` are written as given. PADDED is set when `padLength > 0` or `flags` has it, so
 * a decoded frame re-encodes to the same bytes.
 */
export type FrameToEncode =
  | (Omit<Encodable<DataFrame>, 'padLength'> & { padLength?: number })
  | EncodableHeaderBlock<HeadersFrame>
  | Encodable<PriorityFrame>
  | Encodable<RstStreamFrame>
  | Encodable<SettingsFrame>
  | EncodableHeaderBlock<PushPromiseFrame>
  | Encodable<PingFrame>
  | Encodable<GoawayFrame>
  | Encodable<WindowUpdateFrame>
  | Encodable<UnknownFrame>;

export interface EncodeFrameOptions {
  /**
   * The peer's SETTINGS_MAX_FRAME_SIZE. Header blocks are split into CONTINUATION frames at this
   * size (default 16384); other payloads above it are a FrameSizeError (default bound 16777215).
   */
  maxFrameSize?: number;
}

export interface EncodeHeadersOptions {
  endStream?: boolean;
  priority?: PriorityInfo;
  /** When given (0–255), the frame is PADDED with this many zero octets. */
  padLength?: number;
  /** Split the block into CONTINUATION frames at this size; default 16384. */
  maxFrameSize?: number;
}

export interface EncodeDataOptions {
  endStream?: boolean;
  /** When given (0–255), the frame is PADDED with this many zero octets. */
  padLength?: number;
  /** Refuse payloads above this size; default 16777215. DATA is never split here. */
  maxFrameSize?: number;
}

export interface EncodePushPromiseOptions {
  padLength?: number;
  maxFrameSize?: number;
}

/** Writes a 9-octet frame header at `offset` (RFC 9113 §4.1); the reserved bit is sent as 0. */
export function writeFrameHeader(buf: Uint8Array, offset: number, length: number, type: number, flags: number, streamId: number): void {
  if (!(length >= 0 && length <= MAX_ALLOWED_FRAME_SIZE)) throw new FrameSizeError(`frame length ${length} does not fit 24 bits (RFC 9113 §4.1)`);
  checkUint('frame type', type, 0xff);
  checkUint('flags', flags, 0xff);
  checkStreamId(streamId);
  buf[offset] = length >>> 16;
  buf[offset + 1] = (length >>> 8) & 0xff;
  buf[offset + 2] = length & 0xff;
  buf[offset + 3] = type;
  buf[offset + 4] = flags;
  writeUint32(buf, offset + 5, streamId);
}

/** Flag bits of HEADERS/PUSH_PROMISE that the encoder derives from the frame's fields. */
const HEADER_BLOCK_FLAGS = Flag.END_STREAM | Flag.END_HEADERS | Flag.PADDED | Flag.PRIORITY;

/** Encodes any frame; header blocks longer than `maxFrameSize` become HEADERS + CONTINUATION. */
export function encodeFrame(frame: FrameToEncode, options: EncodeFrameOptions = {}): Uint8Array {
  const flags = frame.flags ?? 0;
  const bound = options.maxFrameSize ?? MAX_ALLOWED_FRAME_SIZE;
  switch (frame.type) {
    case 'DATA': {
      const padded = (flags & Flag.PADDED) !== 0 || (frame.padLength ?? 0) > 0;
      const managed = Flag.END_STREAM | Flag.PADDED;
      return dataFrame(frame.streamId, frame.data, frame.endStream, padded ? frame.padLength ?? 0 : -1, flags & ~managed, bound);
    }
    case 'HEADERS':
      return headerBlockFrames(
        FrameType.HEADERS,
        frame.streamId,
        (flags & ~HEADER_BLOCK_FLAGS) | (frame.endStream ? Flag.END_STREAM : 0),
        (flags & Flag.PADDED) !== 0 || (frame.padLength ?? 0) > 0 ? frame.padLength ?? 0 : -1,
        frame.priority,
        0,
        frame.headerBlock,
        options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE,
      );
    case 'PUSH_PROMISE':
      return headerBlockFrames(
        FrameType.PUSH_PROMISE,
        frame.streamId,
        flags & ~HEADER_BLOCK_FLAGS,
        (flags & Flag.PADDED) !== 0 || (frame.padLength ?? 0) > 0 ? frame.padLength ?? 0 : -1,
        undefined,
        frame.promisedStreamId,
        frame.headerBlock,
        options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE,
      );
    case 'PRIORITY':
      return withPayload(FrameType.PRIORITY, flags, frame.streamId, 5, bound, (out, p) => writePriority(out, p, frame.priority));
    case 'RST_STREAM':
      return withPayload(FrameType.RST_STREAM, flags, frame.streamId, 4, bound, (out, p) => writeUint32(out, p, checkUint('error code', frame.errorCode, 0xffff_ffff)));
    case 'SETTINGS':
      return settingsFrame(frame.settings, frame.ack, flags & ~Flag.ACK, frame.streamId, bound);
    case 'PING':
      return pingFrame(frame.opaqueData, frame.ack, flags & ~Flag.ACK, frame.streamId);
    case 'GOAWAY':
      return goawayFrame(frame.lastStreamId, frame.errorCode, frame.debugData, flags, frame.streamId, bound);
    case 'WINDOW_UPDATE':
      return windowUpdateFrame(frame.streamId, frame.windowSizeIncrement, flags);
    case 'UNKNOWN':
      return withPayload(frame.frameType, flags, frame.streamId, frame.payload.length, bound, (out, p) => out.set(frame.payload, p));
    default:
      throw new ConfigError(`cannot encode a frame of type ${String((frame as { type: unknown }).type)}`);
  }
}

/** SETTINGS (RFC 9113 §6.5) with the parameters in the given order. */
export function encodeSettings(settings: Setting[], ack = false): Uint8Array {
  return settingsFrame(settings, ack, 0, 0, MAX_ALLOWED_FRAME_SIZE);
}

/** PING (RFC 9113 §6.7); `opaqueData` must be 8 octets. */
export function encodePing(opaqueData: Uint8Array, ack = false): Uint8Array {
  return pingFrame(opaqueData, ack, 0, 0);
}

/** GOAWAY (RFC 9113 §6.8). */
export function encodeGoaway(lastStreamId: number, errorCode: number, debugData: Uint8Array = new Uint8Array(0)): Uint8Array {
  return goawayFrame(lastStreamId, errorCode, debugData, 0, 0, MAX_ALLOWED_FRAME_SIZE);
}

/** RST_STREAM (RFC 9113 §6.4). */
export function encodeRstStream(streamId: number, errorCode: number): Uint8Array {
  checkUint('error code', errorCode, 0xffff_ffff);
  const out = new Uint8Array(FRAME_HEADER_LENGTH + 4);
  writeFrameHeader(out, 0, 4, FrameType.RST_STREAM, 0, streamId);
  writeUint32(out, FRAME_HEADER_LENGTH, errorCode);
  return out;
}

/** WINDOW_UPDATE (RFC 9113 §6.9); stream 0 updates the connection window. */
export function encodeWindowUpdate(streamId: number, increment: number): Uint8Array {
  return windowUpdateFrame(streamId, increment, 0);
}

/** HEADERS (RFC 9113 §6.2), followed by CONTINUATION frames (§6.10) when the block is too long for one frame. */
export function encodeHeaders(streamId: number, headerBlock: Uint8Array, options: EncodeHeadersOptions = {}): Uint8Array {
  return headerBlockFrames(
    FrameType.HEADERS,
    streamId,
    options.endStream === true ? Flag.END_STREAM : 0,
    options.padLength ?? -1,
    options.priority,
    0,
    headerBlock,
    options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE,
  );
}

/** DATA (RFC 9113 §6.1). */
export function encodeData(streamId: number, data: Uint8Array, options: EncodeDataOptions = {}): Uint8Array {
  return dataFrame(streamId, data, options.endStream === true, options.padLength ?? -1, 0, options.maxFrameSize ?? MAX_ALLOWED_FRAME_SIZE);
}

/** PUSH_PROMISE (RFC 9113 §6.6) on `streamId`, promising `promisedStreamId`, plus CONTINUATION frames as needed. */
export function encodePushPromise(streamId: number, promisedStreamId: number, headerBlock: Uint8Array, options: EncodePushPromiseOptions = {}): Uint8Array {
  return headerBlockFrames(FrameType.PUSH_PROMISE, streamId, 0, options.padLength ?? -1, undefined, promisedStreamId, headerBlock, options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE);
}

/** PRIORITY (RFC 9113 §6.3). */
export function encodePriority(streamId: number, priority: PriorityInfo): Uint8Array {
  return withPayload(FrameType.PRIORITY, 0, streamId, 5, MAX_ALLOWED_FRAME_SIZE, (out, p) => writePriority(out, p, priority));
}

// ---------------------------------------------------------------- builders

/** `padLength` -1 means not PADDED. */
function dataFrame(streamId: number, data: Uint8Array, endStream: boolean, padLength: number, extraFlags: number, bound: number): Uint8Array {
  const padBytes = padLength < 0 ? 0 : 1 + checkUint('pad length', padLength, 0xff);
  const length = padBytes + data.length;
  checkBound(length, bound, 'DATA');
  const out = new Uint8Array(FRAME_HEADER_LENGTH + length);
  const flags = extraFlags | (endStream ? Flag.END_STREAM : 0) | (padBytes > 0 ? Flag.PADDED : 0);
  writeFrameHeader(out, 0, length, FrameType.DATA, flags, streamId);
  let p = FRAME_HEADER_LENGTH;
  if (padBytes > 0) out[p++] = padLength;
  out.set(data, p);
  return out;
}

/**
 * HEADERS or PUSH_PROMISE plus CONTINUATION frames (RFC 9113 §6.10): the first frame carries
 * the padding and fixed fields and as much of the block as fits; END_HEADERS goes on the last.
 */
function headerBlockFrames(
  type: number,
  streamId: number,
  flags: number,
  padLength: number,
  priority: PriorityInfo | undefined,
  promisedStreamId: number,
  block: Uint8Array,
  maxFrameSize: number,
): Uint8Array {
  checkUint('maxFrameSize', maxFrameSize, MAX_ALLOWED_FRAME_SIZE);
  if (maxFrameSize === 0) throw new ConfigError('maxFrameSize must be at least 1');
  const padBytes = padLength < 0 ? 0 : 1 + checkUint('pad length', padLength, 0xff);
  const fixed = type === FrameType.HEADERS ? (priority !== undefined ? 5 : 0) : 4;
  const room = maxFrameSize - padBytes - fixed;
  if (room < 0) throw new FrameSizeError(`padding and fields of ${padBytes + fixed} bytes do not fit a ${maxFrameSize}-byte frame`);
  const first = Math.min(block.length, room);
  const rest = block.length - first;
  const continuations = Math.ceil(rest / maxFrameSize);
  const out = new Uint8Array(FRAME_HEADER_LENGTH + padBytes + fixed + first + continuations * FRAME_HEADER_LENGTH + rest);
  const firstFlags = flags | (padBytes > 0 ? Flag.PADDED : 0) | (priority !== undefined ? Flag.PRIORITY : 0) | (continuations === 0 ? Flag.END_HEADERS : 0);
  writeFrameHeader(out, 0, padBytes + fixed + first, type, firstFlags, streamId);
  let p = FRAME_HEADER_LENGTH;
  if (padBytes > 0) out[p++] = padLength;
  if (priority !== undefined) {
    writePriority(out, p, priority);
    p += 5;
  } else if (fixed === 4) {
    writeUint32(out, p, checkStreamId(promisedStreamId));
    p += 4;
  }
  out.set(block.subarray(0, first), p);
  p += first + Math.max(padLength, 0);
  for (let q = first, i = 1; i <= continuations; i++) {
    const n = Math.min(maxFrameSize, block.length - q);
    writeFrameHeader(out, p, n, FrameType.CONTINUATION, i === continuations ? Flag.END_HEADERS : 0, streamId);
    p += FRAME_HEADER_LENGTH;
    out.set(block.subarray(q, q + n), p);
    p += n;
    q += n;
  }
  return out;
}

function settingsFrame(settings: Setting[], ack: boolean, extraFlags: number, streamId: number, bound: number): Uint8Array {
  return withPayload(FrameType.SETTINGS, extraFlags | (ack ? Flag.ACK : 0), streamId, settings.length * 6, bound, (out, p) => {
    for (const { id, value } of settings) {
      checkUint('setting id', id, 0xffff);
      out[p] = id >>> 8;
      out[p + 1] = id & 0xff;
      writeUint32(out, p + 2, checkUint('setting value', value, 0xffff_ffff));
      p += 6;
    }
  });
}

function pingFrame(opaqueData: Uint8Array, ack: boolean, extraFlags: number, streamId: number): Uint8Array {
  if (opaqueData.length !== 8) throw new ConfigError(`PING opaque data must be 8 bytes, got ${opaqueData.length} (RFC 9113 §6.7)`);
  return withPayload(FrameType.PING, extraFlags | (ack ? Flag.ACK : 0), streamId, 8, MAX_ALLOWED_FRAME_SIZE, (out, p) => out.set(opaqueData, p));
}

function goawayFrame(lastStreamId: number, errorCode: number, debugData: Uint8Array, flags: number, streamId: number, bound: number): Uint8Array {
  checkStreamId(lastStreamId);
  checkUint('error code', errorCode, 0xffff_ffff);
  return withPayload(FrameType.GOAWAY, flags, streamId, 8 + debugData.length, bound, (out, p) => {
    writeUint32(out, p, lastStreamId);
    writeUint32(out, p + 4, errorCode);
    out.set(debugData, p + 8);
  });
}

function windowUpdateFrame(streamId: number, increment: number, flags: number): Uint8Array {
  checkUint('window size increment', increment, 0x7fff_ffff);
  const out = new Uint8Array(FRAME_HEADER_LENGTH + 4);
  writeFrameHeader(out, 0, 4, FrameType.WINDOW_UPDATE, flags, streamId);
  writeUint32(out, FRAME_HEADER_LENGTH, increment);
  return out;
}

/** For the rare frame types: a header plus a payload written by `write` at offset 9. */
function withPayload(type: number, flags: number, streamId: number, length: number, bound: number, write: (out: Uint8Array, p: number) => void): Uint8Array {
  checkBound(length, bound, `type 0x${type.toString(16)}`);
  const out = new Uint8Array(FRAME_HEADER_LENGTH + length);
  writeFrameHeader(out, 0, length, type, flags, streamId);
  write(out, FRAME_HEADER_LENGTH);
  return out;
}

function writePriority(out: Uint8Array, p: number, priority: PriorityInfo): void {
  writeUint32(out, p, checkStreamId(priority.dependsOn) + (priority.exclusive ? 0x8000_0000 : 0));
  out[p + 4] = checkUint('weight', priority.weight, 0xff);
}

function writeUint32(out: Uint8Array, p: number, value: number): void {
  out[p] = value >>> 24;
  out[p + 1] = (value >>> 16) & 0xff;
  out[p + 2] = (value >>> 8) & 0xff;
  out[p + 3] = value & 0xff;
}

function checkBound(length: number, bound: number, what: string): void {
  if (length > bound || length > MAX_ALLOWED_FRAME_SIZE) throw new FrameSizeError(`${what} payload of ${length} bytes exceeds the ${Math.min(bound, MAX_ALLOWED_FRAME_SIZE)}-byte frame size`);
}

function checkStreamId(id: number): number {
  return checkUint('stream id', id, 0x7fff_ffff);
}

function checkUint(what: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new ConfigError(`${what} ${value} is outside 0..${max}`);
  return value;
}
