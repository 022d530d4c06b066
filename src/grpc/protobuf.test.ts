import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtobufDecodeError } from '../errors.js';
import { ProtobufWriter, readFields, readVarint } from './protobuf-wire.js';
import { decodeHealthCheckRequest, decodeHealthCheckResponse, encodeHealthCheckRequest, encodeHealthCheckResponse, servingStatusName } from './health.js';
import { decodeListServicesResponse, encodeListServicesRequest, encodeListServicesResponse } from './reflection.js';

test('varints round-trip, including 300 and 2^53-1', () => {
  for (const v of [0, 1, 127, 128, 300, 2 ** 31, Number.MAX_SAFE_INTEGER]) {
    const bytes = new ProtobufWriter().varint(v).finish();
    assert.deepEqual(readVarint(bytes, 0), [v, bytes.length]);
  }
  assert.deepEqual([...new ProtobufWriter().varint(300).finish()], [0xac, 0x02]);
  assert.throws(() => readVarint(Uint8Array.of(0x80, 0x80), 0), ProtobufDecodeError);
  assert.throws(() => readVarint(new Uint8Array(11).fill(0x80), 0), /longer than 10 bytes/);
});

test('health messages match the protobuf encoding byte for byte', () => {
  // HealthCheckRequest{service:"a.B"} = tag 0x0a, length 3, "a.B".
  assert.deepEqual([...encodeHealthCheckRequest('a.B')], [0x0a, 3, 0x61, 0x2e, 0x42]);
  assert.deepEqual([...encodeHealthCheckRequest('')], []);
  assert.deepEqual(decodeHealthCheckRequest(encodeHealthCheckRequest('x')), { service: 'x' });
  assert.deepEqual([...encodeHealthCheckResponse(2)], [0x08, 2]);
  assert.deepEqual(decodeHealthCheckResponse(Uint8Array.of(0x08, 1)), { status: 1 });
  // Unknown fields are skipped (a fixed64 field 9 and a string field 3).
  assert.deepEqual(decodeHealthCheckResponse(Uint8Array.of(0x49, 1, 2, 3, 4, 5, 6, 7, 8, 0x1a, 1, 0x41, 0x08, 2)), { status: 2 });
  assert.equal(servingStatusName(3), 'SERVICE_UNKNOWN');
  assert.equal(servingStatusName(9), 'UNRECOGNIZED(9)');
  assert.throws(() => decodeHealthCheckResponse(Uint8Array.of(0x0a, 1, 0)), ProtobufDecodeError); // status as a string
});

test('reflection ListServices round-trips and reads error responses', () => {
  const req = readFields(encodeListServicesRequest());
  assert.deepEqual(req.map((f) => f.field), [7]);
  assert.deepEqual(decodeListServicesResponse(encodeListServicesResponse(['grpc.health.v1.Health', 'shop.Inventory'])), { kind: 'services', services: ['grpc.health.v1.Health', 'shop.Inventory'] });
  const err = new ProtobufWriter().bytesField(7, new ProtobufWriter().varintField(1, 12).stringField(2, 'nope').finish()).finish();
  assert.deepEqual(decodeListServicesResponse(err), { kind: 'error', code: 12, message: 'nope' });
  assert.deepEqual(decodeListServicesResponse(new Uint8Array(0)), { kind: 'other' });
  assert.throws(() => decodeListServicesResponse(Uint8Array.of(0x32, 5, 0x0a)), /runs past the end/);
  assert.throws(() => readFields(Uint8Array.of(0x0b)), /wire type 3/);
  assert.throws(() => readFields(Uint8Array.of(0x00)), /field number 0/);
});
