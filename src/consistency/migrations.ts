import { SchemaTooNewError } from '../errors.js';
import type { Dialect, SqlDb } from './sql-db.js';

/**
 * Schema versions and migrations. Each component (order, inventory) records its version in
 * `h2doctor_schema`; opening a database applies the migrations it lacks, in one transaction,
 * and refuses a database whose version is newer than this code knows (it would not know
 * what the newer columns mean, so it writes nothing).
 */
export interface Migration {
  version: number;
  /** Statements for one dialect. */
  up(d: Dialect): string[];
}

export interface Schema {
  component: 'order' | 'inventory';
  migrations: Migration[];
}

/** Keys compared across the two databases sort the same on both engines: byte order. */
const key = (d: Dialect) => (d === 'postgres' ? 'TEXT COLLATE "C"' : 'TEXT');
const serial = (d: Dialect) => (d === 'postgres' ? 'BIGSERIAL PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT');

export const orderSchema: Schema = {
  component: 'order',
  migrations: [
    {
      version: 1,
      up: (d) => [
        `CREATE TABLE orders (
          order_id ${key(d)} PRIMARY KEY,
          trace_id ${key(d)} NOT NULL UNIQUE,
          sku TEXT NOT NULL,
          qty INTEGER NOT NULL CHECK (qty > 0),
          status TEXT NOT NULL CHECK (status IN ('placed', 'cancelled')),
          created_ms BIGINT NOT NULL
        )`,
        `CREATE TABLE order_wal (
          id ${serial(d)},
          order_id ${key(d)} NOT NULL REFERENCES orders (order_id),
          trace_id ${key(d)} NOT NULL,
          version INTEGER NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('reserve', 'release')),
          sku TEXT NOT NULL,
          qty INTEGER NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('pending', 'delivered')),
          attempts INTEGER NOT NULL DEFAULT 0,
          next_attempt_ms BIGINT NOT NULL,
          created_ms BIGINT NOT NULL,
          delivered_ms BIGINT,
          UNIQUE (trace_id, version)
        )`,
        `CREATE INDEX order_wal_pending ON order_wal (next_attempt_ms, id) WHERE status = 'pending'`,
        // The reconciler's page lookup: pending rows by key, small however large the log grows.
        `CREATE INDEX order_wal_pending_trace ON order_wal (trace_id) WHERE status = 'pending'`,
      ],
    },
  ],
};

export const inventorySchema: Schema = {
  component: 'inventory',
  migrations: [
    {
      version: 1,
      up: (d) => [
        `CREATE TABLE inventory_snapshot (
          sku TEXT PRIMARY KEY,
          initial INTEGER NOT NULL,
          available INTEGER NOT NULL CHECK (available >= 0),
          reserved INTEGER NOT NULL DEFAULT 0,
          version INTEGER NOT NULL DEFAULT 0,
          updated_ms BIGINT NOT NULL
        )`,
        `CREATE TABLE inventory_reservation (
          reservation_id ${key(d)} PRIMARY KEY,
          trace_id ${key(d)} NOT NULL,
          order_id ${key(d)} NOT NULL,
          sku TEXT NOT NULL,
          qty INTEGER NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('reserved', 'released', 'rejected')),
          created_ms BIGINT NOT NULL
        )`,
        `CREATE INDEX inventory_reservation_trace ON inventory_reservation (trace_id, reservation_id)`,
      ],
    },
  ],
};

export function latestVersion(schema: Schema): number {
  return schema.migrations.reduce((v, m) => Math.max(v, m.version), 0);
}

/** Brings `db` to the schema's latest version; returns the version it found. */
export async function migrate(db: SqlDb, schema: Schema): Promise<number> {
  const latest = latestVersion(schema);
  return db.transaction(async (tx) => {
    // Two processes opening one PostgreSQL database at once migrate one after the other.
    if (tx.dialect === 'postgres') await tx.all('SELECT pg_advisory_xact_lock(7001717)');
    await tx.run('CREATE TABLE IF NOT EXISTS h2doctor_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL)');
    const rows = await tx.all<{ version: number }>('SELECT version FROM h2doctor_schema WHERE component = ?', [schema.component]);
    const found = rows[0]?.version ?? 0;
    if (found > latest) {
      throw new SchemaTooNewError(
        `${db.where}: the ${schema.component} tables are at schema version ${found}, newer than this h2doctor knows (${latest}); upgrade h2doctor or use another database`,
      );
    }
    for (const m of schema.migrations.filter((m) => m.version > found).sort((a, b) => a.version - b.version)) {
      for (const sql of m.up(tx.dialect)) await tx.run(sql);
    }
    if (found === 0) await tx.run('INSERT INTO h2doctor_schema (component, version) VALUES (?, ?)', [schema.component, latest]);
    else if (found < latest) await tx.run('UPDATE h2doctor_schema SET version = ? WHERE component = ?', [latest, schema.component]);
    return found;
  });
}
