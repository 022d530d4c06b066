import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRandom } from '../random.js';
import { formatTraceparent, newTraceId, parseTraceparent } from './traceparent.js';

test('a new trace id is 32 hex digits and round-trips through traceparent', () => {
  const random = createRandom(4);
  const id = newTraceId(random);
  assert.match(id, /^[0-9a-f]{32}$/);
  const header = formatTraceparent(id, random);
  assert.match(header, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  assert.equal(parseTraceparent(header), id);
  assert.notEqual(formatTraceparent(id, random), header, 'each hop gets its own span id');
});

test('invalid traceparent values give undefined (W3C Trace Context §3.2)', () => {
  assert.equal(parseTraceparent(undefined), undefined);
  assert.equal(parseTraceparent('00-00000000000000000000000000000000-00f067aa0ba902b7-01'), undefined);
  assert.equal(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'), undefined);
  assert.equal(parseTraceparent('ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'), undefined);
  assert.equal(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01'), undefined);
  assert.equal(parseTraceparent(['00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01']), '4bf92f3577b34da6a3ce929d0e0e4736');
});
