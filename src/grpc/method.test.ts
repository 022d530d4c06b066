import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { parseGrpcMethod } from './method.js';
import { grpcRequestHeaders, isGrpcContentType } from './request-headers.js';

test('parseGrpcMethod accepts /pkg.Svc/Method and says what is missing otherwise', () => {
  assert.deepEqual(parseGrpcMethod('/grpc.health.v1.Health/Check'), { path: '/grpc.health.v1.Health/Check', service: 'grpc.health.v1.Health', method: 'Check' });
  assert.throws(() => parseGrpcMethod('grpc.health.v1.Health/Check'), (e: unknown) => e instanceof ConfigError && /must start with '\/'/.test(e.message));
  assert.throws(() => parseGrpcMethod('/grpc.health.v1.Health'), /method name is missing/);
  assert.throws(() => parseGrpcMethod('/grpc.health.v1.Health/'), /method name is missing/);
  assert.throws(() => parseGrpcMethod('//Check'), /service name is missing/);
  assert.throws(() => parseGrpcMethod('/a.B/C/D'), /exactly/);
});

test('request headers carry content-type, te: trailers and grpc-timeout', () => {
  const h = grpcRequestHeaders({ path: '/a.B/C', authority: 'h:1', timeoutMs: 250, metadata: [['x-tenant', 't1']] });
  const get = (n: string) => h.find((f) => f.name === n)?.value;
  assert.equal(get(':method'), 'POST');
  assert.equal(get('content-type'), 'application/grpc');
  assert.equal(get('te'), 'trailers');
  assert.equal(get('grpc-timeout'), '250000u');
  assert.equal(get('x-tenant'), 't1');
  assert.throws(() => grpcRequestHeaders({ path: '/a.B/C', authority: 'h', metadata: [['grpc-status', '0']] }), ConfigError);
  assert.ok(isGrpcContentType('application/grpc+proto'));
  assert.ok(isGrpcContentType('Application/GRPC'));
  assert.ok(!isGrpcContentType('application/grpc-web'));
  assert.ok(!isGrpcContentType('application/json'));
});
