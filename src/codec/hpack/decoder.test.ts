import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompressionError, HeaderListTooLargeError } from '../../errors.js';
import type { HeaderField } from '../types.js';
import { HpackDecoder } from './decoder.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const pairs = (fields: HeaderField[]): string[][] => fields.map((f) => [f.name, f.value]);

test('RFC 7541 C.2.1: literal with indexing adds to the table', () => {
  const decoder = new HpackDecoder();
  const fields = decoder.decode(hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572'));
  assert.deepEqual(fields, [{ name: 'custom-key', value: 'custom-header' }]);
  assert.equal(decoder.tableSize, 55);
  assert.equal(decoder.tableLength, 1);
});

test('RFC 7541 C.2.2: literal without indexing leaves the table alone', () => {
  const decoder = new HpackDecoder();
  assert.deepEqual(decoder.decode(hex('040c 2f73 616d 706c 652f 7061 7468')), [{ name: ':path', value: '/sample/path' }]);
  assert.equal(decoder.tableLength, 0);
});

test('RFC 7541 C.2.3: never-indexed literal is surfaced as sensitive', () => {
  const decoder = new HpackDecoder();
  assert.deepEqual(decoder.decode(hex('1008 7061 7373 776f 7264 0673 6563 7265 74')), [
    { name: 'password', value: 'secret', sensitive: true },
  ]);
  assert.equal(decoder.tableLength, 0);
});

test('RFC 7541 C.2.4: indexed field from the static table', () => {
  assert.deepEqual(new HpackDecoder().decode(hex('82')), [{ name: ':method', value: 'GET' }]);
});

const requests: string[][][] = [
  [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']],
  [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com'], ['cache-control', 'no-cache']],
  [[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value']],
];
const requestTableSizes = [57, 110, 164];

test('RFC 7541 C.3: requests without Huffman share one table', () => {
  const decoder = new HpackDecoder();
  const blocks = [
    '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
    '8286 84be 5808 6e6f 2d63 6163 6865',
    '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65',
  ];
  blocks.forEach((block, i) => {
    assert.deepEqual(pairs(decoder.decode(hex(block))), requests[i]);
    assert.equal(decoder.tableSize, requestTableSizes[i]);
  });
});

test('RFC 7541 C.4: requests with Huffman share one table', () => {
  const decoder = new HpackDecoder();
  const blocks = [
    '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff',
    '8286 84be 5886 a8eb 1064 9cbf',
    '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf',
  ];
  blocks.forEach((block, i) => {
    assert.deepEqual(pairs(decoder.decode(hex(block))), requests[i]);
    assert.equal(decoder.tableSize, requestTableSizes[i]);
  });
});

const date21 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const date22 = 'Mon, 21 Oct 2013 20:13:22 GMT';
const location = 'https://www.example.com';
const responses: string[][][] = [
  [[':status', '302'], ['cache-control', 'private'], ['date', date21], ['location', location]],
  [[':status', '307'], ['cache-control', 'private'], ['date', date21], ['location', location]],
  [
    [':status', '200'], ['cache-control', 'private'], ['date', date22], ['location', location], ['content-encoding', 'gzip'],
    ['set-cookie', 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1'],
  ],
];
// With a 256-octet table the second and third responses evict (C.5.2, C.5.3).
const responseTables = [
  { size: 222, length: 4 },
  { size: 222, length: 4 },
  { size: 215, length: 3 },
];

test('RFC 7541 C.5: responses without Huffman, with eviction', () => {
  const decoder = new HpackDecoder({ maxTableSize: 256 });
  const blocks = [
    '4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
    '4803 3330 37c1 c0bf',
    '88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31',
  ];
  blocks.forEach((block, i) => {
    assert.deepEqual(pairs(decoder.decode(hex(block))), responses[i]);
    assert.deepEqual({ size: decoder.tableSize, length: decoder.tableLength }, responseTables[i]);
  });
});

test('RFC 7541 C.6: responses with Huffman, with eviction', () => {
  const decoder = new HpackDecoder({ maxTableSize: 256 });
  const blocks = [
    '4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3',
    '4883 640e ffc1 c0bf',
    '88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07',
  ];
  blocks.forEach((block, i) => {
    assert.deepEqual(pairs(decoder.decode(hex(block))), responses[i]);
    assert.deepEqual({ size: decoder.tableSize, length: decoder.tableLength }, responseTables[i]);
  });
});

test('index 0 is a CompressionError, and the decoder stays broken afterwards', () => {
  const decoder = new HpackDecoder();
  assert.throws(() => decoder.decode(hex('80')), CompressionError);
  assert.throws(() => decoder.decode(hex('82')), /unusable/);
});

test('an index past the dynamic table is a CompressionError', () => {
  assert.throws(() => new HpackDecoder().decode(hex('be')), CompressionError); // 62, table empty
  assert.throws(() => new HpackDecoder().decode(hex('7e 03 616263')), CompressionError); // name index 62
});

test('a string running past the block is a CompressionError', () => {
  assert.throws(() => new HpackDecoder().decode(hex('400a 6375 7374')), CompressionError);
  assert.throws(() => new HpackDecoder().decode(hex('41')), CompressionError);
});

test('a bad Huffman string is a CompressionError', () => {
  assert.throws(() => new HpackDecoder().decode(hex('0001 8406')), CompressionError);
});

test('size updates: allowed at the start up to the limit, never after a field (§4.2, §6.3)', () => {
  const decoder = new HpackDecoder();
  assert.deepEqual(pairs(decoder.decode(hex('20 3fe1 1f 82'))), [[':method', 'GET']]); // 0, then 4096
  assert.throws(() => new HpackDecoder().decode(hex('3fe2 1f')), /exceeds the limit/); // 4097
  assert.throws(() => new HpackDecoder().decode(hex('82 20')), /after a header field/);
});

test('a size update to 0 empties the table', () => {
  const decoder = new HpackDecoder();
  decoder.decode(hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572'));
  assert.equal(decoder.tableLength, 1);
  decoder.decode(hex('20 3fe1 1f'));
  assert.equal(decoder.tableLength, 0);
});

test('after our limit is lowered the next block must open with a size update within it', () => {
  const missing = new HpackDecoder();
  missing.setMaxTableSize(1024);
  assert.throws(() => missing.decode(hex('82')), /owed/);

  const tooBig = new HpackDecoder();
  tooBig.setMaxTableSize(1024);
  assert.throws(() => tooBig.decode(hex('3fe2 07 82')), CompressionError); // 1024 + 1

  const good = new HpackDecoder();
  good.setMaxTableSize(100);
  good.setMaxTableSize(4096);
  assert.throws(() => good.decode(hex('3fe1 1f 82')), CompressionError); // must go to ≤ 100 first
  const again = new HpackDecoder();
  again.setMaxTableSize(100);
  again.setMaxTableSize(4096);
  assert.deepEqual(pairs(again.decode(hex('3f45 3fe1 1f 82'))), [[':method', 'GET']]); // 100, then 4096
  assert.deepEqual(pairs(again.decode(hex('82'))), [[':method', 'GET']]);
});

test('a raised limit allows larger size updates', () => {
  const decoder = new HpackDecoder();
  decoder.setMaxTableSize(8192);
  assert.deepEqual(pairs(decoder.decode(hex('3fe1 3f 82'))), [[':method', 'GET']]); // 8192
});

test('HPACK bomb: one large entry indexed many times hits maxHeaderListSize (CVE-2016-6581)', () => {
  const decoder = new HpackDecoder({ maxTableSize: 4096, maxHeaderListSize: 65_536 });
  // Insert one 4000-octet value, then reference it 1000 times in a 1000-octet block.
  const insert = Buffer.concat([hex('40 01 78 7f a11e'), Buffer.alloc(4000, 0x61)]);
  decoder.decode(insert);
  assert.equal(decoder.tableLength, 1);
  const bomb = new Uint8Array(1000).fill(0xbe);
  assert.throws(() => decoder.decode(bomb), HeaderListTooLargeError);
  // The decoder kept in step and is still usable.
  assert.equal(decoder.decode(hex('be 82')).length, 2);
});

test('maxFields bounds the number of fields', () => {
  const decoder = new HpackDecoder({ maxFields: 10 });
  assert.equal(decoder.decode(new Uint8Array(10).fill(0x82)).length, 10);
  assert.throws(() => decoder.decode(new Uint8Array(11).fill(0x82)), HeaderListTooLargeError);
  assert.equal(decoder.decode(hex('82')).length, 1);
});

test('maxStringLength refuses a long name or value and ends the decoder', () => {
  const raw = new HpackDecoder({ maxStringLength: 16 });
  assert.throws(() => raw.decode(Buffer.concat([hex('00 01 78 11'), Buffer.alloc(17, 0x61)])), HeaderListTooLargeError);
  assert.throws(() => raw.decode(hex('82')), /unusable/);

  const huffman = new HpackDecoder({ maxStringLength: 16 });
  // 11 octets of '0' (5-bit code) decode to 17 octets.
  const coded = Uint8Array.from(Buffer.from('0'.repeat(17), 'latin1'));
  const block = Buffer.concat([hex('00 01 78 8b'), Buffer.from(encodeZeros(coded.length))]);
  assert.throws(() => huffman.decode(block), HeaderListTooLargeError);
  const fits = new HpackDecoder({ maxStringLength: 17 });
  assert.equal(fits.decode(block)[0]!.value, '0'.repeat(17));
});

/** Huffman coding of n '0' characters (code 00000) padded with ones. */
function encodeZeros(n: number): Uint8Array {
  const bits = n * 5;
  const out = new Uint8Array(Math.ceil(bits / 8));
  const pad = out.length * 8 - bits;
  out[out.length - 1] = (1 << pad) - 1;
  return out;
}

test('names and values are octet strings: every byte survives as latin1', () => {
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  const block = Buffer.concat([hex('00 01 78 7f 81 01'), Buffer.from(bytes)]);
  const [field] = new HpackDecoder().decode(block);
  assert.deepEqual(Uint8Array.from(Buffer.from(field!.value, 'latin1')), bytes);
});

test('an empty block decodes to no fields', () => {
  assert.deepEqual(new HpackDecoder().decode(new Uint8Array(0)), []);
});
