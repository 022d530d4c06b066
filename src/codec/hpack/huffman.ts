/**
 * HPACK Huffman coding (RFC 7541 §5.2, Appendix B), both ways.
 *
 * Decoding is a byte-at-a-time state machine: a state is an internal node of the code tree
 * (there are exactly 256), and for each (state, input byte) one table entry gives the next
 * state and the zero, one or two symbols completed on the way (the shortest code is 5 bits, so
 * 8 bits finish at most two). That is one lookup per input byte instead of eight tree steps,
 * with no string building in the loop.
 *
 * The machine is built lazily: the code tree on the first decode, and each table entry the
 * first time its (state, byte) pair is met. Filling all 65,536 entries up front costs about
 * 8 ms of CPU at load, paid by every process that imports the codec (the bench CLI included),
 * while real header blocks visit a few hundred pairs.
 */
import { CompressionError } from '../../errors.js';
import { EOS_SYMBOL, HUFFMAN_CODES, HUFFMAN_CODE_LENGTHS, HUFFMAN_SYMBOLS } from './huffman-table.js';

// Module-local copies of the tables, so the hot loops read locals rather than imported
// bindings (which a transpiler such as tsx may turn into getter calls).
const CODES = HUFFMAN_CODES;
const LENGTHS = HUFFMAN_CODE_LENGTHS;

// Entry layout in the decode table (one Uint32 per state × byte):
//   bits 0..7   next state
//   bits 8..9   how many symbols this byte completed (0, 1 or 2)
//   bit  10     EOS was decoded: the string is invalid (§5.2)
//   bits 16..23 first symbol, bits 24..31 second symbol
// 0 marks an entry not filled yet: a filled entry is never 0, because coming back to state 0
// (the root) means a code just ended, so either a symbol was counted or EOS set FAIL_FLAG.
const COUNT_SHIFT = 8;
const FAIL_FLAG = 1 << 10;
const UNFILLED = 0;

interface DecodeMachine {
  /** 256 states × 256 input bytes; entries filled on first use (UNFILLED until then). */
  table: Uint32Array;
  /**
   * 1 when input may end in this state: at a symbol boundary, or inside at most 7 bits of the
   * EOS code's leading ones (the only padding §5.2 allows).
   */
  accepting: Uint8Array;
  /** The code tree, by node: child on a 0 bit, child on a 1 bit, symbol of a leaf (-1 inside). */
  zero: Int16Array;
  one: Int16Array;
  symbol: Int16Array;
  /** Tree node of each state, and state of each internal node (-1 for leaves). */
  nodeOf: Int16Array;
  stateOf: Int16Array;
}

let machine: DecodeMachine | undefined;

function decodeMachine(): DecodeMachine {
  return (machine ??= buildDecodeMachine());
}

/** The code tree and its states; the transition table starts empty (see `fillEntry`). */
function buildDecodeMachine(): DecodeMachine {
  // The code tree: node 0 is the root; leaves carry a symbol, internal nodes a state number.
  // A complete prefix code over 257 symbols has 256 internal nodes and 257 leaves.
  const nodes = 2 * HUFFMAN_SYMBOLS - 1;
  const zero = new Int16Array(nodes).fill(-1);
  const one = new Int16Array(nodes).fill(-1);
  const symbol = new Int16Array(nodes).fill(-1);
  let used = 1;
  for (let s = 0; s < HUFFMAN_SYMBOLS; s++) {
    const length = LENGTHS[s]!;
    const code = CODES[s]!;
    let node = 0;
    for (let bit = length - 1; bit >= 0; bit--) {
      const children = Math.floor(code / 2 ** bit) % 2 === 1 ? one : zero;
      let next = children[node]!;
      if (next < 0) {
        if (used === nodes) throw new Error('HPACK Huffman table is not a prefix code');
        next = used++;
        children[node] = next;
      }
      node = next;
    }
    symbol[node] = s;
  }

  // Number the internal nodes (breadth first, so the root is state 0) and note for each its
  // depth and whether the path to it is all ones (a prefix of EOS, i.e. valid padding).
  const stateOf = new Int16Array(nodes).fill(-1);
  const nodeOf = new Int16Array(256);
  const accepting = new Uint8Array(256);
  const queueNode = new Int16Array(nodes);
  const queueDepth = new Uint8Array(nodes);
  const queueAllOnes = new Uint8Array(nodes);
  queueAllOnes[0] = 1;
  let states = 0;
  let tail = 1;
  for (let q = 0; q < tail; q++) {
    const node = queueNode[q]!;
    if (symbol[node]! >= 0) continue;
    if (states === 256 || zero[node]! < 0 || one[node]! < 0) throw new Error('HPACK Huffman table is not a complete code');
    const depth = queueDepth[q]!;
    stateOf[node] = states;
    accepting[states] = depth === 0 || (queueAllOnes[q] === 1 && depth <= 7) ? 1 : 0;
    nodeOf[states++] = node;
    queueNode[tail] = zero[node]!;
    queueDepth[tail++] = depth + 1;
    queueNode[tail] = one[node]!;
    queueDepth[tail] = depth + 1;
    queueAllOnes[tail++] = queueAllOnes[q]!;
  }
  if (states !== 256) throw new Error(`HPACK Huffman table is not a complete code (${states} states)`);
  return { table: new Uint32Array(256 * 256), accepting, zero, one, symbol, nodeOf, stateOf };
}

