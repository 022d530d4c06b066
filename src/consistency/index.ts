/**
 * `h2doctor/consistency`: order/inventory consistency the way the incident's fix did it — a
 * write-ahead log written with the order in one transaction, a relay that delivers it at least
 * once, an inventory that absorbs duplicates by the order's trace id, and a reconciler that
 * finds and repairs what is still off. On SQLite (embedded, the default) or PostgreSQL.
 * See docs/consistency.md.
 */
export { openDb, parseDbTarget, sqliteTarget, isPostgresUrl } from './open-db.js';
export type { DbTarget, OpenDbOptions } from './open-db.js';
export type { SqlDb, SqlValue, Dialect } from './sql-db.js';
export type { SqliteOptions } from './sqlite-db.js';
export type { PostgresOptions } from './postgres-db.js';
export { migrate, orderSchema, inventorySchema, latestVersion } from './migrations.js';
export type { Schema, Migration } from './migrations.js';
export { OrderStore } from './order-store.js';
export type { NewOrder, OrderRow, WalRow, PlaceOrderHooks } from './order-store.js';
export { InventoryStore } from './inventory-store.js';
export type { ReserveRequest, ReserveOutcome, ReleaseOutcome, ReservationRow, ReservationCursor } from './inventory-store.js';
export { startInventoryService } from './inventory-service.js';
export type { InventoryService, InventoryServiceOptions, InventoryServiceStats } from './inventory-service.js';
export { startRelay, deliverWalRow } from './relay.js';
export type { Relay, RelayOptions, RelayStats } from './relay.js';
export { createReconciler, httpReservationSource } from './reconciler.js';
export type { Reconciler, ReconcilerOptions, ReconcileResult } from './reconciler.js';
export { judgeOrder, judgeOrphan, isInconsistent } from './judge.js';
export type { Verdict, VerdictKind } from './judge.js';
export { walkOrdersAndReservations } from './keyset-walk.js';
export type { ReservationSource, WalkPage } from './keyset-walk.js';
export { auditConsistency } from './audit.js';
export type { AuditResult } from './audit.js';
export { consistencyMetrics } from './metrics.js';
export type { ConsistencyMetrics } from './metrics.js';
export { newTraceId, formatTraceparent, parseTraceparent } from './traceparent.js';
