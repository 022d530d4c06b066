import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import {
  grpcCodeOfName, grpcEndStatus, grpcHeaderList, grpcRequestBody, grpcStatusCounts, grpcStatusOf, grpcStatusOfFailure, streamEndOutcome,
} from './grpc-call.js';
import { BenchRecorder, Outcome } from './recorder.js';
import { seriesFromSnapshot } from './remote-write.js';
import type { StreamSlot } from './stream-slot.js';

test('grpc-status from the last HEADERS block: 0–16, anything else UNKNOWN, none -1', () => {
  const block = (v: string) => [{ name: 'grpc-message', value: 'x' }, { name: 'grpc-status', value: v }];
  assert.equal(grpcStatusOf(block('0')), 0);
  assert.equal(grpcStatusOf(block('14')), 14);
  assert.equal(grpcStatusOf(block('16')), 16);
  for (const odd of ['17', '99', '-1', 'abc', '', '007']) assert.equal(grpcStatusOf(block(odd)), 2, odd);
  assert.equal(grpcStatusOf([{ name: ':status', value: '200' }]), -1);
  assert.equal(grpcStatusOf(undefined), -1);
});

test('without grpc-status: HTTP 200 is UNKNOWN, 503 UNAVAILABLE, 404 UNIMPLEMENTED (http-grpc-status-mapping.md)', () => {
  assert.equal(grpcEndStatus(5, 200), 5);
  assert.equal(grpcEndStatus(-1, 200), 2);
  assert.equal(grpcEndStatus(-1, 503), 14);
  assert.equal(grpcEndStatus(-1, 404), 12);
  assert.equal(grpcStatusOfFailure(Outcome.TIMEOUT), 4);
  assert.equal(grpcStatusOfFailure(Outcome.ERRORED), 14);
});

test('a stream that ended: by HTTP status without --grpc, by grpc-status with it', () => {
  const slot: StreamSlot = { startedAt: 0, sentAt: 0, firstByteAt: 0, status: 200, pushes: 0, unacked: 0, grpc: -1 };
  assert.equal(streamEndOutcome(slot, [{ name: 'grpc-status', value: '14' }], false), Outcome.OK);
  assert.equal(slot.grpc, -1);
  assert.equal(streamEndOutcome(slot, [{ name: 'grpc-status', value: '14' }], true), Outcome.GRPC_ERROR);
  assert.equal(slot.grpc, 14);
  assert.equal(streamEndOutcome(slot, [{ name: 'grpc-status', value: '0' }], true), Outcome.OK);
  assert.equal(streamEndOutcome(slot, undefined, true), Outcome.GRPC_ERROR, 'DATA ended the stream: no trailers');
  assert.equal(slot.grpc, 2);
});

test('the request: framed once, gRPC headers first, the deadline as grpc-timeout, -H as metadata', () => {
  const call = { path: '/shop.Inventory/Reserve', message: Uint8Array.of(8, 42), deadlineMs: 250 };
  assert.deepEqual([...grpcRequestBody(call)], [0, 0, 0, 0, 2, 8, 42]);
  const fields = grpcHeaderList(new URL('https://inventory:8443'), call, [{ name: 'X-Tenant', value: 'acme' }]);
  assert.deepEqual(fields.map((f) => `${f.name}: ${f.value}`), [
    ':method: POST', ':scheme: https', ':path: /shop.Inventory/Reserve', ':authority: inventory:8443',
    'content-type: application/grpc', 'te: trailers', 'user-agent: h2doctor-bench', 'grpc-timeout: 250000u', 'x-tenant: acme',
  ]);
  assert.throws(() => grpcRequestBody({ path: 'shop/Reserve', message: new Uint8Array(0) }), ConfigError);
  assert.throws(() => grpcRequestBody({ ...call, deadlineMs: 0 }), ConfigError);
});

test('status counts by name round-trip, and the recorder keeps, merges and pushes them', () => {
  assert.deepEqual(grpcStatusCounts(new Map([[14, 3], [0, 7]])), { OK: 7, UNAVAILABLE: 3 });
  assert.equal(grpcCodeOfName('DEADLINE_EXCEEDED'), 4);
  assert.throws(() => grpcCodeOfName('TEAPOT'), /not a gRPC status name/);

  const make = () => {
    const rec = new BenchRecorder(0, { grpc: true });
    const conn = rec.openConnection(1, 0, 1, 0);
    rec.recordRequest(conn, 1, 0, 0, 0, 1, 2, 200, Outcome.OK, 0);
    rec.recordRequest(conn, 3, 0, 0, 0, 1, 9, 200, Outcome.GRPC_ERROR, 14);
    return rec;
  };
  const a = make();
  a.merge(make().snapshot());
  assert.deepEqual(grpcStatusCounts(a.grpcStatus!), { OK: 2, UNAVAILABLE: 2 });
  assert.equal(a.counters.grpcError, 2);
  assert.equal(a.completed(), 4);
  assert.equal(a.slowest[0]!.grpcStatus, 'UNAVAILABLE');
  const series = seriesFromSnapshot(a.snapshot(), {});
  const value = (name: string, label: string, v: string) => series.find((s) => s.labels.__name__ === name && s.labels[label] === v)?.value;
  assert.equal(value('h2doctor_bench_grpc_calls_total', 'grpc_code', 'UNAVAILABLE'), 2);
  assert.equal(value('h2doctor_bench_failures_total', 'reason', 'grpc_error'), 2);
  assert.equal(value('h2doctor_bench_requests_total', 'outcome', 'failed'), 2);
});

test('the bench reads a status as src/grpc/response-status.ts does, without its per-call allocations', async () => {
  const { grpcCallStatus } = await import('../grpc/response-status.js');
  const headers = (status: number, extra: [string, string][] = []) => [{ name: ':status', value: String(status) }, ...extra.map(([name, value]) => ({ name, value }))];
  const trailers = (v: string) => [{ name: 'grpc-status', value: v }];
  const cases: [ReturnType<typeof headers>, ReturnType<typeof trailers> | null][] = [
    [headers(200, [['content-type', 'application/grpc']]), trailers('0')],
    [headers(200, [['content-type', 'application/grpc']]), trailers('14')],
    [headers(200, [['content-type', 'application/grpc']]), trailers('99')],
    [headers(200, [['content-type', 'application/grpc']]), trailers('x')],
    [headers(200, [['content-type', 'application/grpc'], ['grpc-status', '5']]), null], // Trailers-Only
    [headers(200, [['content-type', 'application/grpc']]), null],
    [headers(503), null],
    [headers(404), null],
    [headers(429), null],
    [headers(401), null],
  ];
  for (const [h, t] of cases) {
    const slot: StreamSlot = { startedAt: 0, sentAt: 0, firstByteAt: 0, status: Number(h[0]!.value), pushes: 0, unacked: 0, grpc: -1 };
    streamEndOutcome(slot, t ?? h, true);
    assert.equal(slot.grpc, grpcCallStatus(h, t).code, JSON.stringify([h, t]));
  }
});
