/**
 * `bench --grpc` bad input: one clear line on stderr (and the usual "Try" hint), exit 2, no
 * stack trace and no connection attempted. Then --proto end to end: the JSON request, encoded
 * by protobufjs, reaches a node:http2 gRPC service that echoes it back.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchCli, benchJson } from './bench-fixtures.js';
import { startNodeGrpcServer, type RunningNodeGrpc } from './support/grpc-node-server.js';

const proto = `syntax = "proto3";
package h2doctor.test;
message Req { int32 sku = 1; string name = 2; }
service Echo { rpc Echo(Req) returns (Req); }
`;

let dir: string;
let server: RunningNodeGrpc;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'h2doctor-bench-grpc-bad-'));
  writeFileSync(join(dir, 'echo.proto'), proto);
  writeFileSync(join(dir, 'broken.proto'), 'syntax = "proto3";\nservice {');
  writeFileSync(join(dir, 'req.json'), '{"sku": 42, "name": "book"}');
  writeFileSync(join(dir, 'req.bin'), Buffer.from([8, 42]));
  server = await startNodeGrpcServer();
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

// Nothing listens here: a usage error must come before any connection is tried.
const URL = 'http://127.0.0.1:9';
const CALL = ['--grpc', '--call', '/h2doctor.test.Echo/Echo'];

test('each bad input is one line and exit 2', async () => {
  const cases: [string[], RegExp][] = [
    [['--grpc', URL], /--grpc needs --call \/pkg\.Service\/Method/],
    [['--grpc', '--call', 'h2doctor.test.Echo/Echo', URL], /--call: 'h2doctor\.test\.Echo\/Echo' is not a gRPC method: it must start with '\/'/],
    [['--grpc', '--call', '/h2doctor.test.Echo', URL], /--call: .*the method name is missing/],
    [['--call', '/h2doctor.test.Echo/Echo', URL], /--call goes with --grpc/],
    [['--proto', join(dir, 'echo.proto'), URL], /--proto goes with --grpc/],
    [[...CALL, '-d', 'zz', URL], /--data: 'zz' is neither hex bytes/],
    [[...CALL, '-d', '0a0', URL], /--data: '0a0' is neither hex bytes/],
    [[...CALL, '-d', '10s', URL], /with --grpc, -d is the message: write the run length as --duration 10s/],
    [[...CALL, '-d', `@${join(dir, 'missing.bin')}`, URL], /--data: cannot read '.*missing\.bin' \(ENOENT\)/],
    [[...CALL, `${URL}/h2doctor.test.Echo/Echo`], /--grpc: give the URL without a path \('http:\/\/127\.0\.0\.1:9'\); the method goes in --call/],
    [[...CALL, '-X', 'GET', URL], /--method does not go with --grpc/],
    [[...CALL, '-H', 'grpc-timeout: 1S', URL], /--header: 'grpc-timeout' is set by --grpc itself/],
    [[...CALL, '-H', 'content-type: application/json', URL], /--header: 'content-type' is set by --grpc itself/],
    [[...CALL, '--proto', join(dir, 'echo.proto'), URL], /--proto needs --data/],
    [[...CALL, '--proto', join(dir, 'missing.proto'), '--data', '{}', URL], /--proto: cannot read '.*missing\.proto' \(ENOENT\)/],
    [[...CALL, '--proto', join(dir, 'broken.proto'), '--data', '{}', URL], /--proto: '.*broken\.proto': /],
    [[...CALL, '--proto', join(dir, 'echo.proto'), '--data', '{"sku":', URL], /--proto: the request is not valid JSON/],
    [[...CALL, '--proto', join(dir, 'echo.proto'), '--data', '{"skus": 1}', URL], /--proto: skus: Req has no such field \(fields: sku, name\)/],
    [[...CALL, '--proto', join(dir, 'echo.proto'), '--data', '{"sku": "x"}', URL], /--proto: sku: expected an integer \(int32\), got "x"/],
    [[...CALL, '--proto', join(dir, 'echo.proto'), '--data', `@${join(dir, 'nope.json')}`, URL], /--data: cannot read '.*nope\.json' \(ENOENT\)/],
    [['--grpc', '--call', '/h2doctor.test.Nope/Echo', '--proto', join(dir, 'echo.proto'), '--data', '{}', URL], /--proto: '.*echo\.proto' defines no service h2doctor\.test\.Nope/],
  ];
  for (const [argv, message] of cases) {
    const r = await benchCli(argv);
    assert.equal(r.code, 2, `${argv.join(' ')} → exit ${r.code}: ${r.err}`);
    const lines = r.err.trim().split('\n');
    assert.equal(lines.length, 2, r.err);
    assert.match(lines[0]!, /^h2doctor: /);
    assert.match(lines[0]!, message);
    assert.equal(lines[1], "Try 'h2doctor --help'.");
    assert.equal(r.out, '');
  }
});

test('--proto --data JSON (inline or @file) is encoded by the .proto and reaches the server', async () => {
  for (const data of ['{"sku": 42, "name": "book"}', `@${join(dir, 'req.json')}`]) {
    const { code, result, err } = await benchJson([...CALL, '--proto', join(dir, 'echo.proto'), '--data', data, server.url, '-c', '1', '-m', '2', '-n', '20']);
    assert.equal(code, 0, err);
    assert.deepEqual(result.grpc!.statusCounts, { OK: 20 });
    // Req{sku: 42, name: "book"} is 08 2a 12 04 "book": 8 bytes, echoed back with a 5-byte prefix.
    assert.equal(result.bytes.body, 20 * 13);
  }
});

test('-d @file sends the file as the message; --duration still sets the run length', async () => {
  const { code, result, err } = await benchJson([...CALL, '-d', `@${join(dir, 'req.bin')}`, server.url, '-c', '1', '-m', '2', '--duration', '300ms']);
  assert.equal(code, 0, err);
  assert.equal(result.settings.durationMs, 300);
  assert.ok(result.requests.total > 0);
  assert.equal(result.bytes.body, result.requests.succeeded * 7);
});
