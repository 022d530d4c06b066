import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompressionError } from '../../errors.js';
import { MAX_HPACK_INTEGER, decodeInteger, writeInteger } from './integer.js';

function encode(value: number, prefixBits: number, flags = 0): number[] {
  const out = new Uint8Array(8);
  return [...out.subarray(0, writeInteger(out, 0, value, prefixBits, flags))];
}

test('RFC 7541 C.1.1: 10 with a 5-bit prefix is one byte', () => {
  assert.deepEqual(encode(10, 5), [0x0a]);
  assert.equal(decodeInteger(Uint8Array.of(0x0a), { pos: 0 }, 5), 10);
});

test('RFC 7541 C.1.2: 1337 with a 5-bit prefix is 1f 9a 0a', () => {
  assert.deepEqual(encode(1337, 5), [0x1f, 0x9a, 0x0a]);
  const cursor = { pos: 0 };
  assert.equal(decodeInteger(Uint8Array.of(0x1f, 0x9a, 0x0a, 0xff), cursor, 5), 1337);
  assert.equal(cursor.pos, 3);
});

test('RFC 7541 C.1.3: 42 at an octet boundary (8-bit prefix)', () => {
  assert.deepEqual(encode(42, 8), [0x2a]);
  assert.equal(decodeInteger(Uint8Array.of(0x2a), { pos: 0 }, 8), 42);
});

test('bits above the prefix are flags, not value', () => {
  assert.deepEqual(encode(5, 6, 0x40), [0x45]);
  assert.equal(decodeInteger(Uint8Array.of(0xc5), { pos: 0 }, 6), 5);
});

test('round-trips every prefix width over boundary values', () => {
  for (let prefix = 1; prefix <= 8; prefix++) {
    const max = (1 << prefix) - 1;
    for (const value of [0, 1, max - 1, max, max + 1, max + 127, max + 128, 16_383, 2 ** 21, MAX_HPACK_INTEGER]) {
      const bytes = Uint8Array.from(encode(value, prefix));
      const cursor = { pos: 0 };
      assert.equal(decodeInteger(bytes, cursor, prefix), value, `prefix ${prefix} value ${value}`);
      assert.equal(cursor.pos, bytes.length);
    }
  }
});

test('a truncated integer is a CompressionError', () => {
  assert.throws(() => decodeInteger(Uint8Array.of(0x1f, 0x9a), { pos: 0 }, 5), CompressionError);
  assert.throws(() => decodeInteger(new Uint8Array(0), { pos: 0 }, 5), CompressionError);
});

test('an integer past 2^31-1 is a CompressionError', () => {
  const bytes = Uint8Array.from(encode(MAX_HPACK_INTEGER, 5));
  bytes[bytes.length - 1]! += 1; // one more in the top group
  assert.throws(() => decodeInteger(bytes, { pos: 0 }, 5), CompressionError);
});

test('endless zero continuation bytes stop after five', () => {
  const bytes = Uint8Array.of(0x1f, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
  assert.throws(() => decodeInteger(bytes, { pos: 0 }, 5), /continuation/);
});
