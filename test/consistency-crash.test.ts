import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InventoryStore, OrderStore, auditConsistency, newTraceId, openDb, type DbTarget } from '../src/consistency/index.js';
import { createRandom } from '../src/random.js';
import { startServiceProcess } from '../src/lab/consistency/service-process.js';
import { createTestDatabase, startTestPostgres, type TestPostgres } from './support/postgres.js';

// Crashes are real: processes SIGKILLed with a transaction open, or with deliveries in flight.
let pg: TestPostgres | undefined;
const dir = mkdtempSync(join(tmpdir(), 'h2doctor-crash-'));
before(async () => {
  pg = await startTestPostgres();
});
after(async () => {
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const engines: Array<{ name: string; target: (label: string) => Promise<DbTarget> }> = [
  { name: 'sqlite', target: async (label) => ({ kind: 'sqlite', file: join(dir, `${label}.sqlite`) }) },
  { name: 'postgres', target: async (label) => ({ kind: 'postgres', url: await createTestDatabase(pg!.url, label) }) },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const engine of engines) {
  describe(`crashes on ${engine.name}`, () => {
    test('the writer SIGKILLed mid-transaction leaves no order without its WAL row', { timeout: 60_000 }, async () => {
      const target = await engine.target(`${engine.name}_writer`);
      const stopAt = 25;
      const child = fork(new URL('./support/consistency-writer.ts', import.meta.url).pathname, [JSON.stringify({ target, stopAt })], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      const [msg] = (await once(child, 'message')) as [string];
      assert.equal(msg, 'mid');
      // The order row of o-25 is written inside the open transaction; its WAL row is not.
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
      const db = await openDb(target);
      try {
        const store = await OrderStore.open(db);
        assert.deepEqual(await store.torn(), { ordersWithoutWal: 0, walWithoutOrder: 0, orders: stopAt });
        const half = await db.all(`SELECT order_id FROM orders WHERE order_id = ?`, [`o-${stopAt}`]);
        assert.equal(half.length, 0, 'the interrupted order was rolled back whole');
      } finally {
        await db.close();
      }
    });

    test('order SIGKILLed mid-relay and restarted: the relay resumes from the WAL, nothing lost or doubled', { timeout: 90_000 }, async () => {
      const orderTarget = await engine.target(`${engine.name}_relay_order`);
      const invTarget = await engine.target(`${engine.name}_relay_inventory`);
      const orderDb = await openDb(orderTarget), invDb = await openDb(invTarget);
      try {
        const orders = await OrderStore.open(orderDb);
        const inventory = await InventoryStore.open(invDb);
        await inventory.seedStock({ 'sku-1': 100_000 });
        const random = createRandom(11);
        const n = 400;
        for (let i = 0; i < n; i++) await orders.placeOrder({ orderId: `o-${i}`, traceId: newTraceId(random), sku: 'sku-1', qty: 1 });
        const inv = await startServiceProcess({ role: 'inventory', db: invTarget, port: 0 });
        const order = await startServiceProcess({ role: 'order', db: orderTarget, port: 0, inventoryUrl: `http://127.0.0.1:${inv.port}`, mode: 'wal', reconcileEveryMs: 60_000, pendingThresholdMs: 60_000 });
        try {
          // Kill once some, not all, rows are delivered.
          for (let i = 0; i < 400; i++) {
            const { pending } = await orders.pendingSummary();
            if (pending < n) break;
            await sleep(5);
          }
          await order.kill();
          const left = (await orders.pendingSummary()).pending;
          assert.ok(left > 0 && left < n, `killed mid-relay (${left} of ${n} pending)`);
          await order.restart();
          for (let i = 0; i < 600 && (await orders.pendingSummary()).pending > 0; i++) await sleep(50);
          assert.equal((await orders.pendingSummary()).pending, 0, 'the restarted relay drained the WAL');
          const audit = await auditConsistency(orders, inventory);
          assert.equal(audit.mismatches, 0);
          assert.equal(audit.orders, n);
          assert.deepEqual(await inventory.stock('sku-1'), { initial: 100_000, available: 100_000 - n, reserved: n });
        } finally {
          await order.stop();
          await inv.stop();
        }
      } finally {
        await orderDb.close();
        await invDb.close();
      }
    });
  });
}