/** Computes, stores and returns the table entry for `byte` read in `state`. */
function fillEntry(m: DecodeMachine, state: number, byte: number): number {
  let node = m.nodeOf[state]!;
  let count = 0;
  let symbols = 0;
  let fail = 0;
  for (let bit = 7; bit >= 0; bit--) {
    node = ((byte >> bit) & 1) === 1 ? m.one[node]! : m.zero[node]!;
    const s = m.symbol[node]!;
    if (s >= 0) {
      if (s === EOS_SYMBOL) fail = FAIL_FLAG;
      else symbols |= s << (16 + 8 * count++);
      node = 0;
    }
  }
  const entry = (m.stateOf[node]! | (count << COUNT_SHIFT) | fail | symbols) >>> 0;
  m.table[(state << 8) | byte] = entry;
  return entry;
}

/** Most octets `encodedLength` Huffman bytes can decode to (5-bit shortest code). */
export function huffmanDecodedLengthBound(encodedLength: number): number {
  return Math.floor((encodedLength * 8) / 5);
}

/**
 * Decodes `input[start..end)` into `out` from `outPos`; returns the position after the last
 * octet written. `out` must have `huffmanDecodedLengthBound(end - start)` octets free.
 * Throws CompressionError on EOS, on padding longer than 7 bits, or on padding that is not
 * the EOS prefix (all ones) — RFC 7541 §5.2.
 */
export function huffmanDecodeInto(input: Uint8Array, start: number, end: number, out: Uint8Array, outPos: number): number {
  const m = decodeMachine();
  const table = m.table;
  let state = 0;
  for (let i = start; i < end; i++) {
    const byte = input[i]!;
    let entry = table[(state << 8) | byte]!;
    if (entry === UNFILLED) entry = fillEntry(m, state, byte);
    if ((entry & FAIL_FLAG) !== 0) throw new CompressionError('Huffman string contains EOS (RFC 7541 §5.2)');
    const count = (entry >>> COUNT_SHIFT) & 3;
    if (count !== 0) {
      out[outPos++] = entry >>> 16;
      if (count === 2) out[outPos++] = entry >>> 24;
    }
    state = entry & 0xff;
  }
  if (m.accepting[state] === 0) {
    throw new CompressionError('Huffman string padding is longer than 7 bits or not all ones (RFC 7541 §5.2)');
  }
  return outPos;
}

/** Decodes a whole Huffman-coded string (RFC 7541 §5.2). */
export function huffmanDecode(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(huffmanDecodedLengthBound(input.length));
  const length = huffmanDecodeInto(input, 0, input.length, out, 0);
  return out.slice(0, length);
}

/** Length in octets of the Huffman coding of `input`. */
export function huffmanEncodedLength(input: Uint8Array): number {
  let bits = 0;
  for (let i = 0; i < input.length; i++) bits += LENGTHS[input[i]!]!;
  return (bits + 7) >>> 3;
}

/**
 * Length in octets of the Huffman coding of a latin1 string, or -1 when a character is above
 * U+00FF and so is no octet (header fields are octet strings, RFC 7541 §5.2).
 */
export function huffmanEncodedLengthOfString(text: string): number {
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) return -1;
    bits += LENGTHS[c]!;
  }
  return (bits + 7) >>> 3;
}

/** Encodes `input` (RFC 7541 §5.2): codes packed MSB first, the last byte padded with ones. */
export function huffmanEncode(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(huffmanEncodedLength(input));
  writeHuffmanString(out, 0, Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1'));
  return out;
}

/**
 * Writes the Huffman coding of a latin1 string at `pos` and returns the position after it.
 * The caller has checked every character with `huffmanEncodedLengthOfString` and reserved
 * that many octets.
 */
export function writeHuffmanString(out: Uint8Array, pos: number, text: string): number {
  // `acc` holds fewer than 8 pending bits between symbols; adding a code of up to 24 bits
  // stays within 31 bits, and the few longer codes go in two steps.
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const s = text.charCodeAt(i);
    const code = CODES[s]!;
    const length = LENGTHS[s]!;
    if (length <= 24) {
      acc = (acc << length) | code;
      bits += length;
    } else {
      acc = (acc << (length - 16)) | (code >>> 16);
      bits += length - 16;
      while (bits >= 8) {
        bits -= 8;
        out[pos++] = acc >>> bits;
      }
      acc = ((acc & ((1 << bits) - 1)) << 16) | (code & 0xffff);
      bits += 16;
    }
    while (bits >= 8) {
      bits -= 8;
      out[pos++] = acc >>> bits;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out[pos++] = (acc << (8 - bits)) | (0xff >>> bits);
  return pos;
}
