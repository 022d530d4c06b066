import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompressionError } from '../../errors.js';
import { huffmanDecode, huffmanEncode, huffmanEncodedLength, huffmanEncodedLengthOfString, writeHuffmanString } from './huffman.js';

const ascii = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

// RFC 7541 C.4.1, C.4.2, C.4.3, C.6.1 string literals.
const examples: Array<[string, string]> = [
  ['www.example.com', 'f1e3 c2e5 f23a 6ba0 ab90 f4ff'],
  ['no-cache', 'a8eb 1064 9cbf'],
  ['custom-key', '25a8 49e9 5ba9 7d7f'],
  ['custom-value', '25a8 49e9 5bb8 e8b4 bf'],
  ['302', '6402'],
  ['private', 'aec3 771a 4b'],
  ['Mon, 21 Oct 2013 20:13:21 GMT', 'd07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff'],
  ['https://www.example.com', '9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3'],
];

test('encodes and decodes the RFC 7541 Appendix C Huffman strings', () => {
  for (const [text, coded] of examples) {
    assert.deepEqual(huffmanEncode(ascii(text)), hex(coded), text);
    assert.equal(Buffer.from(huffmanDecode(hex(coded))).toString('latin1'), text);
    assert.equal(huffmanEncodedLength(ascii(text)), hex(coded).length);
    assert.equal(huffmanEncodedLengthOfString(text), hex(coded).length);
  }
});

test('round-trips every octet, alone and in runs', () => {
  for (let b = 0; b < 256; b++) {
    for (const n of [1, 2, 3, 7, 8, 9]) {
      const input = new Uint8Array(n).fill(b);
      assert.deepEqual(huffmanDecode(huffmanEncode(input)), input, `octet ${b} × ${n}`);
    }
  }
  const all = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);
  assert.deepEqual(huffmanDecode(huffmanEncode(all)), all);
});

test('writeHuffmanString matches huffmanEncode', () => {
  const text = 'Mixed \u00ff\u0000\u0080 text: long codes \u0001\u000a\u000d';
  const out = new Uint8Array(huffmanEncodedLengthOfString(text));
  assert.equal(writeHuffmanString(out, 0, text), out.length);
  assert.deepEqual(out, huffmanEncode(ascii(text)));
});

test('characters above U+00FF have no Huffman length', () => {
  assert.equal(huffmanEncodedLengthOfString('caf\u00e9'), 5);
  assert.equal(huffmanEncodedLengthOfString('\u20ac'), -1);
});

test('the empty string decodes to nothing', () => {
  assert.equal(huffmanDecode(new Uint8Array(0)).length, 0);
});

test('EOS inside a string is a CompressionError (RFC 7541 §5.2)', () => {
  // EOS is 30 ones; 32 ones hold a whole EOS.
  assert.throws(() => huffmanDecode(hex('ffffffff')), CompressionError);
  // 'a' (00011) then EOS then padding.
  assert.throws(() => huffmanDecode(hex('1fffffff ff')), CompressionError);
});

test('padding longer than 7 bits is a CompressionError', () => {
  // '0' is 00000 (5 bits) + 3 ones of padding = 0x07; a further all-ones byte is 11 bits of padding.
  assert.deepEqual(huffmanDecode(hex('07')), ascii('0'));
  assert.throws(() => huffmanDecode(hex('07ff')), CompressionError);
  assert.throws(() => huffmanDecode(hex('ff')), CompressionError);
});

test('padding that is not all ones is a CompressionError', () => {
  // '0' (00000) then padding 110 instead of 111.
  assert.throws(() => huffmanDecode(hex('06')), CompressionError);
});
