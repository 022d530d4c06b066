/**
 * HPACK decoder (RFC 7541 §3, §6): turns one complete header block into header fields against
 * the connection's dynamic table.
 *
 * Bounds, so that no block costs unbounded memory or time:
 * - every integer is capped (integer.ts) and every string length is checked against the block
 *   before anything is read, so work is linear in the block's size;
 * - the decoded header list is capped by `maxHeaderListSize` (RFC 9113 §6.5.2 size) and
 *   `maxFields`. This is what stops the "HPACK bomb" (CVE-2016-6581): a few bytes that index
 *   one large table entry many times. Past the cap, decoding goes on to the end of the block
 *   without keeping fields — the dynamic table must see every insertion to stay in step with
 *   the peer — and then throws HeaderListTooLargeError; the decoder stays usable, so the
 *   HTTP/2 layer can refuse just that stream (431 or RST_STREAM);
 * - a single name or value above `maxStringLength` throws HeaderListTooLargeError at once,
 *   without materialising the string. The rest of the block is then unread, so the table is
 *   out of step: like a CompressionError this leaves the decoder unusable, and the HTTP/2
 *   layer must close the connection (GOAWAY ENHANCE_YOUR_CALM).
 * Any CompressionError is a connection error (RFC 7541 §2.3.3, §4.2; RFC 9113 §4.3): every
 * later `decode` throws too.
 */
import { CompressionError, ConfigError, HeaderListTooLargeError } from '../../errors.js';
import type { HeaderBlockDecoder, HeaderField } from '../types.js';
import { DEFAULT_HEADER_TABLE_SIZE } from '../types.js';
import { DynamicTable, ENTRY_OVERHEAD } from './dynamic-table.js';
import { huffmanDecodeInto, huffmanDecodedLengthBound } from './huffman.js';
import { type BlockCursor, decodeInteger } from './integer.js';
import { STATIC_NAMES, STATIC_TABLE_LENGTH, STATIC_VALUES } from './static-table.js';

// Module-local copies, so the per-field path reads locals rather than imported bindings
// (which a transpiler such as tsx may turn into getter calls).
const NAMES = STATIC_NAMES;
const VALUES = STATIC_VALUES;
const STATIC_LENGTH = STATIC_TABLE_LENGTH;

export interface HpackDecoderOptions {
  /**
   * The SETTINGS_HEADER_TABLE_SIZE we advertised: the upper bound for dynamic table size
   * updates (RFC 7541 §4.2, §6.3). Default 4096.
   */
  maxTableSize?: number;
  /** RFC 9113 §6.5.2 size (Σ name + value + 32) of one decoded list. Default 65536. */
  maxHeaderListSize?: number;
  /** Fields in one decoded list. Default 1000. */
  maxFields?: number;
  /** Octets in one decoded name or value. Default 65536. */
  maxStringLength?: number;
}

/** Latin1 slicing on a Buffer: present at runtime on every Node Buffer, absent from the types. */
interface Latin1Buffer extends Buffer {
  latin1Slice(start: number, end: number): string;
}

/**
 * Buffer#latin1Slice, called on any Uint8Array: Node's binding accepts every ArrayBufferView,
 * so a plain Uint8Array block needs no Buffer view made for it (that view cost more than the
 * slice itself, once per response block, in the bench hot path).
 */
const latin1Slice = (Buffer.prototype as Latin1Buffer).latin1Slice as (this: Uint8Array, start: number, end: number) => string;

export class HpackDecoder implements HeaderBlockDecoder {
  /** The connection's dynamic table (§2.3.2). */
  private readonly table: DynamicTable;
  /** The largest table size the peer may set: our acknowledged SETTINGS_HEADER_TABLE_SIZE. */
  private limit: number;
  /**
   * When our setting was lowered below the table's size in force, the next block must open
   * with a size update no larger than this (§4.2); −1 when no update is owed.
   */
  private owedUpdateMax = -1;
  /** Set after an error that left the table out of step with the peer's. */
  private broken: CompressionError | HeaderListTooLargeError | undefined;
  private readonly maxHeaderListSize: number;
  private readonly maxFields: number;
  private readonly maxStringLength: number;
  /** Read position in the block being decoded. */
  private readonly cursor: BlockCursor = { pos: 0 };
  /** Scratch for Huffman output, grown on demand, latin1-sliced into strings. */
  private scratch: Latin1Buffer = Buffer.allocUnsafe(256) as Latin1Buffer;

