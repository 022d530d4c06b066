import { migrate, orderSchema } from './migrations.js';
import type { SqlDb } from './sql-db.js';

/**
 * The order side: `orders` and its write-ahead log `order_wal`. An order and the WAL row that
 * tells inventory about it are written in one transaction, so there is never an order that
 * inventory cannot learn of, even if the process dies between the two inserts.
 */
export interface NewOrder {
  orderId: string;
  /** W3C trace id (32 hex digits) of the request that placed it: the key inventory dedupes on. */
  traceId: string;
  sku: string;
  qty: number;
}

export interface OrderRow extends NewOrder {
  status: 'placed' | 'cancelled';
  createdMs: number;
}

/** One message to inventory: reserve (version 1) or, after a cancel, release (version 2). */
export interface WalRow {
  id: number;
  orderId: string;
  traceId: string;
  version: number;
  kind: 'reserve' | 'release';
  sku: string;
  qty: number;
  status: 'pending' | 'delivered';
  /** Deliveries tried so far (a row sent again after a failure or a crash counts each time). */
  attempts: number;
  nextAttemptMs: number;
  createdMs: number;
}

export interface PlaceOrderHooks {
  /**
   * Called inside the transaction after the order row and before the WAL row: lets a crash
   * test stop the writer exactly there.
   */
  afterOrderRow?: () => Promise<void>;
}

const walColumns = `id, order_id AS "orderId", trace_id AS "traceId", version, kind, sku, qty, status, attempts,
  next_attempt_ms AS "nextAttemptMs", created_ms AS "createdMs"`;
const orderColumns = `order_id AS "orderId", trace_id AS "traceId", sku, qty, status, created_ms AS "createdMs"`;

export class OrderStore {
  /** `now` is wall-clock ms: WAL ages must survive a restart, which a monotonic clock does not. */
  constructor(readonly db: SqlDb, private readonly clock: () => number = Date.now) {}

  /** Whole wall-clock milliseconds (the columns are BIGINT). */
  private now(): number {
    return Math.round(this.clock());
  }

  /** Opens the tables, migrating them to this version (SchemaTooNewError when newer). */
  static async open(db: SqlDb, now?: () => number): Promise<OrderStore> {
    await migrate(db, orderSchema);
    return new OrderStore(db, now);
  }

  /**
   * Writes the order and its reserve WAL row in one transaction. Placing the same orderId
   * again (a client retry) writes nothing and returns false.
   */
  async placeOrder(order: NewOrder, hooks: PlaceOrderHooks = {}): Promise<boolean> {
    const now = this.now();
    return this.db.transaction(async (tx) => {
      const { changes } = await tx.run(
        `INSERT INTO orders (order_id, trace_id, sku, qty, status, created_ms) VALUES (?, ?, ?, ?, 'placed', ?) ON CONFLICT DO NOTHING`,
        [order.orderId, order.traceId, order.sku, order.qty, now],
      );
      if (changes === 0) return false;
      await hooks.afterOrderRow?.();
      await tx.run(
        `INSERT INTO order_wal (order_id, trace_id, version, kind, sku, qty, status, attempts, next_attempt_ms, created_ms)
         VALUES (?, ?, 1, 'reserve', ?, ?, 'pending', 0, ?, ?)`,
        [order.orderId, order.traceId, order.sku, order.qty, now, now],
      );
      return true;
    });
  }

  /** Places an order without a WAL row: the naive dual-write path, which calls inventory itself. */
  async placeOrderOnly(order: NewOrder): Promise<boolean> {
    const { changes } = await this.db.run(
      `INSERT INTO orders (order_id, trace_id, sku, qty, status, created_ms) VALUES (?, ?, ?, ?, 'placed', ?) ON CONFLICT DO NOTHING`,
      [order.orderId, order.traceId, order.sku, order.qty, this.now()],
    );
    return changes > 0;
  }

  /** Cancels a placed order and logs the release for inventory, in one transaction. */
  async cancelOrder(orderId: string, withWal = true): Promise<boolean> {
    const now = this.now();
    return this.db.transaction(async (tx) => {
      const rows = await tx.all<OrderRow>(`SELECT ${orderColumns} FROM orders WHERE order_id = ? AND status = 'placed'`, [orderId]);
      const o = rows[0];
      if (!o) return false;
      await tx.run(`UPDATE orders SET status = 'cancelled' WHERE order_id = ?`, [orderId]);
      if (withWal) {
        await tx.run(
          `INSERT INTO order_wal (order_id, trace_id, version, kind, sku, qty, status, attempts, next_attempt_ms, created_ms)
           VALUES (?, ?, 2, 'release', ?, ?, 'pending', 0, ?, ?) ON CONFLICT DO NOTHING`,
          [o.orderId, o.traceId, o.sku, o.qty, now, now],
        );
      }
      return true;
    });
  }

  /** Pending rows whose next attempt is due, oldest first. */
  duePending(limit: number): Promise<WalRow[]> {
    return this.db.all<WalRow>(
      `SELECT ${walColumns} FROM order_wal WHERE status = 'pending' AND next_attempt_ms <= ? ORDER BY next_attempt_ms, id LIMIT ?`,
      [this.now(), limit],
    );
  }

