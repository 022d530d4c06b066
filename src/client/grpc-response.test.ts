import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GrpcOutcome, isGrpcBreakerFailure } from './grpc-response.js';

test('the breaker counts UNAVAILABLE, DEADLINE_EXCEEDED and INTERNAL, not INVALID_ARGUMENT or NOT_FOUND', () => {
  assert.deepEqual([14, 4, 13].map(isGrpcBreakerFailure), [true, true, true]);
  assert.deepEqual([0, 3, 5, 12, 16].map(isGrpcBreakerFailure), [false, false, false, false, false]);
});

test('status from trailers, from trailers-only headers, or from a reset; settled once', () => {
  const seen: string[] = [];
  const o = new GrpcOutcome({ ':status': '200', 'content-type': 'application/grpc' });
  o.onStatus((s) => seen.push(`${s.name}/${s.source}`));
  o.settle({ 'grpc-status': '5', 'grpc-message': 'no%20such%20sku' }, null);
  o.settle(null, 8); // the stream's close after the trailers changes nothing
  assert.deepEqual(seen, ['NOT_FOUND/trailers']);
  assert.equal(o.status!.message, 'no such sku');
  const only = new GrpcOutcome({ ':status': '200', 'content-type': 'application/grpc', 'grpc-status': '14' });
  only.settle(null, null);
  assert.equal(only.status!.name, 'UNAVAILABLE');
  const reset = new GrpcOutcome({ ':status': '200', 'content-type': 'application/grpc' });
  reset.settle(null, 7); // REFUSED_STREAM
  assert.equal(reset.status!.name, 'UNAVAILABLE');
  let late = '';
  reset.onStatus((s) => { late = s.name; });
  assert.equal(late, 'UNAVAILABLE');
});
