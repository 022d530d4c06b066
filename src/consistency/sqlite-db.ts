import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { DbError, DbUnreachableError, DiskFullError, H2DoctorError } from '../errors.js';
import { SerialLock, type SqlDb, type SqlValue } from './sql-db.js';

/**
 * SQLite through better-sqlite3, in WAL journal mode (readers in other processes — the lab's
 * audit, the reconciler — do not block the writer). better-sqlite3 is synchronous, so an
 * async transaction holds a lock that every other call on this handle waits for; that keeps
 * another caller's statements out of an open transaction.
 *
 * The module is loaded on first use, so programs that never open a database (the bench CLI,
 * whose start-up is measured) do not pay for the native addon.
 */
export interface SqliteOptions {
  /** Caps the file at this many pages (`PRAGMA max_page_count`): how tests fill the disk. */
  maxPageCount?: number;
  /** `normal` (default) survives process crashes; `full` also power loss, at an fsync per commit. */
  synchronous?: 'normal' | 'full';
  /** Milliseconds to wait for another process's write lock (default 5000). */
  busyTimeoutMs?: number;
}

let driver: typeof BetterSqlite3 | undefined;
function loadDriver(): typeof BetterSqlite3 {
  driver ??= createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  return driver;
}

/** Maps a better-sqlite3 error to the library's typed errors. */
export function sqliteError(err: unknown, where: string): H2DoctorError {
  if (err instanceof H2DoctorError) return err;
  const code = (err as { code?: string }).code ?? '';
  const message = (err as Error).message ?? String(err);
  if (code === 'SQLITE_FULL') return new DiskFullError(`database full: ${where} (${message}); the transaction was rolled back`, { cause: err });
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'ENOENT' || code === 'EACCES') {
    return new DbUnreachableError(`cannot open SQLite database ${where} (${message})`, { cause: err });
  }
  if (code === 'SQLITE_IOERR' || code.startsWith('SQLITE_IOERR')) {
    // A write that found no room in a full file system surfaces as an I/O error on some paths.
    return new DiskFullError(`cannot write SQLite database ${where} (${message}); the transaction was rolled back`, { cause: err });
  }
  return new DbError(`SQLite ${where}: ${message}`, { cause: err });
}

export function openSqlite(file: string, options: SqliteOptions = {}): SqlDb {
  let db: BetterSqlite3.Database;
  try {
    mkdirSync(dirname(file), { recursive: true });
    const Database = loadDriver();
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    // WAL + NORMAL: a process crash never loses a committed transaction and never tears one;
    // an OS crash or power loss may roll back the last few (FULL would fsync every commit,
    // which costs ~5 ms each on the disks measured). `synchronous: 'full'` when that matters.
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    if (options.maxPageCount !== undefined) db.pragma(`max_page_count = ${options.maxPageCount}`);
  } catch (err) {
    throw sqliteError(err, file);
  }
  const lock = new SerialLock();
  const statements = new Map<string, BetterSqlite3.Statement>();
  const prepare = (sql: string): BetterSqlite3.Statement => {
    let st = statements.get(sql);
    if (!st) {
      st = db.prepare(sql);
      statements.set(sql, st);
    }
    return st;
  };
  // Inside a transaction the lock is already held: calls go straight to the statements.
  const direct = {
    all<T>(sql: string, params: SqlValue[] = []): T[] {
      try {
        return prepare(sql).all(...params) as T[];
      } catch (err) {
        throw sqliteError(err, file);
      }
    },
    run(sql: string, params: SqlValue[] = []): { changes: number } {
      try {
        return { changes: prepare(sql).run(...params).changes };
      } catch (err) {
        throw sqliteError(err, file);
      }
    },
  };
  const inTx: SqlDb = {
    dialect: 'sqlite',
    where: file,
    all: async (sql, params) => direct.all(sql, params),
    run: async (sql, params) => direct.run(sql, params),
    transaction: (fn) => fn(inTx),
    close: async () => {},
  };
  return {
    dialect: 'sqlite',
    where: file,
    all: (sql, params) => lock.hold(async () => direct.all(sql, params)),
    run: (sql, params) => lock.hold(async () => direct.run(sql, params)),
    transaction: (fn) =>
      lock.hold(async () => {
        // IMMEDIATE takes the write lock at BEGIN, so two processes never both read then
        // fail to upgrade (SQLITE_BUSY mid-transaction).
        direct.run('BEGIN IMMEDIATE');
        try {
          const out = await fn(inTx);
          direct.run('COMMIT');
          return out;
        } catch (err) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw err;
        }
      }),
    close: async () => {
      await lock.hold(async () => db.close());
    },
  };
}
