import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GrpcFramingError, GrpcMessageTooLargeError } from '../errors.js';
import { GrpcMessageDecoder, frameMessage } from './message-frame.js';

test('frameMessage writes flag, big-endian length, then the bytes', () => {
  assert.deepEqual([...frameMessage(Uint8Array.of(9, 8, 7))], [0, 0, 0, 0, 3, 9, 8, 7]);
  assert.deepEqual([...frameMessage(new Uint8Array(0), { compressed: true })], [1, 0, 0, 0, 0]);
  assert.throws(() => frameMessage(new Uint8Array(11), { maxMessageBytes: 10 }), GrpcMessageTooLargeError);
});

test('the decoder takes any chunking, including empty messages and byte-at-a-time', () => {
  const wire = Uint8Array.from([...frameMessage(Uint8Array.of(1, 2)), ...frameMessage(new Uint8Array(0)), ...frameMessage(Uint8Array.of(3), { compressed: true })]);
  const d = new GrpcMessageDecoder();
  const got = [];
  for (const b of wire) got.push(...d.push(Uint8Array.of(b)));
  d.end();
  assert.deepEqual(got.map((m) => [m.compressed, [...m.data]]), [[false, [1, 2]], [false, []], [true, [3]]]);
  assert.equal(d.messages, 3);
  assert.equal(d.bufferedBytes, 0);
});

test('a compressed flag other than 0 or 1 is a framing error', () => {
  assert.throws(() => new GrpcMessageDecoder().push(Uint8Array.of(0x7f, 0, 0, 0, 1, 0)), (e: unknown) => e instanceof GrpcFramingError && /compressed flag 0x7f/.test(e.message));
});

test('a length above the limit throws before the body is buffered', () => {
  const d = new GrpcMessageDecoder({ maxMessageBytes: 100 });
  assert.throws(() => d.push(Uint8Array.of(0, 0, 0, 0, 101)), (e: unknown) => e instanceof GrpcMessageTooLargeError && e.length === 101 && e.limit === 100);
  // 4 GiB - 1 with the default limit: refused from the prefix alone, nothing allocated.
  assert.throws(() => new GrpcMessageDecoder().push(Uint8Array.of(0, 0xff, 0xff, 0xff, 0xff)), GrpcMessageTooLargeError);
});

test('a stream that ends inside a prefix or a body is truncated', () => {
  const a = new GrpcMessageDecoder();
  a.push(Uint8Array.of(0, 0));
  assert.throws(() => a.end(), /prefix truncated: 2 of 5/);
  const b = new GrpcMessageDecoder();
  b.push(Uint8Array.of(0, 0, 0, 0, 4, 1));
  assert.throws(() => b.end(), /1 of 4 bytes/);
});
