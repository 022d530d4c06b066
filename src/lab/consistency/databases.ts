import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DbError } from '../../errors.js';
import { openPostgres } from '../../consistency/postgres-db.js';
import { sqliteTarget, type DbTarget } from '../../consistency/open-db.js';

/**
 * Two separate databases per consistency scenario, one per service: SQLite files in a new
 * temporary folder (no set-up), or — with `--db postgres://…` — two new databases on that
 * server, created for the run and dropped after it (the user needs CREATEDB).
 */
export interface LabDatabases {
  order: DbTarget;
  inventory: DbTarget;
  /** Removes what was created. */
  drop(): Promise<void>;
}

let runSeq = 0;

export async function prepareDatabases(scenario: string, db: string | undefined): Promise<LabDatabases> {
  if (db === undefined) {
    const dir = mkdtempSync(join(tmpdir(), `h2doctor-${scenario}-`));
    return {
      order: sqliteTarget(dir, 'order'),
      inventory: sqliteTarget(dir, 'inventory'),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (!/^postgres(ql)?:\/\//i.test(db)) {
    // A folder for the SQLite files (e.g. on a particular disk).
    const dir = mkdtempSync(join(db, `h2doctor-${scenario}-`));
    return {
      order: sqliteTarget(dir, 'order'),
      inventory: sqliteTarget(dir, 'inventory'),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const admin = await openPostgres(db, { maxConnections: 1 });
  const base = `h2doctor_lab_${scenario.replace(/-/g, '_')}_${process.pid}_${++runSeq}`;
  const names = { order: `${base}_order`, inventory: `${base}_inventory` };
  const urlOf = (name: string) => {
    const u = new URL(db);
    u.pathname = `/${name}`;
    return u.toString();
  };
  try {
    for (const name of Object.values(names)) {
      await admin.run(`DROP DATABASE IF EXISTS ${name}`);
      await admin.run(`CREATE DATABASE ${name}`);
    }
  } catch (err) {
    await admin.close();
    throw new DbError(`cannot create the lab's databases on ${admin.where} (the user needs CREATEDB): ${(err as Error).message}`, { cause: err });
  }
  return {
    order: { kind: 'postgres', url: urlOf(names.order) },
    inventory: { kind: 'postgres', url: urlOf(names.inventory) },
    drop: async () => {
      for (const name of Object.values(names)) await admin.run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await admin.close();
    },
  };
}
