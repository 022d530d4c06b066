/**
 * HPACK encoder (RFC 7541 §6): turns header lists into header blocks, keeping a dynamic table
 * in step with the peer's decoder.
 *
 * Choice per field, cheapest first: an exact static or dynamic match is one indexed field
 * (§6.1); otherwise a literal (§6.2) reusing an indexed name when there is one. Literals are
 * added to the dynamic table (§6.2.1) unless indexing is off, the field is `sensitive` (then
 * never indexed, §6.2.3 and §7.1.3), or the field is one that rarely repeats — the same list
 * nghttp2 uses, so an h2load-like client sends comparable bytes.
 */
import { ConfigError } from '../../errors.js';
import type { HeaderField } from '../types.js';
import { DEFAULT_HEADER_TABLE_SIZE } from '../types.js';
import { DynamicTable, entrySize } from './dynamic-table.js';
import { huffmanEncodedLengthOfString, writeHuffmanString } from './huffman.js';
import { writeInteger } from './integer.js';
import { STATIC_NAMES, STATIC_NAME_INDEX, STATIC_TABLE_LENGTH, STATIC_VALUES } from './static-table.js';

// Module-local copies, so the per-field path reads locals rather than imported bindings
// (which a transpiler such as tsx may turn into getter calls).
const NAMES = STATIC_NAMES;
const VALUES = STATIC_VALUES;
const NAME_INDEX = STATIC_NAME_INDEX;
const STATIC_LENGTH = STATIC_TABLE_LENGTH;

export interface HpackEncoderOptions {
  /** The peer's SETTINGS_HEADER_TABLE_SIZE; default 4096. */
  maxTableSize?: number;
  /** 'auto' (default): Huffman when it is shorter; 'always'; 'never'. */
  huffman?: 'auto' | 'always' | 'never';
  /** Add fields to the dynamic table (default true); `sensitive` fields never are. */
  indexing?: boolean;
}

/**
 * The most dynamic table we use, whatever the peer allows. The encoder may use less than the
 * peer's maximum (RFC 7541 §4.2); a peer advertising 4 GiB should not make us hold 4 GiB.
 */
export const ENCODER_TABLE_SIZE_CAP = 65_536;

/** Octets per output pool. */
const POOL_SIZE = 16_384;

/** Headers whose values rarely repeat: indexing them only evicts useful entries. */
const NOT_INDEXED = new Set([
  ':path', 'content-length', 'set-cookie', 'etag', 'if-modified-since', 'if-none-match', 'location', 'age',
]);

export class HpackEncoder {
  private readonly table: DynamicTable;
  private readonly huffman: 'auto' | 'always' | 'never';
  private readonly indexing: boolean;
  /**
   * name → (value → id of the newest dynamic entry with that pair). Nested rather than keyed
   * by name + value: no string is built per field, and each string's hash is computed once.
   */
  private readonly fieldIds = new Map<string, Map<string, number>>();
  /** name → id of the newest dynamic entry with that name. */
  private readonly nameIds = new Map<string, number>();
  /** Smallest table size set since the last block, or −1 if none (§4.2). */
  private pendingMin = -1;
  /** Table size to announce at the start of the next block, or −1 if none. */
  private pendingFinal = -1;
  /**
   * Output pool: blocks are written here back to back and returned as views, so a block costs
   * no allocation of its own (like Buffer's pool); a full pool is replaced, never reused, so a
   * returned block is never overwritten.
   */
  private out = new Uint8Array(POOL_SIZE);
  /** Where the block being written starts in `out`. */
  private start = 0;

  constructor(options: HpackEncoderOptions = {}) {
    const huffman = options.huffman ?? 'auto';
    if (huffman !== 'auto' && huffman !== 'always' && huffman !== 'never') {
      throw new ConfigError(`HPACK huffman must be 'auto', 'always' or 'never', got ${String(huffman)}`);
    }
    this.huffman = huffman;
    this.indexing = options.indexing ?? true;
    // Both sides start from the protocol default (RFC 9113 §6.5.2); a different size is
    // announced with a size update at the start of the first block.
    this.table = new DynamicTable(DEFAULT_HEADER_TABLE_SIZE);
    this.table.onEvict = (name, value, id) => {
      const values = this.fieldIds.get(name);
      if (values !== undefined && values.get(value) === id) {
        values.delete(value);
        if (values.size === 0) this.fieldIds.delete(name);
      }
      if (this.nameIds.get(name) === id) this.nameIds.delete(name);
    };
    const size = options.maxTableSize ?? DEFAULT_HEADER_TABLE_SIZE;
    if (size !== DEFAULT_HEADER_TABLE_SIZE) this.setMaxTableSize(size);
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
   * The peer changed SETTINGS_HEADER_TABLE_SIZE. We follow it (up to ENCODER_TABLE_SIZE_CAP)
   * and the next block opens with a size update; if it shrank and grew again in between, the
   * smallest value is announced first, as RFC 7541 §4.2 requires.
   */
  setMaxTableSize(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) {
      throw new ConfigError(`HPACK maxTableSize must be an integer from 0 to 2^32-1, got ${n}`);
    }
    const size = Math.min(n, ENCODER_TABLE_SIZE_CAP);
    this.pendingMin = this.pendingMin < 0 ? size : Math.min(this.pendingMin, size);
    this.pendingFinal = size;
    this.table.setMaxSize(size);
  }

