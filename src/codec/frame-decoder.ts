/**
 * Incremental HTTP/2 frame decoder (RFC 9113 §3.4, §4, §5.5, §6): bytes go in, in chunks of
 * any size down to one byte, and typed frames come out, with HEADERS/PUSH_PROMISE and their
 * CONTINUATION frames assembled into one frame.
 *
 * Built for the bench engine's hot path: frame headers are parsed straight from the caller's
 * chunk, payload fields are `subarray` views (no copies), no closure or copy is made per frame,
 * and bytes are copied only when a frame spans two chunks or a header block spans several
 * frames. The frame model's contract is that byte fields hold until the next `push()`; by
 * default they hold longer (views into the caller's chunk, or into a buffer of exactly the
 * straddling frame's size), and with `reuseBuffers` exactly that long.
 *
 * Errors are CodecError subclasses carrying the HTTP/2 error code the RFC asks for. A connection
 * cannot be decoded past a violation, so an error is sticky: every later push throws it again.
 */
import { CodecError, ConfigError, ProtocolError } from '../errors.js';
import { HeaderBlockAssembler } from './frame-header-block.js';
import { FRAME_HEADER_LENGTH, checkFrameHeader } from './frame-header-rules.js';
import { frameTypeName } from './names.js';
import {
  decodeData,
  decodeGoaway,
  decodePing,
  decodePriority,
  decodeRstStream,
  decodeSettings,
  decodeUnknown,
  decodeWindowUpdate,
  readUint31,
} from './frame-payload.js';
import { CONNECTION_PREFACE_BYTES } from './frame-preface.js';
import {
  DEFAULT_MAX_FRAME_SIZE,
  Flag,
  FrameType,
  MAX_ALLOWED_FRAME_SIZE,
  type Frame,
  type HeaderBlockDecoder,
} from './types.js';

export interface FrameDecoderOptions {
  /**
   * Server side: the 24-octet client connection preface must come first, followed by a
   * (non-ACK) SETTINGS frame; anything else is a ProtocolError (RFC 9113 §3.4).
   */
  expectPreface?: boolean;
  /** The SETTINGS_MAX_FRAME_SIZE we advertised (16384..16777215); default 16384. Larger frames → FrameSizeError. */
  maxFrameSize?: number;
  /** Bytes of one assembled header block; default 262144. Beyond → HeaderListTooLargeError. */
  maxHeaderBlockSize?: number;
  /** CONTINUATION frames allowed in one header block; default 32. Beyond → ProtocolError (CVE-2023-45288). */
  maxContinuations?: number;
  /** When set, HEADERS and PUSH_PROMISE frames get `.headers`, decoded in connection order. */
  headerDecoder?: HeaderBlockDecoder;
  /**
   * Assemble frames that straddle two chunks in two alternating buffers owned by the decoder,
   * instead of a fresh buffer per frame. About twice the throughput on 16 KiB socket reads
   * (nearly every full-size DATA frame straddles two), but then byte fields of returned frames
   * really are valid only until the next `push()`. Default false: views into a straddling frame
   * stay valid as long as the caller holds them. Meant for the bench engine, which reads each
   * frame once.
   */
  reuseBuffers?: boolean;
}

export const DEFAULT_MAX_HEADER_BLOCK_SIZE = 262_144;
export const DEFAULT_MAX_CONTINUATIONS = 32;

