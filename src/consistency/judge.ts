import type { OrderRow, WalRow } from './order-store.js';
import type { ReservationRow } from './inventory-store.js';

/**
 * Pure: what one order's rows on both sides say, and what would repair it. The reconciler and
 * the lab's audit both judge with this; only the reconciler acts on the repair.
 */
export type Verdict =
  | { kind: 'ok' }
  /** The WAL row is pending and young: the relay's job, not judged yet. */
  | { kind: 'in-flight' }
  /** A WAL row pending for longer than the threshold: re-deliver it now. */
  | { kind: 'stuck-pending'; wal: WalRow }
  /** A placed order with no live reservation: deliver its reserve again. */
  | { kind: 'missing' }
  /** More than one live reservation for one order: release all but one. */
  | { kind: 'duplicated'; extra: number }
  /** A live reservation whose SKU or quantity is not the order's: release it and reserve again. */
  | { kind: 'different' }
  /** A cancelled order whose stock is still held: release it (the compensation). */
  | { kind: 'cancelled-held' }
  /** A live reservation whose order does not exist: release it (the compensation). */
  | { kind: 'orphan' };

export type VerdictKind = Verdict['kind'];

/** Verdicts that are inconsistencies (not ok, not in flight). */
export function isInconsistent(v: Verdict): boolean {
  return v.kind !== 'ok' && v.kind !== 'in-flight';
}

/**
 * @param wal the order's WAL rows (empty for the dual-write path, which keeps none)
 * @param reservations inventory's rows for the order's trace id
 * @param cutoffMs rows written at or after this (wall-clock ms) are young: still the relay's job
 */
export function judgeOrder(order: OrderRow, wal: WalRow[], reservations: ReservationRow[], cutoffMs: number): Verdict {
  const live = reservations.filter((r) => r.status === 'reserved');
  const pending = wal.find((w) => w.status === 'pending');
  if (pending) {
    if (pending.createdMs >= cutoffMs) return { kind: 'in-flight' };
    return { kind: 'stuck-pending', wal: pending };
  }
  if (order.status === 'cancelled') return live.length > 0 ? { kind: 'cancelled-held' } : { kind: 'ok' };
  // Inventory answered "no stock": settled, not missing.
  if (live.length === 0 && reservations.some((r) => r.status === 'rejected')) return { kind: 'ok' };
  if (live.length === 0) return order.createdMs >= cutoffMs ? { kind: 'in-flight' } : { kind: 'missing' };
  if (live.some((r) => r.sku !== order.sku || r.qty !== order.qty)) return { kind: 'different' };
  if (live.length > 1) return { kind: 'duplicated', extra: live.length - 1 };
  return { kind: 'ok' };
}

/** A reservation trace id with no order at all. */
export function judgeOrphan(reservations: ReservationRow[], cutoffMs: number): Verdict {
  const live = reservations.filter((r) => r.status === 'reserved');
  if (live.length === 0) return { kind: 'ok' };
  return live.every((r) => r.createdMs >= cutoffMs) ? { kind: 'in-flight' } : { kind: 'orphan' };
}

/** Tallies verdicts by kind. */
export function emptyTally(): Record<VerdictKind, number> {
  return { ok: 0, 'in-flight': 0, 'stuck-pending': 0, missing: 0, duplicated: 0, different: 0, 'cancelled-held': 0, orphan: 0 };
}