  /**
   * Encodes one header list into one header block. The returned bytes are a view into a pool
   * the encoder never writes again; they are the caller's to keep.
   */
  encode(fields: HeaderField[]): Uint8Array {
    try {
      return this.encodeBlock(fields);
    } catch (err) {
      // Fields before the bad one may already be in our table, but the peer will never see
      // this block. Resynchronise: empty our table and open the next block with size
      // updates to 0 and back (§4.2, §6.3), which empties the peer's too.
      const size = this.table.maxSize;
      this.table.setMaxSize(0);
      this.table.setMaxSize(size);
      this.pendingMin = 0;
      this.pendingFinal = size;
      throw err;
    }
  }

  private encodeBlock(fields: HeaderField[]): Uint8Array {
    if (this.out.length - this.start < 256) {
      this.out = new Uint8Array(POOL_SIZE);
      this.start = 0;
    }
    let pos = this.start;
    if (this.pendingFinal >= 0) {
      pos = this.reserve(pos, 12);
      if (this.pendingMin < this.pendingFinal) pos = writeInteger(this.out, pos, this.pendingMin, 5, 0x20);
      pos = writeInteger(this.out, pos, this.pendingFinal, 5, 0x20);
      this.pendingMin = -1;
      this.pendingFinal = -1;
    }
    const table = this.table;
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i]!;
      const name = field.name;
      const value = field.value;
      const sensitive = field.sensitive === true;
      pos = this.reserve(pos, 6);
      const staticName = NAME_INDEX.get(name) ?? 0;
      const values = this.fieldIds.get(name);

      if (!sensitive) {
        // Static entries sharing a name are adjacent (Appendix A), so scan from the first.
        let exact = 0;
        for (let j = staticName; j !== 0 && j <= STATIC_LENGTH && NAMES[j] === name; j++) {
          if (VALUES[j] === value) {
            exact = j;
            break;
          }
        }
        if (exact === 0 && values !== undefined) {
          const id = values.get(value);
          if (id !== undefined) exact = STATIC_LENGTH + table.insertCount - id;
        }
        if (exact !== 0) {
          pos = writeInteger(this.out, pos, exact, 7, 0x80);
          continue;
        }
      }

      let nameIndex = staticName;
      if (nameIndex === 0) {
        const id = this.nameIds.get(name);
        if (id !== undefined) nameIndex = STATIC_LENGTH + table.insertCount - id;
      }
      const index = this.indexing && !sensitive && !NOT_INDEXED.has(name) && entrySize(name, value) <= (table.maxSize * 3) / 4;
      if (index) pos = writeInteger(this.out, pos, nameIndex, 6, 0x40);
      else pos = writeInteger(this.out, pos, nameIndex, 4, sensitive ? 0x10 : 0x00);
      if (nameIndex === 0) pos = this.writeString(pos, name);
      pos = this.writeString(pos, value);

      if (index) {
        const id = table.insertCount;
        table.add(name, value);
        if (table.insertCount > id) {
          // Look the map up again: the insertion may have evicted its last entry.
          const current = this.fieldIds.get(name);
          if (current !== undefined) current.set(value, id);
          else this.fieldIds.set(name, new Map([[value, id]]));
          this.nameIds.set(name, id);
        }
      }
    }
    const block = this.out.subarray(this.start, pos);
    this.start = pos;
    return block;
  }

  /** Writes a string literal (§5.2) at `pos`, Huffman-coded per the option; returns the end. */
  private writeString(pos: number, text: string): number {
    const huffmanLength = huffmanEncodedLengthOfString(text);
    if (huffmanLength < 0) {
      throw new ConfigError(`header field has a character above U+00FF in "${text.slice(0, 40)}"; names and values are octet strings (latin1)`);
    }
    const useHuffman = this.huffman === 'always' || (this.huffman === 'auto' && huffmanLength < text.length);
    if (useHuffman) {
      pos = this.reserve(pos, 6 + huffmanLength);
      pos = writeInteger(this.out, pos, huffmanLength, 7, 0x80);
      return writeHuffmanString(this.out, pos, text);
    }
    pos = this.reserve(pos, 6 + text.length);
    pos = writeInteger(this.out, pos, text.length, 7, 0x00);
    const out = this.out;
    for (let i = 0; i < text.length; i++) out[pos++] = text.charCodeAt(i);
    return pos;
  }

  /**
   * Makes sure `extra` octets are free after `pos`; when the pool is too full, moves the block
   * begun so far to a new pool. Returns where `pos` now is.
   */
  private reserve(pos: number, extra: number): number {
    if (pos + extra <= this.out.length) return pos;
    const written = pos - this.start;
    const pool = new Uint8Array(Math.max(POOL_SIZE, (written + extra) * 2));
    pool.set(this.out.subarray(this.start, pos));
    this.out = pool;
    this.start = 0;
    return written;
  }
}
