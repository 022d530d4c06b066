import type { OrderRow, OrderStore, WalRow } from './order-store.js';
import type { ReservationCursor, ReservationRow } from './inventory-store.js';

/**
 * Walks orders and reservations together in trace-id order, one page at a time: a merge join
 * across two databases. Each step reads a page of orders, then every reservation whose trace
 * id falls up to the page's last (which also brings the orphans in between), then the page's
 * pending WAL rows (delivered ones change no verdict). Memory is bounded by the page size,
 * whatever the table sizes.
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
  let cursor: ReservationCursor = { traceId: '', reservationId: '' };
  let page = await orders.ordersPage('', pageSize);
  for (;;) {
    signal?.throwIfAborted();
    const last = page.length === pageSize ? page[page.length - 1]!.traceId : undefined;
    // Inventory reads its page in its own process while this one reads the WAL rows and the
    // next page of orders: the two databases are read in parallel.
    const reservationsRead = readReservations(inventory, cursor, last, pageSize, signal);
    reservationsRead.catch(() => {});
    await new Promise((r) => setImmediate(r));
    const walRows = await orders.pendingWalFor(page.map((o) => o.traceId));
    const next = last === undefined ? [] : await orders.ordersPage(last, pageSize);
    const { reservations, cursor: after } = await reservationsRead;
    cursor = after;
    const wal = new Map<string, WalRow[]>();
    for (const w of walRows) {
      let list = wal.get(w.traceId);
      if (!list) wal.set(w.traceId, (list = []));
      list.push(w);
    }
    const known = new Set(page.map((o) => o.traceId));
    const orphans = [...reservations.keys()].filter((t) => !known.has(t));
    await onPage({ orders: page, wal, reservations, orphans });
    if (last === undefined) {
      // The final page: orders are done; keep draining orphan reservations past the last order.
      const more = await inventory.reservationsAfter(cursor, undefined, 1, signal);
      if (more.length === 0 || (page.length === 0 && reservations.size === 0)) return;
      page = [];
      continue;
    }
    page = next;
  }
}

/** Every reservation after `cursor` up to `last` (or, past the last order, one page's worth). */
async function readReservations(
  inventory: ReservationSource,
  from: ReservationCursor,
  last: string | undefined,
  pageSize: number,
  signal?: AbortSignal,
): Promise<{ reservations: Map<string, ReservationRow[]>; cursor: ReservationCursor }> {
  const reservations = new Map<string, ReservationRow[]>();
  let cursor = from;
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
  return { reservations, cursor };
}
