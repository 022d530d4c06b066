/**
 * The one storage interface the consistency library runs on: a handful of calls that SQLite
 * (better-sqlite3) and PostgreSQL (pg) both implement with the same meaning. SQL is written
 * once with `?` placeholders; the PostgreSQL side numbers them (`$1`, `$2`, …).
 */
export type Dialect = 'sqlite' | 'postgres';

export type SqlValue = string | number | null;

export interface SqlDb {
  readonly dialect: Dialect;
  /** Where the database is, for messages (a file path, or the URL without its password). */
  readonly where: string;
  /** Rows of a query. Integers come back as numbers on both engines. */
  all<T>(sql: string, params?: SqlValue[]): Promise<T[]>;
  /** A statement without rows; `changes` is the number of rows it inserted, updated or deleted. */
  run(sql: string, params?: SqlValue[]): Promise<{ changes: number }>;
  /**
   * Runs `fn` in one transaction: everything it wrote commits together or not at all. Nothing
   * else on this handle runs in between (calls made outside `fn` wait for the commit).
   */
  transaction<T>(fn: (tx: SqlDb) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** `?` placeholders → `$1…$n`. The library's SQL never has a `?` inside a string literal. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** A promise-chain lock: one holder at a time, in arrival order. */
export class SerialLock {
  private tail: Promise<void> = Promise.resolve();

  async hold<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
