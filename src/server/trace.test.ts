import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTraceIdGenerator, getTraceId, swapEmittingTrace, traceContextWanted, traceIdFromHeaders, traceStorage } from './trace.js';

const names = ['traceparent', 'x-request-id'];

// First in this file on purpose: the switch it checks is process-wide and never turns off.
test('a call inside a synchronous emit is answered without the async context; one outside turns it on', () => {
  const previous = swapEmittingTrace({ traceId: 'sync', route: '/' });
  try {
    assert.equal(getTraceId(), 'sync');
  } finally {
    swapEmittingTrace(previous);
  }
  assert.equal(traceContextWanted(), false);
  assert.equal(getTraceId(), undefined);
  assert.equal(traceContextWanted(), true);
});

test('traceparent gives its trace-id field', () => {
  const headers = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
  assert.equal(traceIdFromHeaders(headers, names), '4bf92f3577b34da6a3ce929d0e0e4736');
});

test('an invalid traceparent falls through to x-request-id', () => {
  const headers = { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01', 'x-request-id': 'req-42' };
  assert.equal(traceIdFromHeaders(headers, names), 'req-42');
  assert.equal(traceIdFromHeaders({ 'x-request-id': 'has space' }, names), undefined);
  assert.equal(traceIdFromHeaders({}, names), undefined);
});

test('getTraceId reads the store across an await and a timer', async () => {
  assert.equal(getTraceId(), undefined);
  await traceStorage.run({ traceId: 'abc', route: '/' }, async () => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    assert.equal(getTraceId(), 'abc');
  });
  assert.equal(getTraceId(), undefined);
});

test('generated trace ids are 32 hex, distinct, and differ between generators', () => {
  const a = createTraceIdGenerator();
  const b = createTraceIdGenerator();
  const ids = new Set([a(), a(), a(), b()]);
  assert.equal(ids.size, 4);
  for (const id of ids) assert.match(id, /^[0-9a-f]{32}$/);
  assert.equal(createTraceIdGenerator('00000000000000ab')(), '00000000000000ab0000000000000001');
});

test('traceparent is read case-insensitively, needs its full shape and keeps what follows', () => {
  const id = traceIdFromHeaders({ traceparent: '  00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01  ' }, names);
  assert.equal(id, '4bf92f3577b34da6a3ce929d0e0e4736');
  // A future version may append fields: the prefix is what is read.
  assert.equal(traceIdFromHeaders({ traceparent: 'cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-comes-next' }, names), '4bf92f3577b34da6a3ce929d0e0e4736');
  for (const bad of [
    '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01', // 31-digit id
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01', // 15-digit parent id
    '00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', // wrong separator
    '00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01', // not hex
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0', // flags cut short
  ]) {
    assert.equal(traceIdFromHeaders({ traceparent: bad }, names), undefined, bad);
  }
});
