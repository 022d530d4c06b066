import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isGrpcRequest, resolveGrpcMetrics } from './grpc-metrics.js';

test('isGrpcRequest: application/grpc and its +subtype / ;params forms, in any case; not gRPC-Web', () => {
  for (const ct of ['application/grpc', 'application/grpc+proto', 'application/grpc+json', 'application/grpc;charset=utf-8', 'Application/GRPC', 'APPLICATION/GRPC+PROTO']) {
    assert.equal(isGrpcRequest(ct), true, ct);
  }
  for (const ct of [undefined, '', 'application/json', 'application/grpc-web', 'application/grpc-web+proto', 'application/grpcx', 'text/plain', 'application/gzip', 'Application/Grpc-Web']) {
    assert.equal(isGrpcRequest(ct), false, String(ct));
  }
});

test('resolveGrpcMetrics: off by default; method types from service descriptors or a function', () => {
  assert.equal(resolveGrpcMetrics(undefined), undefined);
  assert.equal(resolveGrpcMetrics(false), undefined);
  const defaults = resolveGrpcMetrics(true)!;
  assert.equal(defaults.maxMethods, 100);
  assert.equal(defaults.methodType('/a.B/C'), undefined);
  const fromServices = resolveGrpcMetrics({
    methodTypes: [{ typeName: 'inv.v1.Stock', methods: [
      { name: 'Get', methodKind: 'unary' }, { name: 'Watch', methodKind: 'server_streaming' },
      { name: 'Put', methodKind: 'client_streaming' }, { name: 'Sync', methodKind: 'bidi_streaming' },
    ] }],
  })!;
  assert.equal(fromServices.methodType('/inv.v1.Stock/Get'), 'unary');
  assert.equal(fromServices.methodType('/inv.v1.Stock/Watch'), 'server_stream');
  assert.equal(fromServices.methodType('/inv.v1.Stock/Put'), 'client_stream');
  assert.equal(fromServices.methodType('/inv.v1.Stock/Sync'), 'bidi_stream');
  assert.equal(fromServices.methodType('/inv.v1.Stock/Nope'), undefined);
  const fn = resolveGrpcMetrics({ methodTypes: () => 'bidi_stream', maxMethods: 3, buckets: [0.1, 1] })!;
  assert.equal(fn.methodType('/x.Y/Z'), 'bidi_stream');
  assert.deepEqual(fn.buckets, [0.1, 1]);
  assert.throws(() => resolveGrpcMetrics({ maxMethods: 1.5 }), /maxMethods/);
  assert.throws(() => resolveGrpcMetrics({ buckets: [] }), /buckets/);
  assert.throws(() => resolveGrpcMetrics({ buckets: [0, 1] }), /buckets/);
});