  constructor(options: HpackDecoderOptions = {}) {
    this.limit = checkSize(options.maxTableSize ?? DEFAULT_HEADER_TABLE_SIZE, 'maxTableSize');
    // The table may grow to the limit without a size update first. Strictly the peer starts
    // at 4096 until it announces more (§4.2), but holding entries a peer thinks evicted is
    // harmless — indices count from the newest — while refusing a peer that skips the update
    // would break interoperability for nothing.
    this.table = new DynamicTable(this.limit);
    this.maxHeaderListSize = checkSize(options.maxHeaderListSize ?? 65_536, 'maxHeaderListSize');
    this.maxFields = checkSize(options.maxFields ?? 1000, 'maxFields');
    this.maxStringLength = checkSize(options.maxStringLength ?? 65_536, 'maxStringLength');
  }

  /** Current dynamic table size in RFC 7541 §4.1 octets. */
  get tableSize(): number {
    return this.table.size;
  }

  /** Current number of dynamic table entries. */
  get tableLength(): number {
    return this.table.length;
  }

  /**
   * Our new SETTINGS_HEADER_TABLE_SIZE was acknowledged. A lower value shrinks the table now
   * and obliges the peer to open its next block with a size update within it (§4.2); a higher
   * one only raises the bound the peer may update to.
   */
  setMaxTableSize(n: number): void {
    checkSize(n, 'maxTableSize');
    if (n < this.table.maxSize) {
      this.owedUpdateMax = this.owedUpdateMax < 0 ? n : Math.min(this.owedUpdateMax, n);
      this.table.setMaxSize(n);
    }
    this.limit = n;
  }

  /** Decodes one complete header block (all its CONTINUATION fragments joined). */
  decode(block: Uint8Array): HeaderField[] {
    if (this.broken !== undefined) {
      throw new CompressionError('HPACK decoder unusable after an earlier error (RFC 7541 §2.3.3)', { cause: this.broken });
    }
    try {
      return this.decodeBlock(block);
    } catch (err) {
      if (err instanceof CompressionError) this.broken = err;
      throw err;
    }
  }

