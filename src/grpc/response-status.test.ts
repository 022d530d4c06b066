import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GrpcStatusError, H2ErrorCode, NotGrpcError } from '../errors.js';
import { assertGrpcOk, grpcCallStatus } from './response-status.js';

const ok200 = [{ name: ':status', value: '200' }, { name: 'content-type', value: 'application/grpc+proto' }];

test('the status comes from the trailers, with grpc-message decoded', () => {
  const s = grpcCallStatus(ok200, [{ name: 'grpc-status', value: '14' }, { name: 'grpc-message', value: 'draining%20now' }]);
  assert.deepEqual(s, { code: 14, name: 'UNAVAILABLE', message: 'draining now', source: 'trailers', isGrpc: true });
});

test('Trailers-Only responses carry grpc-status in the headers (node:http2 header objects too)', () => {
  const s = grpcCallStatus({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' }, null);
  assert.equal(s.name, 'UNIMPLEMENTED');
  assert.equal(s.source, 'trailers-only');
});

test('without grpc-status: HTTP status mapping, RST_STREAM mapping, or UNKNOWN', () => {
  assert.equal(grpcCallStatus({ ':status': '503', 'content-type': 'text/html' }, null).name, 'UNAVAILABLE');
  assert.equal(grpcCallStatus({ ':status': '503' }, null).isGrpc, false);
  assert.equal(grpcCallStatus(ok200, null, H2ErrorCode.REFUSED_STREAM).name, 'UNAVAILABLE');
  assert.equal(grpcCallStatus(null, null, H2ErrorCode.ENHANCE_YOUR_CALM).name, 'RESOURCE_EXHAUSTED');
  const missing = grpcCallStatus(ok200, []);
  assert.equal(missing.name, 'UNKNOWN');
  assert.equal(missing.source, 'missing');
  assert.equal(grpcCallStatus(ok200, [{ name: 'grpc-status', value: '99' }]).name, 'UNKNOWN');
  assert.equal(grpcCallStatus(ok200, [{ name: 'grpc-status', value: 'abc' }]).name, 'UNKNOWN');
});

test('assertGrpcOk throws typed errors', () => {
  assertGrpcOk(grpcCallStatus(ok200, [{ name: 'grpc-status', value: '0' }]), '/a.B/C');
  assert.throws(() => assertGrpcOk(grpcCallStatus(ok200, [{ name: 'grpc-status', value: '5' }, { name: 'grpc-message', value: 'no such sku' }]), '/a.B/C'),
    (e: unknown) => e instanceof GrpcStatusError && e.code === 'ERR_GRPC_STATUS' && e.grpcCode === 5 && e.statusName === 'NOT_FOUND' && e.details === 'no such sku');
  assert.throws(() => assertGrpcOk(grpcCallStatus({ ':status': '200', 'content-type': 'text/plain' }, null), '/a.B/C'), NotGrpcError);
});
