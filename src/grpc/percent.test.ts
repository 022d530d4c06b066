import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentDecodeGrpcMessage, percentEncodeGrpcMessage } from './percent.js';

test('grpc-message percent-encodes UTF-8, % and controls, and decodes back', () => {
  assert.equal(percentEncodeGrpcMessage('a b%c'), 'a b%25c');
  assert.equal(percentEncodeGrpcMessage('ünï\n'), '%C3%BCn%C3%AF%0A');
  for (const s of ['', 'plain', '100% 🐢 down\r\n', 'x%y']) assert.equal(percentDecodeGrpcMessage(percentEncodeGrpcMessage(s)), s);
});

test('malformed percent-encodings are kept, never thrown', () => {
  assert.equal(percentDecodeGrpcMessage('50%'), '50%');
  assert.equal(percentDecodeGrpcMessage('%zz%4'), '%zz%4');
  assert.equal(percentDecodeGrpcMessage('%FF'), '\uFFFD');
  assert.equal(percentDecodeGrpcMessage('caf%C3%A9'), 'café');
});
