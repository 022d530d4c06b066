import type { InventoryStore } from './inventory-store.js';
import { emptyTally, isInconsistent, judgeOrder, judgeOrphan, type VerdictKind } from './judge.js';
import { walkOrdersAndReservations } from './keyset-walk.js';
import type { OrderStore } from './order-store.js';

/**
 * The independent check: reads both databases with SQL (not through the services) and counts
 * every disagreement, once the system is quiet. Every order against its reservation(s), every
 * reservation against an order, and stock against the orders: per SKU, what inventory holds
 * reserved must equal what the placed orders asked for, and initial − reserved = available.
 */
export interface AuditResult {
  orders: number;
  reservations: number;
  /** Order/reservation disagreements by kind (a pending WAL row counts: the system is quiet). */
  byKind: Record<VerdictKind, number>;
  /** SKUs whose stock disagrees with the orders or with itself. */
  stockMismatches: number;
  /** Everything that disagrees: order/reservation disagreements + SKU mismatches. */
  mismatches: number;
}

export async function auditConsistency(orders: OrderStore, inventory: InventoryStore, pageSize = 5000): Promise<AuditResult> {
  const byKind = emptyTally();
  let nOrders = 0, nReservations = 0;
  // Nothing is young once the system is quiet: every row is judged.
  const cutoff = Number.POSITIVE_INFINITY;
  await walkOrdersAndReservations(orders, inventory, pageSize, async (page) => {
    nOrders += page.orders.length;
    for (const list of page.reservations.values()) nReservations += list.length;
    for (const o of page.orders) byKind[judgeOrder(o, page.wal.get(o.traceId) ?? [], page.reservations.get(o.traceId) ?? [], cutoff).kind]++;
    for (const t of page.orphans) byKind[judgeOrphan(page.reservations.get(t)!, cutoff).kind]++;
  });
  const ordered = new Map(
    (await orders.db.all<{ sku: string; qty: number }>(
      `SELECT sku, CAST(SUM(qty) AS BIGINT) AS qty FROM orders WHERE status = 'placed' GROUP BY sku`,
    )).map((r) => [r.sku, Number(r.qty)]),
  );
  const held = await inventory.db.all<{ sku: string; initial: number; available: number; reserved: number; live: number | null }>(
    `SELECT s.sku, s.initial, s.available, s.reserved,
       (SELECT CAST(SUM(r.qty) AS BIGINT) FROM inventory_reservation r WHERE r.sku = s.sku AND r.status = 'reserved') AS live
     FROM inventory_snapshot s`,
  );
  let stockMismatches = 0;
  for (const s of held) {
    const live = Number(s.live ?? 0);
    const want = ordered.get(s.sku) ?? 0;
    if (live !== want || s.reserved !== live || s.initial - live !== s.available) stockMismatches++;
  }
  const disagreements = (Object.keys(byKind) as VerdictKind[]).filter((k) => isInconsistent({ kind: k } as never)).reduce((n, k) => n + byKind[k], 0);
  return { orders: nOrders, reservations: nReservations, byKind, stockMismatches, mismatches: disagreements + stockMismatches };
}
