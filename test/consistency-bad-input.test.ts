import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { command as labCommand } from '../src/cli/commands/lab.js';
import { describeFailure } from '../src/cli/exit.js';
import { OrderStore, newTraceId, openDb } from '../src/consistency/index.js';
import { DiskFullError, SchemaTooNewError } from '../src/errors.js';
import { createRandom } from '../src/random.js';
import { runCommand } from './support/cli.js';
import { createTestDatabase, startTestPostgres, type TestPostgres } from './support/postgres.js';

// Bad databases get one clear line and exit 1, never a stack trace, a hang or a half write.
let pg: TestPostgres | undefined;
const dir = mkdtempSync(join(tmpdir(), 'h2doctor-bad-'));
before(async () => {
  pg = await startTestPostgres();
});
after(async () => {
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function oneLine(r: { code: number; err: string }, code: string): void {
  assert.equal(r.code, 1, r.err);
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 1, r.err);
  assert.match(lines[0]!, new RegExp(`\\[${code}\\]$`));
  assert.doesNotMatch(r.err, /\n\s+at /);
}

async function closedPort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

test('lab --db with an unreachable PostgreSQL: one line, exit 1', { timeout: 30_000 }, async () => {
  const r = await runCommand(labCommand, ['--only', 'wal-reconciled', '--quick', '--db', `postgres://u:p@127.0.0.1:${await closedPort()}/db`]);
  oneLine(r, 'ERR_DB_UNREACHABLE');
  assert.match(r.err, /cannot reach PostgreSQL at postgres:\/\/u:\*\*\*@127\.0\.0\.1/, 'the password is not printed');
});

test('lab --db with a wrong password: one line, exit 1', { timeout: 30_000 }, async () => {
  const u = new URL(pg!.url);
  u.password = 'not-the-password';
  const r = await runCommand(labCommand, ['--only', 'wal-reconciled', '--quick', '--db', u.toString()]);
  oneLine(r, 'ERR_DB_AUTH');
});

test('lab --db with a URL of another kind is a usage error', async () => {
  const r = await runCommand(labCommand, ['--only', 'wal-reconciled', '--db', 'mysql://x@127.0.0.1/db']);
  assert.equal(r.code, 2);
  assert.match(r.err, /unsupported database URL/);
});

for (const engine of ['sqlite', 'postgres'] as const) {
  test(`a database whose schema is newer is refused with one line (${engine})`, { timeout: 30_000 }, async () => {
    const target = engine === 'sqlite' ? { kind: 'sqlite' as const, file: join(dir, 'newer.sqlite') } : { kind: 'postgres' as const, url: await createTestDatabase(pg!.url, 'newer') };
    const db = await openDb(target);
    try {
      await OrderStore.open(db);
      await db.run(`UPDATE h2doctor_schema SET version = version + 1 WHERE component = 'order'`);
      const err = await OrderStore.open(db).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof SchemaTooNewError);
      const f = describeFailure(err, false);
      assert.equal(f.code, 1);
      assert.match(f.line, /^h2doctor: .*schema version 2, newer than this h2doctor knows \(1\).*\[ERR_SCHEMA_TOO_NEW\]$/);
      assert.doesNotMatch(f.line, /\n/);
    } finally {
      await db.close();
    }
  });
}

test('a full disk (SQLite max_page_count): DiskFullError, one line, and no order without its WAL row', { timeout: 30_000 }, async () => {
  const target = { kind: 'sqlite' as const, file: join(dir, 'full.sqlite') };
  const db = await openDb(target, { sqlite: { maxPageCount: 24 } });
  const store = await OrderStore.open(db);
  const random = createRandom(2);
  let placed = 0;
  let failure: unknown;
  for (let i = 0; i < 100_000 && failure === undefined; i++) {
    try {
      await store.placeOrder({ orderId: `o-${i}`, traceId: newTraceId(random), sku: 'sku-with-a-long-name', qty: 1 });
      placed++;
    } catch (err) {
      failure = err;
    }
  }
  assert.ok(failure instanceof DiskFullError, String(failure));
  const f = describeFailure(failure, false);
  assert.equal(f.code, 1);
  assert.match(f.line, /^h2doctor: database full: .*full\.sqlite.*rolled back \[ERR_DISK_FULL\]$/);
  assert.deepEqual(await store.torn(), { ordersWithoutWal: 0, walWithoutOrder: 0, orders: placed });
  await db.close();
});
