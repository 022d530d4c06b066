import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GRPC_CODE_COUNT, grpcCodeLabel } from './prometheus-code.js';
import { GrpcStatus } from './status.js';

test('grpc_code labels are grpc-go code names, one per status', () => {
  assert.equal(GRPC_CODE_COUNT, Object.keys(GrpcStatus).length);
  assert.equal(grpcCodeLabel(GrpcStatus.OK), 'OK');
  assert.equal(grpcCodeLabel(GrpcStatus.CANCELLED), 'Canceled');
  assert.equal(grpcCodeLabel(GrpcStatus.DEADLINE_EXCEEDED), 'DeadlineExceeded');
  assert.equal(grpcCodeLabel(GrpcStatus.NOT_FOUND), 'NotFound');
  assert.equal(grpcCodeLabel(GrpcStatus.UNAVAILABLE), 'Unavailable');
  assert.equal(grpcCodeLabel(GrpcStatus.UNAUTHENTICATED), 'Unauthenticated');
  // Each upper-snake name maps to the same words in CamelCase (CANCELLED is spelled Canceled in Go).
  for (const [name, code] of Object.entries(GrpcStatus)) {
    const camel = name.split('_').map((w) => (w === 'OK' ? w : w[0] + w.slice(1).toLowerCase())).join('');
    assert.equal(grpcCodeLabel(code), camel === 'Cancelled' ? 'Canceled' : camel);
  }
  assert.equal(grpcCodeLabel(17), 'Unknown');
  assert.equal(grpcCodeLabel(-1), 'Unknown');
});
