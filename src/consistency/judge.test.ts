import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isInconsistent, judgeOrder, judgeOrphan } from './judge.js';
import type { OrderRow, WalRow } from './order-store.js';
import type { ReservationRow } from './inventory-store.js';

const order: OrderRow = { orderId: 'o-1', traceId: 't1', sku: 'a', qty: 2, status: 'placed', createdMs: 1000 };
const wal = (status: WalRow['status'], createdMs = 1000): WalRow => ({
  id: 1, orderId: 'o-1', traceId: 't1', version: 1, kind: 'reserve', sku: 'a', qty: 2, status, attempts: 0, nextAttemptMs: 0, createdMs,
});
const res = (status: ReservationRow['status'], over: Partial<ReservationRow> = {}): ReservationRow => ({
  reservationId: 't1', traceId: 't1', orderId: 'o-1', sku: 'a', qty: 2, status, createdMs: 1000, ...over,
});

test('a delivered order with one matching reservation is ok', () => {
  assert.deepEqual(judgeOrder(order, [wal('delivered')], [res('reserved')], 5000), { kind: 'ok' });
});

test('a pending WAL row is in flight below the threshold and stuck above it', () => {
  assert.equal(judgeOrder(order, [wal('pending', 6000)], [], 5000).kind, 'in-flight');
  assert.equal(judgeOrder(order, [wal('pending', 1000)], [], 5000).kind, 'stuck-pending');
});

test('missing, duplicated, different, cancelled-held', () => {
  assert.equal(judgeOrder(order, [wal('delivered')], [], 5000).kind, 'missing');
  assert.deepEqual(judgeOrder(order, [], [res('reserved'), res('reserved', { reservationId: 'x' })], 5000), { kind: 'duplicated', extra: 1 });
  assert.equal(judgeOrder(order, [], [res('reserved', { qty: 3 })], 5000).kind, 'different');
  assert.equal(judgeOrder({ ...order, status: 'cancelled' }, [], [res('reserved')], 5000).kind, 'cancelled-held');
  assert.equal(judgeOrder({ ...order, status: 'cancelled' }, [], [res('released')], 5000).kind, 'ok');
});

test('a rejected reservation (no stock) is settled, not missing', () => {
  assert.equal(judgeOrder(order, [wal('delivered')], [res('rejected')], 5000).kind, 'ok');
});

test('orphans: a live reservation with no order, once it is older than the threshold', () => {
  assert.equal(judgeOrphan([res('reserved')], 5000).kind, 'orphan');
  assert.equal(judgeOrphan([res('reserved', { createdMs: 6000 })], 5000).kind, 'in-flight');
  assert.equal(judgeOrphan([res('released')], 5000).kind, 'ok');
  assert.equal(isInconsistent({ kind: 'orphan' }), true);
  assert.equal(isInconsistent({ kind: 'in-flight' }), false);
});
