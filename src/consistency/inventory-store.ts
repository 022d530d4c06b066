import { randomUUID } from 'node:crypto';
import { inventorySchema, migrate } from './migrations.js';
import type { SqlDb } from './sql-db.js';

/**
 * The inventory side: stock per SKU (`inventory_snapshot`) and reservations. A reservation is
 * keyed by the order's trace id (`reservation_id` = trace id, primary key), inserted with
 * `ON CONFLICT DO NOTHING`: a message delivered twice reserves once. Stock never goes below
 * zero: the decrement is conditional and a CHECK constraint backs it.
 */
export interface ReserveRequest {
  traceId: string;
  orderId: string;
  sku: string;
  qty: number;
}

/** What a reserve did: applied, absorbed as a duplicate, or refused for lack of stock. */
export type ReserveOutcome = 'reserved' | 'duplicate' | 'rejected';
export type ReleaseOutcome = 'released' | 'duplicate' | 'none';

export interface ReservationRow {
  reservationId: string;
  traceId: string;
  orderId: string;
  sku: string;
  qty: number;
  status: 'reserved' | 'released' | 'rejected';
  createdMs: number;
}

/** A keyset cursor over reservations; the empty strings start from the beginning. */
export interface ReservationCursor {
  traceId: string;
  reservationId: string;
}

const columns = `reservation_id AS "reservationId", trace_id AS "traceId", order_id AS "orderId", sku, qty, status, created_ms AS "createdMs"`;

export class InventoryStore {
  constructor(readonly db: SqlDb, private readonly clock: () => number = Date.now) {}

  /** Whole wall-clock milliseconds (the columns are BIGINT). */
  private now(): number {
    return Math.round(this.clock());
  }

  static async open(db: SqlDb, now?: () => number): Promise<InventoryStore> {
    await migrate(db, inventorySchema);
    return new InventoryStore(db, now);
  }

  /** Sets stock levels (the lab's and the tests' starting point). */
  async seedStock(levels: Record<string, number>): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const [sku, n] of Object.entries(levels)) {
        await tx.run(
          `INSERT INTO inventory_snapshot (sku, initial, available, reserved, version, updated_ms) VALUES (?, ?, ?, 0, 0, ?)
           ON CONFLICT (sku) DO UPDATE SET initial = excluded.initial, available = excluded.available, reserved = 0, version = 0`,
          [sku, n, n, this.now()],
        );
      }
    });
  }

  /** The idempotent reserve: keyed by trace id, so redelivery changes nothing. */
  reserve(r: ReserveRequest): Promise<ReserveOutcome> {
    return this.db.transaction(async (tx) => {
      const { changes } = await tx.run(
        `INSERT INTO inventory_reservation (reservation_id, trace_id, order_id, sku, qty, status, created_ms)
         VALUES (?, ?, ?, ?, ?, 'reserved', ?) ON CONFLICT DO NOTHING`,
        [r.traceId, r.traceId, r.orderId, r.sku, r.qty, this.now()],
      );
      if (changes === 0) return 'duplicate';
      if (await this.take(tx, r.sku, r.qty)) return 'reserved';
      // Not enough stock: remember the refusal under the same key, so a redelivery gets the same answer.
      await tx.run(`UPDATE inventory_reservation SET status = 'rejected' WHERE reservation_id = ?`, [r.traceId]);
      return 'rejected';
    });
  }

  /**
   * The naive reserve of the dual-write path: each call makes a new reservation with its own
   * id, so a retried call reserves twice. Kept to show what the idempotency key prevents.
   */
  reserveNaive(r: ReserveRequest): Promise<ReserveOutcome> {
    return this.db.transaction<ReserveOutcome>(async (tx) => {
      await tx.run(
        `INSERT INTO inventory_reservation (reservation_id, trace_id, order_id, sku, qty, status, created_ms) VALUES (?, ?, ?, ?, ?, 'reserved', ?)`,
        [randomUUID(), r.traceId, r.orderId, r.sku, r.qty, this.now()],
      );
      if (await this.take(tx, r.sku, r.qty)) return 'reserved';
      throw new Error(`out of stock: ${r.sku}`);
    });
  }

  /** Conditional decrement: never below zero. */
  private async take(tx: SqlDb, sku: string, qty: number): Promise<boolean> {
    const { changes } = await tx.run(
      `UPDATE inventory_snapshot SET available = available - ?, reserved = reserved + ?, version = version + 1, updated_ms = ?
       WHERE sku = ? AND available >= ?`,
      [qty, qty, this.now(), sku, qty],
    );
    return changes === 1;
  }

  /**
   * Releases the reservation(s) of a trace id (a cancelled order, or an orphan). `keep` leaves
   * that many reserved (1 to undo duplicates of a live order). Idempotent.
   */
  release(traceId: string, keep = 0): Promise<ReleaseOutcome> {
    return this.db.transaction(async (tx) => {
      const live = await tx.all<ReservationRow>(
        `SELECT ${columns} FROM inventory_reservation WHERE trace_id = ? AND status = 'reserved' ORDER BY created_ms, reservation_id`,
        [traceId],
      );
      const undo = live.slice(keep);
      if (undo.length === 0) {
        const any = await tx.all<{ n: number }>(`SELECT CAST(COUNT(*) AS BIGINT) AS n FROM inventory_reservation WHERE trace_id = ?`, [traceId]);
        if (Number(any[0]!.n) > 0) return 'duplicate';
        // A release that overtook its reserve (both were pending; the relay sends in parallel):
        // leave a tombstone under the trace-id key, so the late reserve is absorbed, not applied.
        if (keep === 0) {
          await tx.run(
            `INSERT INTO inventory_reservation (reservation_id, trace_id, order_id, sku, qty, status, created_ms) VALUES (?, ?, '', '', 0, 'released', ?) ON CONFLICT DO NOTHING`,
            [traceId, traceId, this.now()],
          );
        }
        return 'none';
      }
      for (const r of undo) {
        await tx.run(`UPDATE inventory_reservation SET status = 'released' WHERE reservation_id = ?`, [r.reservationId]);
        await tx.run(
          `UPDATE inventory_snapshot SET available = available + ?, reserved = reserved - ?, version = version + 1, updated_ms = ? WHERE sku = ?`,
          [r.qty, r.qty, this.now(), r.sku],
        );
      }
      return 'released';
    });
  }

  /**
   * Reservations after the cursor (trace id, reservation id), up to `upToTraceId` inclusive
   * (undefined = to the end), in key order: keyset paging, bounded memory on any table size.
   */
  reservationsAfter(cursor: ReservationCursor, upToTraceId: string | undefined, limit: number): Promise<ReservationRow[]> {
    const bound = upToTraceId === undefined ? '' : ' AND trace_id <= ?';
    const params = [cursor.traceId, cursor.traceId, cursor.reservationId, ...(upToTraceId === undefined ? [] : [upToTraceId]), limit];
    return this.db.all<ReservationRow>(
      // Spelled out rather than a row-value comparison, so both engines use the index as a range.
      `SELECT ${columns} FROM inventory_reservation WHERE trace_id >= ? AND (trace_id > ? OR reservation_id > ?)${bound} ORDER BY trace_id, reservation_id LIMIT ?`,
      params,
    );
  }

  async stock(sku: string): Promise<{ initial: number; available: number; reserved: number } | undefined> {
    const rows = await this.db.all<{ initial: number; available: number; reserved: number }>(
      `SELECT initial, available, reserved FROM inventory_snapshot WHERE sku = ?`,
      [sku],
    );
    return rows[0];
  }
}
