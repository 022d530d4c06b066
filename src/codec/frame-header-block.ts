/**
 * Header block assembly (RFC 9113 §4.3, §6.2, §6.6, §6.10): a HEADERS or PUSH_PROMISE frame
 * without END_HEADERS is held open, CONTINUATION frames on the same stream are appended, and
 * nothing else may come in between. The assembled block is then decoded by the optional
 * HeaderBlockDecoder, in connection order, as HPACK's shared dynamic table requires.
 *
 * Bounds: CONTINUATION frames per block (the CVE-2023-45288 flood) and octets per block, both
 * checked from the frame header, before the payload is buffered.
 */
import { CodecError, CompressionError, FrameSizeError, HeaderListTooLargeError, ProtocolError } from '../errors.js';
import { frameTypeName } from './names.js';
import { readPadLength, readPriority, readUint31 } from './frame-payload.js';
import { Flag, FrameType, type HeaderBlockDecoder, type HeaderField, type HeadersFrame, type PriorityInfo, type PushPromiseFrame } from './types.js';

/** A HEADERS or PUSH_PROMISE frame whose END_HEADERS has not arrived yet (RFC 9113 §6.10). */
interface OpenHeaderBlock {
  /** FrameType.HEADERS or FrameType.PUSH_PROMISE. */
  type: number;
  /** Stream every CONTINUATION must be on. */
  streamId: number;
  /** Flags of the HEADERS/PUSH_PROMISE frame as received. */
  flags: number;
  /** Sum of the payload lengths so far (the assembled frame's `length`). */
  length: number;
  priority: PriorityInfo | undefined;
  promisedStreamId: number;
  padLength: number;
  /** Fragments copied so far; `bytes.subarray(0, size)` is the block. */
  bytes: Uint8Array;
  size: number;
  continuations: number;
}

export class HeaderBlockAssembler {
  /** The block being assembled, if any. */
  private block: OpenHeaderBlock | null = null;

  constructor(
    /** Octets of one assembled block. */
    private readonly maxHeaderBlockSize: number,
    /** CONTINUATION frames per block. */
    private readonly maxContinuations: number,
    private readonly headerDecoder: HeaderBlockDecoder | undefined,
  ) {}

  /** Octets of the open block held so far. */
  get pendingBytes(): number {
    return this.block === null ? 0 : this.block.size;
  }

  /** The §6.10 sequence rule and the bounds, from a frame header alone. */
  checkHeader(length: number, type: number, streamId: number): void {
    const block = this.block;
    if (block !== null) {
      // §6.10: nothing may come between a header block's frames, not even an unknown type.
      if (type !== FrameType.CONTINUATION || streamId !== block.streamId) {
        throw new ProtocolError(
          `${frameTypeName(type)} frame on stream ${streamId} inside the header block of stream ${block.streamId}; only CONTINUATION may follow (RFC 9113 §6.10)`,
        );
      }
      if (block.continuations >= this.maxContinuations) {
        throw new ProtocolError(`more than ${this.maxContinuations} CONTINUATION frames in one header block on stream ${streamId} (CVE-2023-45288)`);
      }
      if (block.size + length > this.maxHeaderBlockSize) throw this.blockTooLarge(block.size + length, streamId);
    } else if (type === FrameType.CONTINUATION) {
      throw new ProtocolError(`CONTINUATION frame on stream ${streamId} without an open HEADERS or PUSH_PROMISE (RFC 9113 §6.10)`);
    }
  }

