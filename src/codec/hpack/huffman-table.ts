/**
 * The HPACK Huffman code (RFC 7541 Appendix B), held as code lengths only.
 *
 * The code in Appendix B is canonical: ordering the symbols by (length, symbol value) and
 * counting upwards gives exactly the codes the RFC lists. So 257 lengths are enough, and the
 * codes are rebuilt here once at load; `huffman-table.test.ts` checks a sample of them
 * against the RFC's hex column and the RFC's Appendix C examples check the rest end to end.
 */

/** Number of symbols: the 256 octets plus EOS (symbol 256, RFC 7541 §5.2). */
export const HUFFMAN_SYMBOLS = 257;

/** The EOS symbol; a decoder MUST treat it in a string literal as an error (RFC 7541 §5.2). */
export const EOS_SYMBOL = 256;

/** Code length in bits for each symbol 0..256, RFC 7541 Appendix B "len" column. */
export const HUFFMAN_CODE_LENGTHS: Uint8Array = Uint8Array.from([
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
  5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
  7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
]);

/** Code for each symbol, right-aligned (the RFC's "code as hex" column). */
export const HUFFMAN_CODES: Uint32Array = buildCanonicalCodes(HUFFMAN_CODE_LENGTHS);

function buildCanonicalCodes(lengths: Uint8Array): Uint32Array {
  const order = Array.from({ length: lengths.length }, (_, symbol) => symbol);
  order.sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const codes = new Uint32Array(lengths.length);
  let code = 0;
  let previousLength = lengths[order[0]!]!;
  for (let i = 0; i < order.length; i++) {
    const symbol = order[i]!;
    const length = lengths[symbol]!;
    if (i > 0) code++;
    // Numbers, not `<<`: a 30-bit code shifted can pass 2^31 and turn negative.
    code *= 2 ** (length - previousLength);
    previousLength = length;
    codes[symbol] = code;
  }
  return codes;
}
