import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ConfigError } from '../errors.js';
import { encodeRequestFromJson } from './proto-json.js';

const proto = `syntax = "proto3";
package shop;
enum Kind { KIND_UNSPECIFIED = 0; BOOK = 1; }
message Item { string name = 1; }
message ReserveRequest {
  int32 sku = 1;
  int64 order_id = 2;
  Kind kind = 3;
  bytes token = 4;
  repeated Item items = 5;
  map<string, int32> tags = 6;
  oneof pay { string card = 7; string voucher = 8; }
  bool rush = 9;
  double weight = 10;
  uint32 qty = 11;
}
message ReserveReply { bool ok = 1; }
service Inventory {
  rpc Reserve(ReserveRequest) returns (ReserveReply);
  rpc Watch(ReserveRequest) returns (stream ReserveReply);
}
`;

let dir: string, file: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'h2doctor-proto-json-'));
  file = join(dir, 'shop.proto');
  writeFileSync(file, proto);
  writeFileSync(join(dir, 'broken.proto'), 'syntax = "proto3";\nmessage {');
});
after(() => rmSync(dir, { recursive: true, force: true }));

const hex = (json: string, method = '/shop.Inventory/Reserve') => Buffer.from(encodeRequestFromJson(file, method, json)).toString('hex');

test('{"sku":42} is field 1 varint 42', () => {
  assert.equal(hex('{"sku":42}'), '082a');
  assert.equal(hex('{}'), '');
  assert.equal(hex('{"sku":null}'), '', 'null means not set');
});

test('every kind of field, by .proto name or lowerCamelCase, decodes back to the same values with @grpc/proto-loader', () => {
  const json = '{"sku":42,"orderId":"9007199254740993","kind":"BOOK","token":"AQI=","items":[{"name":"a"}],"tags":{"x":1},"card":"c","rush":true,"weight":1.5,"qty":3}';
  const bytes = Buffer.from(encodeRequestFromJson(file, '/shop.Inventory/Reserve', json));
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(file, { longs: String, enums: String, bytes: String })) as unknown as {
    shop: { Inventory: { service: Record<string, { requestDeserialize(b: Buffer): unknown }> } };
  };
  const decoded = pkg.shop.Inventory.service.Reserve!.requestDeserialize(bytes);
  assert.deepEqual(decoded, {
    sku: 42, orderId: '9007199254740993', kind: 'BOOK', token: 'AQI=', items: [{ name: 'a' }], tags: { x: 1 }, card: 'c', rush: true, weight: 1.5, qty: 3,
  });
  assert.equal(hex('{"order_id": 5}'), '1005');
});

test('JSON that does not fit the request type is a ConfigError naming the field', () => {
  const cases: [string, RegExp][] = [
    ['{"sku":"abc"}', /^sku: expected an integer \(int32\)/],
    ['{"sku":1.5}', /^sku: expected an integer/],
    ['{"sku": 3000000000}', /^sku: expected an integer in -2147483648\.\.2147483647/],
    ['{"qty":-1}', /^qty: expected an integer in 0\.\.4294967295/],
    ['{"skux":1}', /^skux: ReserveRequest has no such field \(fields: sku, order_id/],
    ['{"kind":"NOPE"}', /^kind: expected one of KIND_UNSPECIFIED, BOOK/],
    ['{"card":"a","voucher":"b"}', /^voucher: oneof pay already has card/],
    ['{"items":{"name":"a"}}', /^items: expected a JSON array/],
    ['{"items":[{"nme":"a"}]}', /^items\[0\]\.nme: Item has no such field/],
    ['{"token":"not base64!"}', /^token: expected base64/],
    ['{"rush":"yes"}', /^rush: expected true or false/],
    ['[1]', /^the request: expected a JSON object \(shop\.ReserveRequest\)/],
    ['{bad', /^the request is not valid JSON/],
  ];
  for (const [json, message] of cases) assert.throws(() => hex(json), (err: Error) => err instanceof ConfigError && message.test(err.message), json);
});

test('a method the .proto does not define, a streaming method, an unreadable or broken .proto', () => {
  assert.throws(() => hex('{}', '/shop.Inventory/Watch'), /streaming method: bench --grpc makes unary calls/);
  assert.throws(() => hex('{}', '/shop.Inventory/Nope'), /service shop\.Inventory has no method Nope \(it has Reserve, Watch\)/);
  assert.throws(() => hex('{}', '/shop.Nope/Reserve'), /defines no service shop\.Nope/);
  assert.throws(() => hex('{}', '/shop.Item/Reserve'), /defines no service shop\.Item \(it is a type\)/);
  assert.throws(() => encodeRequestFromJson(join(dir, 'missing.proto'), '/shop.Inventory/Reserve', '{}'), /cannot read '.*missing\.proto' \(ENOENT\)/);
  assert.throws(() => encodeRequestFromJson(join(dir, 'broken.proto'), '/shop.Inventory/Reserve', '{}'), (err: Error) => err instanceof ConfigError && /broken\.proto/.test(err.message));
});
