/**
 * Consistency benchmark (issue 17):
 *   1. relay throughput: orders delivered per second, WAL → inventory (a separate process)
 *      over h2c, no faults, on SQLite and on PostgreSQL on this machine;
 *   2. the reconciler checking 1,000,000 orders against 1,000,000 reservations, keyset-paged,
 *      through inventory's /inventory/verify: wall time and peak RSS. The pass runs in a process
 *      of its own (bench/reconcile-child.mjs, on dist/: run `npm run build` first), as a
 *      reconciler runs in production: the
 *      seeding of a million rows happens here and its memory must not count. Peak RSS is the
 *      kernel's high-water mark (VmHWM in /proc/self/status), not a sampled value.
 *
 *   npm run build && node --import tsx bench/consistency.ts [--orders N] [--relay N] [--only relay|reconciler]
 *     [--engines sqlite,postgres] [--page-size N (default: the reconciler's, 2000)]
 * Orders spread over 64 SKUs: one hot SKU would serialise every reservation on its row lock,
 * and the figure would be the disk's commit latency, not the relay's.
 * PostgreSQL: H2DOCTOR_TEST_PG_URL, or a server started here (scripts/pg-server.sh).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { createClient } from '../src/client/index.js';
import { InventoryStore, OrderStore, newTraceId, openDb, startRelay, type DbTarget, type SqlDb } from '../src/consistency/index.js';
import { createRandom } from '../src/random.js';
import { startServiceProcess } from '../src/lab/consistency/service-process.js';
import { createTestDatabase, startTestPostgres } from '../test/support/postgres.js';

const { values } = parseArgs({ options: { orders: { type: 'string' }, relay: { type: 'string' }, only: { type: 'string' }, 'page-size': { type: 'string' }, engines: { type: 'string' } } });
const bigN = Number(values.orders ?? 1_000_000);
const relayN = Number(values.relay ?? 5000);
const engines = (values.engines ?? 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[];

/** The kernel's peak resident set of a process, in MiB (VmHWM). */
function peakRssMb(pid: number | 'self' = 'self'): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

interface ChildResult { seconds: number; peakRssMb: number; startRssMb: number; heapAfterGcMb: number; checked: number; repaired: number }

const dir = mkdtempSync(join(tmpdir(), 'h2doctor-bench-consistency-'));
const pg = await startTestPostgres();

async function targets(engine: 'sqlite' | 'postgres', label: string): Promise<{ order: DbTarget; inventory: DbTarget }> {
  if (engine === 'sqlite') return { order: { kind: 'sqlite', file: join(dir, `${label}-order.sqlite`) }, inventory: { kind: 'sqlite', file: join(dir, `${label}-inventory.sqlite`) } };
  return { order: { kind: 'postgres', url: await createTestDatabase(pg.url, `${label}_order`) }, inventory: { kind: 'postgres', url: await createTestDatabase(pg.url, `${label}_inventory`) } };
}

async function relayThroughput(engine: 'sqlite' | 'postgres'): Promise<number> {
  const t = await targets(engine, 'relay');
  const orderDb = await openDb(t.order), invDb = await openDb(t.inventory);
  const orders = await OrderStore.open(orderDb);
  await (await InventoryStore.open(invDb)).seedStock(Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`sku-${i}`, 10_000_000])));
  const random = createRandom(1);
  for (let i = 0; i < relayN; i++) await orders.placeOrder({ orderId: `o-${i}`, traceId: newTraceId(random), sku: `sku-${i % 64}`, qty: 1 });
  const inv = await startServiceProcess({ role: 'inventory', db: t.inventory, port: 0 });
  const client = createClient({ endpoints: [{ url: `http://127.0.0.1:${inv.port}`, zone: 'a', priority: 0 }], timeoutMs: 5000 });
  const t0 = performance.now();
  const relay = startRelay({ store: orders, client, batch: 64 });
  await relay.drained(300_000);
  const seconds = (performance.now() - t0) / 1000;
  await relay.stop();
  await client.close();
  await inv.stop();
  await orderDb.close();
  await invDb.close();
  return relayN / seconds;
}

/** Fills both databases with `n` matching orders, WAL rows (delivered) and reservations, in SQL. */
async function seedBig(orderDb: SqlDb, invDb: SqlDb, n: number): Promise<void> {
  const series = (db: SqlDb, select: string) =>
    db.dialect === 'postgres'
      ? `SELECT ${select.replace(/HEX\(n\)/g, "lpad(to_hex(n), 32, '0')")} FROM generate_series(1, ${n}) AS g(n)`
      : `WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ${n}) SELECT ${select.replace(/HEX\(n\)/g, "printf('%032x', n)")} FROM g`;
  await orderDb.run(`INSERT INTO orders (order_id, trace_id, sku, qty, status, created_ms) ${series(orderDb, "'o-' || n, HEX(n), 'sku-1', 1, 'placed', 0")}`);
  await orderDb.run(
    `INSERT INTO order_wal (order_id, trace_id, version, kind, sku, qty, status, attempts, next_attempt_ms, created_ms, delivered_ms) ${series(orderDb, "'o-' || n, HEX(n), 1, 'reserve', 'sku-1', 1, 'delivered', 1, 0, 0, 0")}`,
  );
  await invDb.run(`INSERT INTO inventory_reservation (reservation_id, trace_id, order_id, sku, qty, status, created_ms) ${series(invDb, "HEX(n), HEX(n), 'o-' || n, 'sku-1', 1, 'reserved', 0")}`);
  if (orderDb.dialect === 'postgres') {
    await orderDb.run('ANALYZE');
    await invDb.run('ANALYZE');
  }
}

async function reconcileBig(engine: 'sqlite' | 'postgres'): Promise<ChildResult & { inventoryPeakRssMb: number }> {
  const t = await targets(engine, 'big');
  const orderDb = await openDb(t.order), invDb = await openDb(t.inventory);
  await OrderStore.open(orderDb);
  await InventoryStore.open(invDb);
  await seedBig(orderDb, invDb, bigN);
  await orderDb.close();
  await invDb.close();
  const inv = await startServiceProcess({ role: 'inventory', db: t.inventory, port: 0 });
  try {
    const job = { order: t.order, inventoryUrl: `http://127.0.0.1:${inv.port}`, pageSize: values['page-size'] ? Number(values['page-size']) : undefined };
    const child = fileURLToPath(new URL('./reconcile-child.mjs', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', child, JSON.stringify(job)], { maxBuffer: 1 << 20 });
    return { ...(JSON.parse(stdout) as ChildResult), inventoryPeakRssMb: peakRssMb(inv.pid) };
  } finally {
    await inv.stop();
  }
}

try {
  for (const engine of values.only === 'reconciler' ? [] : engines) {
    const rps = await relayThroughput(engine);
    console.log(`relay ${engine}: ${relayN} orders delivered, ${rps.toFixed(0)} orders/s`);
  }
  for (const engine of values.only === 'relay' ? [] : engines) {
    const r = await reconcileBig(engine);
    console.log(
      `reconciler ${engine}: ${r.checked} orders checked in ${r.seconds.toFixed(1)} s, reconciler process peak RSS ${r.peakRssMb.toFixed(0)} MB (${r.startRssMb.toFixed(0)} MB at the start of the pass, ${r.heapAfterGcMb.toFixed(0)} MB of live heap after it), inventory process peak RSS ${r.inventoryPeakRssMb.toFixed(0)} MB, ${r.repaired} repairs`,
    );
  }
} finally {
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
}