  private decodeBlock(block: Uint8Array): HeaderField[] {
    const cursor = this.cursor;
    const table = this.table;
    const end = block.length;
    const fields: HeaderField[] = [];
    let listSize = 0;
    let fieldCount = 0;
    let pos = 0;

    // Dynamic table size updates: only before the first field (§4.2), never above our setting.
    while (pos < end && (block[pos]! & 0xe0) === 0x20) {
      cursor.pos = pos;
      const size = decodeInteger(block, cursor, 5);
      pos = cursor.pos;
      if (size > this.limit) {
        throw new CompressionError(`dynamic table size update to ${size} exceeds the limit ${this.limit} (RFC 7541 §6.3)`);
      }
      if (this.owedUpdateMax >= 0 && size > this.owedUpdateMax) {
        throw new CompressionError(`dynamic table size update to ${size} after the limit was lowered to ${this.owedUpdateMax} (RFC 7541 §4.2)`);
      }
      this.owedUpdateMax = -1;
      table.setMaxSize(size);
    }
    if (this.owedUpdateMax >= 0) {
      throw new CompressionError('header block does not open with the dynamic table size update owed after SETTINGS_HEADER_TABLE_SIZE was lowered (RFC 7541 §4.2)');
    }

    while (pos < end) {
      const first = block[pos]!;
      let name: string;
      let value: string;
      let sensitive = false;

      if (first >= 0x80) {
        // Indexed header field (§6.1). One-byte indices into the static table are the
        // common case in responses, so they skip the integer decoder.
        let index = first & 0x7f;
        if (index !== 0x7f) pos++;
        else {
          cursor.pos = pos;
          index = decodeInteger(block, cursor, 7);
          pos = cursor.pos;
        }
        if (index === 0) throw new CompressionError('indexed header field with index 0 (RFC 7541 §6.1)');
        if (index <= STATIC_LENGTH) {
          name = NAMES[index]!;
          value = VALUES[index]!;
        } else {
          const dynamic = index - STATIC_LENGTH;
          if (dynamic > table.length) throw indexError(index, table.length);
          name = table.nameAt(dynamic);
          value = table.valueAt(dynamic);
        }
      } else {
        // Literal (§6.2): with incremental indexing (01xxxxxx, 6-bit prefix), without
        // indexing (0000xxxx) or never indexed (0001xxxx), both with a 4-bit prefix.
        const indexing = first >= 0x40;
        if (!indexing && first >= 0x20) {
          throw new CompressionError('dynamic table size update after a header field (RFC 7541 §4.2)');
        }
        sensitive = !indexing && (first & 0x10) !== 0;
        cursor.pos = pos;
        const nameIndex = decodeInteger(block, cursor, indexing ? 6 : 4);
        if (nameIndex === 0) name = this.readString(block);
        else if (nameIndex <= STATIC_LENGTH) name = NAMES[nameIndex]!;
        else {
          const dynamic = nameIndex - STATIC_LENGTH;
          if (dynamic > table.length) throw indexError(nameIndex, table.length);
          name = table.nameAt(dynamic);
        }
        value = this.readString(block);
        pos = cursor.pos;
        if (indexing) table.add(name, value);
      }

      listSize += name.length + value.length + ENTRY_OVERHEAD;
      fieldCount++;
      // Past a bound, keep decoding (the table must stay in step) but keep nothing.
      if (listSize <= this.maxHeaderListSize && fieldCount <= this.maxFields) {
        fields.push(sensitive ? { name, value, sensitive: true } : { name, value });
      }
    }

    if (listSize > this.maxHeaderListSize) {
      throw new HeaderListTooLargeError(`header list size ${listSize} exceeds ${this.maxHeaderListSize} (RFC 9113 §6.5.2)`);
    }
    if (fieldCount > this.maxFields) {
      throw new HeaderListTooLargeError(`header list has ${fieldCount} fields, more than ${this.maxFields}`);
    }
    return fields;
  }

  /** Reads a string literal (§5.2) at the cursor and leaves the cursor after it. */
  private readString(block: Uint8Array): string {
    const cursor = this.cursor;
    const start = cursor.pos;
    if (start >= block.length) throw new CompressionError('header block ends before a string literal (RFC 7541 §5.2)');
    const huffman = (block[start]! & 0x80) !== 0;
    const length = decodeInteger(block, cursor, 7);
    const from = cursor.pos;
    const to = from + length;
    if (to > block.length) {
      throw new CompressionError(`string literal of ${length} octets runs past the end of the header block (RFC 7541 §5.2)`);
    }
    cursor.pos = to;
    if (!huffman) {
      if (length > this.maxStringLength) throw this.stringTooLong(length);
      return latin1Slice.call(block, from, to);
    }
    // Each symbol takes at most 30 bits and padding under 8, so this many octets at least
    // come out: refuse before decoding (and allocating) when even that is too many.
    const atLeast = Math.floor((length * 8 - 7) / 30);
    if (atLeast > this.maxStringLength) throw this.stringTooLong(atLeast);
    const bound = huffmanDecodedLengthBound(length);
    if (bound > this.scratch.length) {
      this.scratch = Buffer.allocUnsafe(Math.max(bound, this.scratch.length * 2)) as Latin1Buffer;
    }
    const decoded = huffmanDecodeInto(block, from, to, this.scratch, 0);
    if (decoded > this.maxStringLength) throw this.stringTooLong(decoded);
    return this.scratch.latin1Slice(0, decoded);
  }

  /** The block is abandoned mid-way, so the table is out of step: the decoder is done for. */
  private stringTooLong(length: number): HeaderListTooLargeError {
    const err = new HeaderListTooLargeError(`header name or value of ${length} octets exceeds maxStringLength ${this.maxStringLength}`);
    this.broken = err;
    return err;
  }
}

function indexError(index: number, dynamicLength: number): CompressionError {
  return new CompressionError(
    `index ${index} is beyond the static table (61) and the dynamic table (${dynamicLength} entries) (RFC 7541 §2.3.3)`,
  );
}

function checkSize(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) {
    throw new ConfigError(`HPACK ${what} must be an integer from 0 to 2^32-1, got ${n}`);
  }
  return n;
}