export class FrameDecoder {
  /** Our advertised SETTINGS_MAX_FRAME_SIZE. */
  private maxFrameSize: number;
  /** Octets of the client preface still to match (0 once matched, or when not expected). */
  private prefaceRemaining: number;
  /** True until the SETTINGS frame that must follow the client preface has been seen (§3.4). */
  private expectSettings: boolean;
  /** Start of a frame header split across chunks (fewer than 9 octets so far). */
  private readonly head = new Uint8Array(FRAME_HEADER_LENGTH);
  private headFilled = 0;
  /** A frame split across chunks whose header is complete: exactly 9 + length octets. */
  private frame: Uint8Array | null = null;
  private frameFilled = 0;
  /** HEADERS/PUSH_PROMISE + CONTINUATION assembly (§6.10). */
  private readonly headerBlocks: HeaderBlockAssembler;
  /** The first error; thrown again by every later push. */
  private failure: CodecError | null = null;
  /** With `reuseBuffers`: two buffers used in turn for straddling frames (one may be in a returned frame). */
  private readonly spare: Uint8Array[] | null;
  private spareTurn = 0;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxFrameSize = checkMaxFrameSize(options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE);
    this.headerBlocks = new HeaderBlockAssembler(
      checkCount('maxHeaderBlockSize', options.maxHeaderBlockSize ?? DEFAULT_MAX_HEADER_BLOCK_SIZE),
      checkCount('maxContinuations', options.maxContinuations ?? DEFAULT_MAX_CONTINUATIONS),
      options.headerDecoder,
    );
    this.prefaceRemaining = options.expectPreface === true ? CONNECTION_PREFACE_BYTES.length : 0;
    this.expectSettings = options.expectPreface === true;
    this.spare = options.reuseBuffers === true ? [new Uint8Array(0), new Uint8Array(0)] : null;
  }

  /** Bytes held waiting for the rest of a frame, plus the header block being assembled. */
  get bufferedBytes(): number {
    return this.headFilled + this.frameFilled + this.headerBlocks.pendingBytes;
  }

  /** Call once our SETTINGS carrying a new SETTINGS_MAX_FRAME_SIZE is acknowledged (RFC 9113 §6.5.3). */
  setMaxFrameSize(n: number): void {
    this.maxFrameSize = checkMaxFrameSize(n);
  }

  /**
   * Decodes `chunk` and returns the frames it completes. Throws a CodecError on a violation;
   * frames completed earlier in the same chunk are lost then (use `pushInto` to keep them).
   */
  push(chunk: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    this.pushInto(chunk, frames);
    return frames;
  }

  /**
   * Like `push`, but appends to `frames`, so the frames before a violation in the same chunk
   * stay in the array when it throws (a wire tap wants to show them).
   */
  pushInto(chunk: Uint8Array, frames: Frame[]): void {
    if (this.failure !== null) throw this.failure;
    try {
      this.consume(chunk, frames);
    } catch (err) {
      if (err instanceof CodecError) this.failure = err;
      throw err;
    }
  }

  private consume(chunk: Uint8Array, frames: Frame[]): void {
    const end = chunk.length;
    let off = 0;
    if (this.prefaceRemaining > 0) {
      off = this.matchPreface(chunk);
      if (this.prefaceRemaining > 0) return;
    }
    if (this.headFilled > 0 || this.frame !== null) {
      off = this.completeSplitFrame(chunk, off, frames);
      if (off === end) return;
    }
    // The fast path: whole frames inside this chunk, decoded in place.
    while (end - off >= FRAME_HEADER_LENGTH) {
      const length = (chunk[off]! << 16) | (chunk[off + 1]! << 8) | chunk[off + 2]!;
      const type = chunk[off + 3]!;
      const flags = chunk[off + 4]!;
      const streamId = readUint31(chunk, off + 5);
      this.checkHeader(length, type, flags, streamId);
      if (end - off - FRAME_HEADER_LENGTH < length) {
        this.frame = this.allocateFrame(FRAME_HEADER_LENGTH + length);
        this.frameFilled = end - off;
        this.frame.set(chunk.subarray(off, end));
        return;
      }
      this.decodeFrame(chunk, off + FRAME_HEADER_LENGTH, length, type, flags, streamId, frames);
      off += FRAME_HEADER_LENGTH + length;
    }
    while (off < end) this.head[this.headFilled++] = chunk[off++]!;
  }

  /** Matches the client connection preface (RFC 9113 §3.4); returns the offset after it. */
  private matchPreface(chunk: Uint8Array): number {
    const start = CONNECTION_PREFACE_BYTES.length - this.prefaceRemaining;
    const n = Math.min(this.prefaceRemaining, chunk.length);
    for (let i = 0; i < n; i++) {
      if (chunk[i] !== CONNECTION_PREFACE_BYTES[start + i]) {
        throw new ProtocolError(
          `expected the client connection preface "PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n", got byte 0x${chunk[i]!.toString(16).padStart(2, '0')} at offset ${start + i} (RFC 9113 §3.4)`,
        );
      }
    }
    this.prefaceRemaining -= n;
    return n;
  }

  /** Feeds a frame split across chunks; returns the offset in `chunk` after what it used. */
  private completeSplitFrame(chunk: Uint8Array, off: number, frames: Frame[]): number {
    const end = chunk.length;
    if (this.frame === null) {
      while (this.headFilled < FRAME_HEADER_LENGTH && off < end) this.head[this.headFilled++] = chunk[off++]!;
      if (this.headFilled < FRAME_HEADER_LENGTH) return end;
      const head = this.head;
      const length = (head[0]! << 16) | (head[1]! << 8) | head[2]!;
      this.checkHeader(length, head[3]!, head[4]!, readUint31(head, 5));
      this.frame = this.allocateFrame(FRAME_HEADER_LENGTH + length);
      this.frame.set(head);
      this.frameFilled = FRAME_HEADER_LENGTH;
      this.headFilled = 0;
    }
    const frame = this.frame;
    const n = Math.min(frame.length - this.frameFilled, end - off);
    if (n > 0) {
      frame.set(n === end - off && off === 0 ? chunk : chunk.subarray(off, off + n), this.frameFilled);
      this.frameFilled += n;
      off += n;
    }
    if (this.frameFilled < frame.length) return end;
    this.frame = null;
    this.frameFilled = 0;
    const length = frame.length - FRAME_HEADER_LENGTH;
    this.decodeFrame(frame, FRAME_HEADER_LENGTH, length, frame[3]!, frame[4]!, readUint31(frame, 5), frames);
    return off;
  }

  /**
   * A buffer for one frame split across chunks: fresh by default (the frame's views stay valid
   * as long as they are held), or one of two reused buffers with `reuseBuffers`, which keeps
   * the copy in cache and doubles throughput on 16 KiB reads (bench/RESULTS.md).
   * A push completes at most one straddling frame (its first) and starts at most one (its last),
   * so with `reuseBuffers` two buffers used in turn never overwrite a frame of the same push.
   */
  private allocateFrame(size: number): Uint8Array {
    const spare = this.spare;
    if (spare === null) return new Uint8Array(size);
    const turn = (this.spareTurn ^= 1);
    if (spare[turn]!.length < size) spare[turn] = new Uint8Array(Math.max(size, DEFAULT_MAX_FRAME_SIZE + FRAME_HEADER_LENGTH));
    return spare[turn]!.subarray(0, size);
  }

  /** Header-only rules, run before the payload is waited for. */
  private checkHeader(length: number, type: number, flags: number, streamId: number): void {
    checkFrameHeader(length, type, flags, streamId, this.maxFrameSize);
    this.headerBlocks.checkHeader(length, type, streamId);
    if (this.expectSettings) {
      if (type !== FrameType.SETTINGS || (flags & Flag.ACK) !== 0) {
        throw new ProtocolError(`the client preface must be followed by a SETTINGS frame, got ${frameTypeName(type)} (RFC 9113 §3.4)`);
      }
      this.expectSettings = false;
    }
  }

  private decodeFrame(buf: Uint8Array, off: number, length: number, type: number, flags: number, streamId: number, frames: Frame[]): void {
    switch (type) {
      case FrameType.DATA:
        frames.push(decodeData(buf, off, length, flags, streamId));
        return;
      case FrameType.HEADERS:
      case FrameType.PUSH_PROMISE: {
        const frame = this.headerBlocks.open(buf, off, length, type, flags, streamId);
        if (frame !== null) frames.push(frame);
        return;
      }
      case FrameType.CONTINUATION: {
        const frame = this.headerBlocks.continue(buf, off, length, flags);
        if (frame !== null) frames.push(frame);
        return;
      }
      case FrameType.PRIORITY:
        frames.push(decodePriority(buf, off, length, flags, streamId));
        return;
      case FrameType.RST_STREAM:
        frames.push(decodeRstStream(buf, off, length, flags, streamId));
        return;
      case FrameType.SETTINGS:
        frames.push(decodeSettings(buf, off, length, flags, streamId));
        return;
      case FrameType.PING:
        frames.push(decodePing(buf, off, length, flags, streamId));
        return;
      case FrameType.GOAWAY:
        frames.push(decodeGoaway(buf, off, length, flags, streamId));
        return;
      case FrameType.WINDOW_UPDATE:
        frames.push(decodeWindowUpdate(buf, off, length, flags, streamId));
        return;
      default:
        frames.push(decodeUnknown(buf, off, length, type, flags, streamId));
        return;
    }
  }
}

function checkMaxFrameSize(n: number): number {
  if (!Number.isInteger(n) || n < DEFAULT_MAX_FRAME_SIZE || n > MAX_ALLOWED_FRAME_SIZE) {
    throw new ConfigError(`maxFrameSize ${n} is outside 16384..16777215 (RFC 9113 §6.5.2)`);
  }
  return n;
}

function checkCount(name: string, n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${name} must be a whole number ≥ 0, got ${n}`);
  return n;
}
