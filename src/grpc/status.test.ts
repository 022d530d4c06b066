import { test } from 'node:test';
import assert from 'node:assert/strict';
import { H2ErrorCode } from '../errors.js';
import { GrpcStatus, grpcStatusFromHttpStatus, grpcStatusFromRstCode, grpcStatusName } from './status.js';

test('status names cover 0–16 and read anything else as UNKNOWN', () => {
  assert.equal(grpcStatusName(0), 'OK');
  assert.equal(grpcStatusName(14), 'UNAVAILABLE');
  assert.equal(grpcStatusName(16), 'UNAUTHENTICATED');
  assert.equal(grpcStatusName(17), 'UNKNOWN');
  assert.equal(grpcStatusName(-1), 'UNKNOWN');
});

test('HTTP status mapping follows http-grpc-status-mapping.md', () => {
  const table: [number, number][] = [
    [400, GrpcStatus.INTERNAL], [401, GrpcStatus.UNAUTHENTICATED], [403, GrpcStatus.PERMISSION_DENIED],
    [404, GrpcStatus.UNIMPLEMENTED], [429, GrpcStatus.UNAVAILABLE], [502, GrpcStatus.UNAVAILABLE],
    [503, GrpcStatus.UNAVAILABLE], [504, GrpcStatus.UNAVAILABLE], [500, GrpcStatus.UNKNOWN], [200, GrpcStatus.UNKNOWN],
  ];
  for (const [http, grpc] of table) assert.equal(grpcStatusFromHttpStatus(http), grpc, `HTTP ${http}`);
});

test('RST_STREAM mapping follows PROTOCOL-HTTP2.md', () => {
  assert.equal(grpcStatusFromRstCode(H2ErrorCode.REFUSED_STREAM), GrpcStatus.UNAVAILABLE);
  assert.equal(grpcStatusFromRstCode(H2ErrorCode.CANCEL), GrpcStatus.CANCELLED);
  assert.equal(grpcStatusFromRstCode(H2ErrorCode.CANCEL, true), GrpcStatus.DEADLINE_EXCEEDED);
  assert.equal(grpcStatusFromRstCode(H2ErrorCode.ENHANCE_YOUR_CALM), GrpcStatus.RESOURCE_EXHAUSTED);
  assert.equal(grpcStatusFromRstCode(H2ErrorCode.INADEQUATE_SECURITY), GrpcStatus.PERMISSION_DENIED);
  for (const c of [0, 1, 2, 3, 4, 6, 9, 10, 0x99]) assert.equal(grpcStatusFromRstCode(c), GrpcStatus.INTERNAL, `code ${c}`);
});
