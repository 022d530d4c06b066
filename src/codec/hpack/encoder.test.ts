import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../errors.js';
import type { HeaderField } from '../types.js';
import { HpackDecoder } from './decoder.js';
import { ENCODER_TABLE_SIZE_CAP, HpackEncoder } from './encoder.js';

const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fields = (list: string[][]): HeaderField[] => list.map(([name, value]) => ({ name: name!, value: value! }));

const requests = [
  fields([[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']]),
  fields([[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com'], ['cache-control', 'no-cache']]),
  fields([[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value']]),
];

test('RFC 7541 C.3: produces the RFC bytes without Huffman', () => {
  const encoder = new HpackEncoder({ huffman: 'never' });
  assert.equal(hexOf(encoder.encode(requests[0]!)), '828684410f7777772e6578616d706c652e636f6d');
  assert.equal(hexOf(encoder.encode(requests[1]!)), '828684be58086e6f2d6361636865');
  assert.equal(hexOf(encoder.encode(requests[2]!)), '828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565');
  assert.equal(encoder.tableSize, 164);
  assert.equal(encoder.tableLength, 3);
});

test('RFC 7541 C.4: produces the RFC bytes with Huffman (auto and always agree here)', () => {
  for (const huffman of ['auto', 'always'] as const) {
    const encoder = new HpackEncoder({ huffman });
    assert.equal(hexOf(encoder.encode(requests[0]!)), '828684418cf1e3c2e5f23a6ba0ab90f4ff');
    assert.equal(hexOf(encoder.encode(requests[1]!)), '828684be5886a8eb10649cbf');
    assert.equal(hexOf(encoder.encode(requests[2]!)), '828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf');
  }
});

test('auto picks the raw form when Huffman would not be shorter', () => {
  // accept (static 19, 4-bit prefix: 0f 04) with two octets that each code to 26 bits.
  const list = fields([['accept', '\u00ff\u00ff']]);
  assert.equal(hexOf(new HpackEncoder({ huffman: 'auto', indexing: false }).encode(list)), '0f0402ffff');
  assert.equal(hexOf(new HpackEncoder({ huffman: 'never', indexing: false }).encode(list)), '0f0402ffff');
  const always = new HpackEncoder({ huffman: 'always', indexing: false }).encode(list);
  assert.equal(always[2], 0x80 | 7); // Huffman flag, 52 bits → 7 octets
  assert.deepEqual(new HpackDecoder().decode(always), list);
});

test('sensitive fields are never indexed (§6.2.3) and come back sensitive', () => {
  const encoder = new HpackEncoder({ huffman: 'never' });
  const list: HeaderField[] = [{ name: 'authorization', value: 'secret', sensitive: true }];
  const block = encoder.encode(list);
  assert.equal(hexOf(block), '1f08' + '06' + Buffer.from('secret').toString('hex')); // 0001 + name index 23
  assert.equal(encoder.tableLength, 0);
  assert.deepEqual(new HpackDecoder().decode(block), list);
  // Even a field that is in the static table is sent as a never-indexed literal.
  assert.equal(encoder.encode([{ name: ':method', value: 'GET', sensitive: true }])[0], 0x12);
});

test('a repeated field becomes one indexed byte', () => {
  const encoder = new HpackEncoder();
  const list = fields([['user-agent', 'h2doctor/0.1']]);
  assert.ok(encoder.encode(list).length > 1);
  assert.equal(hexOf(encoder.encode(list)), 'be');
});

test('indexing: false sends literals without indexing', () => {
  const encoder = new HpackEncoder({ indexing: false });
  const list = fields([['user-agent', 'h2doctor/0.1']]);
  encoder.encode(list);
  assert.equal(encoder.tableLength, 0);
  assert.equal(encoder.encode(list)[0]! & 0xf0, 0x00);
});

test('fields that rarely repeat are not indexed', () => {
  const encoder = new HpackEncoder();
  encoder.encode(fields([[':path', '/a?x=1'], ['content-length', '12']]));
  assert.equal(encoder.tableLength, 0);
});

test('setMaxTableSize: the next block opens with the smallest size, then the final one (§4.2)', () => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  decoder.decode(encoder.encode(fields([['x-one', '1'], ['x-two', '2']])));
  assert.equal(encoder.tableLength, 2);
  encoder.setMaxTableSize(0);
  encoder.setMaxTableSize(2048);
  assert.equal(encoder.tableLength, 0);
  const block = encoder.encode(fields([[':method', 'GET']]));
  assert.equal(hexOf(block), '20' + '3fe10f' + '82'); // 0, then 2048
  decoder.setMaxTableSize(0);
  decoder.setMaxTableSize(2048);
  assert.equal(decoder.decode(block).length, 1);
  assert.equal(decoder.tableLength, 0);
  // Only once.
  assert.equal(hexOf(encoder.encode(fields([[':method', 'GET']]))), '82');
});

test('a constructor size other than 4096 is announced in the first block', () => {
  const encoder = new HpackEncoder({ maxTableSize: 256 });
  assert.equal(hexOf(encoder.encode(fields([[':method', 'GET']]))), '3fe101' + '82');
});

test('a huge peer table size is capped', () => {
  const encoder = new HpackEncoder({ maxTableSize: 2 ** 32 - 1 });
  const block = encoder.encode([]);
  const decoder = new HpackDecoder({ maxTableSize: ENCODER_TABLE_SIZE_CAP });
  assert.deepEqual(decoder.decode(block), []);
});

test('eviction keeps encoder and decoder in step over many blocks', () => {
  const encoder = new HpackEncoder({ maxTableSize: 256 });
  const decoder = new HpackDecoder({ maxTableSize: 256 });
  for (let i = 0; i < 500; i++) {
    const list = fields([['x-id', String(i % 7)], ['x-long', 'v'.repeat(i % 50)], [':status', '200']]);
    assert.deepEqual(decoder.decode(encoder.encode(list)), list);
    assert.equal(decoder.tableSize, encoder.tableSize);
  }
});

test('characters above U+00FF are refused: fields are octet strings', () => {
  assert.throws(() => new HpackEncoder().encode(fields([['x-euro', '\u20ac']])), ConfigError);
});

test('bad options are a ConfigError', () => {
  assert.throws(() => new HpackEncoder({ huffman: 'sometimes' as 'auto' }), ConfigError);
  assert.throws(() => new HpackEncoder().setMaxTableSize(-1), ConfigError);
});

test('long strings grow the output buffer', () => {
  const encoder = new HpackEncoder();
  const list = fields([['x-big', 'q'.repeat(100_000)], ['x-big2', '\u0001'.repeat(5000)]]);
  assert.deepEqual(new HpackDecoder({ maxHeaderListSize: 1 << 20, maxStringLength: 1 << 20 }).decode(encoder.encode(list)), list);
});

test('returned blocks are never overwritten by later encodes', () => {
  const encoder = new HpackEncoder({ indexing: false });
  const first = encoder.encode(fields([['x-first', 'a'.repeat(100)]]));
  const copy = Uint8Array.from(first);
  for (let i = 0; i < 2000; i++) encoder.encode(fields([['x-other', String(i).repeat(20)]]));
  assert.deepEqual(first, copy);
});

test('after a refused field the encoder resynchronises the peer with size updates', () => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  decoder.decode(encoder.encode(fields([['x-kept', 'one']])));
  assert.throws(() => encoder.encode(fields([['x-added', 'two'], ['x-bad', '\u0100']])), ConfigError);
  const block = encoder.encode(fields([['x-added', 'two'], ['x-kept', 'one']]));
  assert.equal(hexOf(block.subarray(0, 4)), '20' + '3fe11f'); // 0, then 4096
  assert.deepEqual(decoder.decode(block), fields([['x-added', 'two'], ['x-kept', 'one']]));
  assert.equal(decoder.tableSize, encoder.tableSize);
});
