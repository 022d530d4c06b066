import { createRequire } from 'node:module';
import type Pg from 'pg';
import { DbAuthError, DbError, DbUnreachableError, DiskFullError, H2DoctorError } from '../errors.js';
import { numberPlaceholders, type SqlDb, type SqlValue } from './sql-db.js';

/**
 * PostgreSQL through `pg`: a small pool, one pooled client per transaction. BIGINT (COUNT,
 * SUM cast to BIGINT, millisecond timestamps) is parsed to a JS number, which holds every
 * value this library stores exactly (below 2^53).
 *
 * `pg` is loaded on first use, so programs that never open PostgreSQL do not pay for it.
 */
export interface PostgresOptions {
  /** Pool size (default 4). */
  maxConnections?: number;
  /** Give up connecting after this long (default 5000 ms): an unreachable server is one clear error, not a hang. */
  connectTimeoutMs?: number;
}

let driver: typeof Pg | undefined;
function loadDriver(): typeof Pg {
  driver ??= createRequire(import.meta.url)('pg') as typeof Pg;
  return driver;
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

const unreachableCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

/** Maps a pg error (SQLSTATE or a socket error) to the library's typed errors. */
export function postgresError(err: unknown, where: string): H2DoctorError {
  if (err instanceof H2DoctorError) return err;
  const code = (err as { code?: string }).code ?? '';
  const message = (err as Error).message ?? String(err);
  if (unreachableCodes.has(code) || /timeout|terminated unexpectedly|Connection terminated/i.test(message)) {
    return new DbUnreachableError(`cannot reach PostgreSQL at ${where} (${code || message})`, { cause: err });
  }
  if (code === '28P01' || code === '28000') return new DbAuthError(`PostgreSQL at ${where} refused the credentials (${message})`, { cause: err });
  if (code === '3D000') return new DbUnreachableError(`PostgreSQL at ${where}: ${message}`, { cause: err });
  if (code === '53100') return new DiskFullError(`database full: ${where} (${message}); the transaction was rolled back`, { cause: err });
  return new DbError(`PostgreSQL ${where}: ${message}${code ? ` (SQLSTATE ${code})` : ''}`, { cause: err });
}

export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<SqlDb> {
  const pg = loadDriver();
  const where = redactUrl(url);
  const int8 = (v: string) => Number(v);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 4,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    types: { getTypeParser: ((oid: number, format?: string) => (oid === 20 ? int8 : pg.types.getTypeParser(oid, format as 'text'))) as never },
  });
  // An idle pooled connection that the server drops must not crash the process.
  pool.on('error', () => {});
  const on = (q: Pg.Pool | Pg.PoolClient): Omit<SqlDb, 'transaction' | 'close'> => ({
    dialect: 'postgres',
    where,
    async all<T>(sql: string, params: SqlValue[] = []): Promise<T[]> {
      try {
        return (await q.query(numberPlaceholders(sql), params)).rows as T[];
      } catch (err) {
        throw postgresError(err, where);
      }
    },
    async run(sql: string, params: SqlValue[] = []): Promise<{ changes: number }> {
      try {
        return { changes: (await q.query(numberPlaceholders(sql), params)).rowCount ?? 0 };
      } catch (err) {
        throw postgresError(err, where);
      }
    },
  });
  const db: SqlDb = {
    ...on(pool),
    async transaction<T>(fn: (tx: SqlDb) => Promise<T>): Promise<T> {
      let client: Pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw postgresError(err, where);
      }
      const tx: SqlDb = { ...on(client), transaction: (f) => f(tx), close: async () => {} };
      let broken = false;
      try {
        await tx.run('BEGIN');
        const out = await fn(tx);
        await tx.run('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => (broken = true));
        throw err;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
  // Connect once now, so a bad URL or bad credentials fail here, with one clear error.
  await db.all('SELECT 1');
  return db;
}
