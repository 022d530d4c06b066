import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { openPostgres, type PostgresOptions } from './postgres-db.js';
import { openSqlite, type SqliteOptions } from './sqlite-db.js';
import type { SqlDb } from './sql-db.js';

/**
 * Where a service's database lives: a `postgres://` (or `postgresql://`) URL, or a SQLite
 * file. Each service (order, inventory) gets its own database: for SQLite a file named after
 * it in the given folder.
 */
export type DbTarget = { kind: 'postgres'; url: string } | { kind: 'sqlite'; file: string };

export function isPostgresUrl(text: string): boolean {
  return /^postgres(ql)?:\/\//i.test(text);
}

/** A SQLite file `<name>.sqlite` in `folder`. */
export function sqliteTarget(folder: string, name: string): DbTarget {
  return { kind: 'sqlite', file: join(folder, `${name}.sqlite`) };
}

/** Parses a user's database text: a PostgreSQL URL, or a path to a SQLite file. */
export function parseDbTarget(text: string): DbTarget {
  if (isPostgresUrl(text)) {
    try {
      new URL(text);
    } catch {
      throw new UsageError(`not a valid PostgreSQL URL: '${text}'`);
    }
    return { kind: 'postgres', url: text };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) throw new UsageError(`unsupported database URL '${text}': use postgres://… or a SQLite file path`);
  return { kind: 'sqlite', file: text };
}

export interface OpenDbOptions {
  sqlite?: SqliteOptions;
  postgres?: PostgresOptions;
}

export async function openDb(target: DbTarget, options: OpenDbOptions = {}): Promise<SqlDb> {
  return target.kind === 'postgres' ? openPostgres(target.url, options.postgres) : openSqlite(target.file, options.sqlite);
}
