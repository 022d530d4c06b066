import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EOS_SYMBOL, HUFFMAN_CODES, HUFFMAN_CODE_LENGTHS, HUFFMAN_SYMBOLS } from './huffman-table.js';

// A sample of RFC 7541 Appendix B rows ("code as hex", "len"), across all lengths.
const rows: Array<[symbol: number, code: number, length: number]> = [
  [0, 0x1ff8, 13], [1, 0x7fffd8, 23], [9, 0xffffea, 24], [10, 0x3ffffffc, 30], [32, 0x14, 6],
  [48, 0x0, 5], [58, 0x5c, 7], [63, 0x3fc, 10], [97, 0x3, 5], [101, 0x5, 5], [122, 0x7b, 7],
  [126, 0x1ffd, 13], [127, 0xffffffc, 28], [128, 0xfffe6, 20], [200, 0x3ffffe2, 26],
  [254, 0x7fffff0, 27], [255, 0x3ffffee, 26], [EOS_SYMBOL, 0x3fffffff, 30],
];

test('canonical codes rebuilt from the lengths match RFC 7541 Appendix B', () => {
  for (const [symbol, code, length] of rows) {
    assert.equal(HUFFMAN_CODE_LENGTHS[symbol], length, `length of ${symbol}`);
    assert.equal(HUFFMAN_CODES[symbol], code, `code of ${symbol}`);
  }
});

test('the code is complete: Kraft sum is exactly 1', () => {
  let sum = 0;
  for (let s = 0; s < HUFFMAN_SYMBOLS; s++) sum += 2 ** -HUFFMAN_CODE_LENGTHS[s]!;
  assert.equal(sum, 1);
});