  /** Rows still pending that were written before `beforeMs` (the reconciler's "stuck" rows). */
  stuckPending(beforeMs: number, limit: number): Promise<WalRow[]> {
    return this.db.all<WalRow>(
      `SELECT ${walColumns} FROM order_wal WHERE status = 'pending' AND created_ms < ? ORDER BY id LIMIT ?`,
      [beforeMs, limit],
    );
  }

  /** Records that a send is starting (so a crash right after still counts it as tried). */
  async markAttempt(id: number, nextAttemptMs: number): Promise<void> {
    await this.db.run(`UPDATE order_wal SET attempts = attempts + 1, next_attempt_ms = ? WHERE id = ? AND status = 'pending'`, [Math.round(nextAttemptMs), id]);
  }

  async markDelivered(id: number): Promise<void> {
    await this.db.run(`UPDATE order_wal SET status = 'delivered', delivered_ms = ? WHERE id = ?`, [this.now(), id]);
  }

  /** Records the start of a send for several rows in one statement (one commit for a batch). */
  async markAttempts(rows: Array<{ id: number; nextAttemptMs: number }>): Promise<void> {
    if (rows.length === 0) return;
    await this.db.transaction(async (tx) => {
      // BIGINT column: whole milliseconds (PostgreSQL refuses a fraction).
      for (const r of rows) await tx.run(`UPDATE order_wal SET attempts = attempts + 1, next_attempt_ms = ? WHERE id = ? AND status = 'pending'`, [Math.round(r.nextAttemptMs), r.id]);
    });
  }

  /** Marks several rows delivered in one transaction. */
  async markDeliveredMany(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    const now = this.now();
    await this.db.transaction(async (tx) => {
      for (const id of ids) await tx.run(`UPDATE order_wal SET status = 'delivered', delivered_ms = ? WHERE id = ?`, [now, id]);
    });
  }

  /** Count and age (ms) of the oldest pending row; age 0 when none. */
  async pendingSummary(): Promise<{ pending: number; oldestAgeMs: number }> {
    const rows = await this.db.all<{ n: number; oldest: number | null }>(
      `SELECT CAST(COUNT(*) AS BIGINT) AS n, MIN(created_ms) AS oldest FROM order_wal WHERE status = 'pending'`,
    );
    const r = rows[0]!;
    return { pending: Number(r.n), oldestAgeMs: r.oldest === null ? 0 : Math.max(0, this.now() - Number(r.oldest)) };
  }

  /** One page of orders by trace id, after `afterTraceId` (keyset paging: bounded memory on any table size). */
  ordersPage(afterTraceId: string, limit: number): Promise<OrderRow[]> {
    return this.db.all<OrderRow>(`SELECT ${orderColumns} FROM orders WHERE trace_id > ? ORDER BY trace_id LIMIT ?`, [afterTraceId, limit]);
  }

  /** The WAL rows of these trace ids (for the reconciler's verdict on one page). */
  walFor(traceIds: string[]): Promise<WalRow[]> {
    if (traceIds.length === 0) return Promise.resolve([]);
    const first = traceIds[0]!, last = traceIds[traceIds.length - 1]!;
    // A range scan on the page's key span instead of a huge IN list.
    return this.db.all<WalRow>(`SELECT ${walColumns} FROM order_wal WHERE trace_id >= ? AND trace_id <= ? ORDER BY trace_id, version`, [first, last]);
  }

  /** The pending WAL rows among these trace ids (a page's; delivered rows change no verdict). */
  pendingWalFor(traceIds: string[]): Promise<WalRow[]> {
    if (traceIds.length === 0) return Promise.resolve([]);
    return this.db.all<WalRow>(
      `SELECT ${walColumns} FROM order_wal WHERE status = 'pending' AND trace_id >= ? AND trace_id <= ? ORDER BY trace_id, version`,
      [traceIds[0]!, traceIds[traceIds.length - 1]!],
    );
  }

  /** Puts a WAL row back in the queue, due now (a repair: re-deliver). */
  async requeue(id: number): Promise<void> {
    await this.db.run(`UPDATE order_wal SET status = 'pending', next_attempt_ms = ? WHERE id = ?`, [this.now(), id]);
  }

  /** Orders with no WAL row, and WAL rows with no order (both must stay 0: one transaction). */
  async torn(): Promise<{ ordersWithoutWal: number; walWithoutOrder: number; orders: number }> {
    const a = await this.db.all<{ n: number }>(
      `SELECT CAST(COUNT(*) AS BIGINT) AS n FROM orders o WHERE NOT EXISTS (SELECT 1 FROM order_wal w WHERE w.order_id = o.order_id AND w.version = 1)`,
    );
    const b = await this.db.all<{ n: number }>(
      `SELECT CAST(COUNT(*) AS BIGINT) AS n FROM order_wal w WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.order_id = w.order_id)`,
    );
    const c = await this.db.all<{ n: number }>(`SELECT CAST(COUNT(*) AS BIGINT) AS n FROM orders`);
    return { ordersWithoutWal: Number(a[0]!.n), walWithoutOrder: Number(b[0]!.n), orders: Number(c[0]!.n) };
  }
}