  /** HEADERS (§6.2) or PUSH_PROMISE (§6.6): the frame, or null while CONTINUATION frames are awaited. */
  open(buf: Uint8Array, off: number, length: number, type: number, flags: number, streamId: number): HeadersFrame | PushPromiseFrame | null {
    const isHeaders = type === FrameType.HEADERS;
    const fixed = isHeaders ? ((flags & Flag.PRIORITY) !== 0 ? 5 : 0) : 4;
    let p = off;
    let end = off + length;
    let padLength = 0;
    if ((flags & Flag.PADDED) !== 0) {
      padLength = readPadLength(buf, off, length, fixed, frameTypeName(type));
      p += 1;
      end -= padLength;
    } else if (length < fixed) {
      // §4.2: too short for its mandatory fields.
      throw new FrameSizeError(`${frameTypeName(type)} frame of ${length} bytes is too short for its fields (RFC 9113 §4.2)`);
    }
    let priority: PriorityInfo | undefined;
    let promisedStreamId = 0;
    if (isHeaders) {
      if (fixed === 5) {
        priority = readPriority(buf, p);
        p += 5;
      }
    } else {
      promisedStreamId = readUint31(buf, p);
      p += 4;
      // §6.6, §5.1.1: stream 0 can never be promised.
      if (promisedStreamId === 0) throw new ProtocolError(`PUSH_PROMISE on stream ${streamId} promises stream 0 (RFC 9113 §6.6)`);
    }
    const size = end - p;
    if (size > this.maxHeaderBlockSize) throw this.blockTooLarge(size, streamId);
    if ((flags & Flag.END_HEADERS) !== 0) {
      return this.headerBlockFrame(type, streamId, flags, length, priority, promisedStreamId, padLength, buf.subarray(p, end), 0);
    }
    // The fragment must outlive this chunk: copy it into a buffer that grows up to the bound.
    const bytes = new Uint8Array(Math.min(this.maxHeaderBlockSize, Math.max(2 * size, 4096)));
    bytes.set(buf.subarray(p, end));
    this.block = { type, streamId, flags, length, priority, promisedStreamId, padLength, bytes, size, continuations: 0 };
    return null;
  }

  /** CONTINUATION (§6.10), after `checkHeader`: the assembled frame once END_HEADERS arrives, else null. */
  continue(buf: Uint8Array, off: number, length: number, flags: number): HeadersFrame | PushPromiseFrame | null {
    const block = this.block!;
    const needed = block.size + length;
    if (needed > block.bytes.length) {
      const grown = new Uint8Array(Math.min(this.maxHeaderBlockSize, Math.max(needed, 2 * block.bytes.length)));
      grown.set(block.bytes.subarray(0, block.size));
      block.bytes = grown;
    }
    block.bytes.set(buf.subarray(off, off + length), block.size);
    block.size = needed;
    block.length += length;
    block.continuations += 1;
    if ((flags & Flag.END_HEADERS) === 0) return null;
    this.block = null;
    return this.headerBlockFrame(block.type, block.streamId, block.flags, block.length, block.priority, block.promisedStreamId, block.padLength, block.bytes.subarray(0, block.size), block.continuations);
  }

  private headerBlockFrame(
    type: number,
    streamId: number,
    flags: number,
    length: number,
    priority: PriorityInfo | undefined,
    promisedStreamId: number,
    padLength: number,
    headerBlock: Uint8Array,
    continuations: number,
  ): HeadersFrame | PushPromiseFrame {
    if (type === FrameType.HEADERS) {
      const frame: HeadersFrame = { type: 'HEADERS', streamId, flags, length, endStream: (flags & Flag.END_STREAM) !== 0, headerBlock, continuations, padLength };
      if (priority !== undefined) frame.priority = priority;
      if (this.headerDecoder !== undefined) frame.headers = this.decodeHeaderBlock(headerBlock, streamId);
      return frame;
    }
    const frame: PushPromiseFrame = { type: 'PUSH_PROMISE', streamId, flags, length, promisedStreamId, headerBlock, continuations, padLength };
    if (this.headerDecoder !== undefined) frame.headers = this.decodeHeaderBlock(headerBlock, streamId);
    return frame;
  }

  /** RFC 9113 §4.3: one block at a time, in connection order, against the shared table. */
  private decodeHeaderBlock(block: Uint8Array, streamId: number): HeaderField[] {
    try {
      return this.headerDecoder!.decode(block);
    } catch (err) {
      if (err instanceof CodecError) throw err;
      // Whatever the HPACK decoder failed on, the connection's compression state is now unknown.
      throw new CompressionError(`header block on stream ${streamId} could not be decoded: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    }
  }

  /**
   * A connection error, not a stream error: the block is not decoded, so the HPACK dynamic table
   * can no longer be kept in step with the peer's (RFC 9113 §4.3).
   */
  private blockTooLarge(size: number, streamId: number): HeaderListTooLargeError {
    return new HeaderListTooLargeError(`header block of ${size} bytes on stream ${streamId} exceeds the ${this.maxHeaderBlockSize}-byte bound`);
  }
}
