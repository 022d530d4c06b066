/**
 * HPACK integer representation (RFC 7541 §5.1): an N-bit prefix, then 7-bit groups, least
 * significant first, with the high bit meaning "more follows".
 */
import { CompressionError } from '../../errors.js';

/** Read position inside a header block; shared by the decoder's steps to avoid allocation. */
export interface BlockCursor {
  pos: number;
}

/**
 * Largest integer we accept. RFC 7541 §5.1 puts no limit and leaves one to implementations;
 * every integer in a header block is an index, a string length or a table size, and none of
 * these can sensibly pass 2^31 − 1. The bound also caps the continuation bytes at five, so a
 * run of 0x80 bytes cannot cost unbounded time.
 */
export const MAX_HPACK_INTEGER = 0x7fff_ffff;

/**
 * Decodes the integer whose first byte (holding the prefix) is at `cursor.pos` and leaves the
 * cursor after its last byte. `prefixBits` is 1..8; the bits above the prefix are ignored.
 * Throws CompressionError when the block ends inside the integer or it passes the bound.
 */
export function decodeInteger(input: Uint8Array, cursor: BlockCursor, prefixBits: number): number {
  const end = input.length;
  let pos = cursor.pos;
  if (pos >= end) throw new CompressionError('HPACK integer truncated: header block ends before it (RFC 7541 §5.1)');
  const max = (1 << prefixBits) - 1;
  let value = input[pos++]! & max;
  if (value < max) {
    cursor.pos = pos;
    return value;
  }
  let multiplier = 1;
  for (;;) {
    if (pos >= end) throw new CompressionError('HPACK integer truncated: continuation byte missing (RFC 7541 §5.1)');
    const byte = input[pos++]!;
    value += (byte & 0x7f) * multiplier;
    if (value > MAX_HPACK_INTEGER) {
      throw new CompressionError(`HPACK integer exceeds ${MAX_HPACK_INTEGER} (RFC 7541 §5.1)`);
    }
    if ((byte & 0x80) === 0) break;
    multiplier *= 128;
    // A sixth continuation byte can only add zero bits or overflow; stop either way.
    if (multiplier > 2 ** 28) throw new CompressionError('HPACK integer has too many continuation bytes (RFC 7541 §5.1)');
  }
  cursor.pos = pos;
  return value;
}

/**
 * Writes `value` with an N-bit prefix at `pos`, OR-ing `flags` into the first byte (the
 * representation's pattern bits). Returns the position after the integer. The caller makes
 * sure six bytes are free.
 */
export function writeInteger(out: Uint8Array, pos: number, value: number, prefixBits: number, flags: number): number {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out[pos++] = flags | value;
    return pos;
  }
  out[pos++] = flags | max;
  value -= max;
  while (value >= 128) {
    out[pos++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  out[pos++] = value;
  return pos;
}
