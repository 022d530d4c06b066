import type { OrderRow, OrderStore, WalRow } from './order-store.js';
import type { ReservationCursor, ReservationRow } from './inventory-store.js';

/**
 * Walks orders and reservations together in trace-id order, one page at a time: a merge join
 * across two databases. Each step reads a page of orders, then every reservation whose trace
 * id falls up to the page's last (which also brings the orphans in between), then the page's
 * WAL rows. Memory is bounded by the page size, whatever the table sizes.
 */
export interface ReservationSource {
  reservationsAfter(cursor: ReservationCursor, upToTraceId: string | undefined, limit: number, signal?: AbortSignal): Promise<ReservationRow[]>;
}

export interface WalkPage {
  orders: OrderRow[];
  /** WAL rows by trace id. */
  wal: Map<string, WalRow[]>;
  /** Reservations by trace id, including trace ids with no order in this page (orphans). */
  reservations: Map<string, ReservationRow[]>;
  /** Trace ids of `reservations` that match no order. */
  orphans: string[];
}

export async function walkOrdersAndReservations(
  orders: OrderStore,
  inventory: ReservationSource,
  pageSize: number,
  onPage: (page: WalkPage) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let afterTrace = '';
  let cursor: ReservationCursor = { traceId: '', reservationId: '' };
  for (;;) {
    signal?.throwIfAborted();
    const page = await orders.ordersPage(afterTrace, pageSize);
    const last = page.length === pageSize ? page[page.length - 1]!.traceId : undefined;
    const reservations = new Map<string, ReservationRow[]>();
    for (;;) {
      const rows = await inventory.reservationsAfter(cursor, last, pageSize, signal);
      for (const r of rows) {
        let list = reservations.get(r.traceId);
        if (!list) reservations.set(r.traceId, (list = []));
        list.push(r);
      }
      if (rows.length > 0) cursor = { traceId: rows[rows.length - 1]!.traceId, reservationId: rows[rows.length - 1]!.reservationId };
      if (rows.length < pageSize) break;
      // Past the last order of a full page, the rest is the next page's business (bounded memory).
      if (last === undefined && reservations.size >= pageSize) break;
    }
    const wal = new Map<string, WalRow[]>();
    for (const w of await orders.walFor(page.map((o) => o.traceId))) {
      let list = wal.get(w.traceId);
      if (!list) wal.set(w.traceId, (list = []));
      list.push(w);
    }
    const known = new Set(page.map((o) => o.traceId));
    const orphans = [...reservations.keys()].filter((t) => !known.has(t));
    await onPage({ orders: page, wal, reservations, orphans });
    if (last === undefined) {
      // The final page: orders are done; keep draining orphan reservations past the last order.
      if (page.length > 0) afterTrace = page[page.length - 1]!.traceId;
      const more = await inventory.reservationsAfter(cursor, undefined, 1, signal);
      if (more.length === 0) return;
      if (page.length === 0 && reservations.size === 0) return;
      continue;
    }
    afterTrace = last;
  }
}
