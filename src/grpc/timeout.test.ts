import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { encodeGrpcTimeout, parseGrpcTimeout } from './timeout.js';

test('grpc-timeout uses the finest unit that fits 8 digits, rounding up', () => {
  assert.equal(encodeGrpcTimeout(0), '0n');
  assert.equal(encodeGrpcTimeout(50), '50000000n');
  assert.equal(encodeGrpcTimeout(1500), '1500000u');
  assert.equal(encodeGrpcTimeout(99_999_999), '99999999m');
  assert.equal(encodeGrpcTimeout(100_000_000), '100000S');
  assert.equal(encodeGrpcTimeout(0.0015), '1500n');
  assert.throws(() => encodeGrpcTimeout(-1), ConfigError);
  assert.throws(() => encodeGrpcTimeout(Number.NaN), ConfigError);
  for (const ms of [0, 1, 7.5, 1500, 86_400_000, 1e12]) {
    const back = parseGrpcTimeout(encodeGrpcTimeout(ms))!;
    assert.ok(back >= ms && back <= ms * 1.0001 + 1e-6, `${ms} → ${back}`);
  }
});

test('parseGrpcTimeout refuses what the spec does not allow', () => {
  assert.equal(parseGrpcTimeout('1S'), 1000);
  assert.equal(parseGrpcTimeout('2M'), 120_000);
  assert.equal(parseGrpcTimeout('123456789m'), null);
  assert.equal(parseGrpcTimeout('1s'), null);
  assert.equal(parseGrpcTimeout(''), null);
});
