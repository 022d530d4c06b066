import { monotonicClock } from '../../clock.js';
import { createClient, type H2Client } from '../../client/index.js';
import { startChaos } from '../../chaos/index.js';
import { createRandom, type Random } from '../../random.js';
import { auditConsistency, type AuditResult } from '../../consistency/audit.js';
import { InventoryStore } from '../../consistency/inventory-store.js';
import { openDb } from '../../consistency/open-db.js';
import { OrderStore } from '../../consistency/order-store.js';
import { createReconciler, type ReconcileResult } from '../../consistency/reconciler.js';
import { formatTraceparent, newTraceId } from '../../consistency/traceparent.js';
import { consistencyConstants } from './constants.js';
import { prepareDatabases } from './databases.js';
import { startServiceProcess, type ServiceProcess } from './service-process.js';

/**
 * One consistency scenario, end to end: inventory and order as separate processes with
 * separate databases, order→inventory through a chaos proxy (resets and 3 s stalls), order
 * SIGKILLed mid-run and restarted, inventory SIGKILLed once and restarted; then the two
 * databases compared with SQL.
 */
export type ConsistencyScenarioName = 'dual-write' | 'wal-reconciled';

export interface ConsistencySize {
  /** Orders placed per scenario. */
  orders: number;
  /** Orders in flight at once. */
  concurrency: number;
  /** How long the WAL scenario waits for the relay to drain before the reconciler's pass, ms. */
  drainMs: number;
}

export const consistencyQuick: ConsistencySize = { orders: 240, concurrency: 32, drainMs: 6000 };
export const consistencyFull: ConsistencySize = { orders: 1000, concurrency: 32, drainMs: 8000 };


/** The numbers the report shows (`consistency` in `--json`). */
export interface ConsistencyCounts {
  /** Orders in the order database at the end. */
  orders: number;
  /** Disagreements between the two databases at the end (SQL audit). */
  mismatches: number;
  /** Messages inventory received again and absorbed without a change. */
  duplicatesAbsorbed: number;
  /** WAL rows sent again after a failure or a crash. */
  redelivered: number;
  /** Repairs the reconciler made (its interval passes and the final one). */
  repaired: number;
  /** Processes SIGKILLed mid-run. */
  crashes: number;
}

export interface ConsistencyMeasurement {
  name: ConsistencyScenarioName;
  engine: 'sqlite' | 'postgres';
  consistency: ConsistencyCounts;
  audit: AuditResult;
  /** The final reconciler pass (wal-reconciled only). */
  finalPass?: ReconcileResult;
  /** Whether the relay emptied the WAL before the final pass. */
  drained?: boolean;
  /** Order requests the load generator sent (first tries and retries) and the orders it placed. */
  requests: number;
  ordersPlaced: number;
  /** Order and cancel requests as the load generator saw them, first try to answer, ms (sorted). */
  latenciesMs: number[];
  /** Inventory calls the dual-write path made, and how many failed. */
  naiveCalls?: number;
  naiveCallsFailed?: number;
  faultsApplied: Record<string, number>;
  /** Counters the services reported, summed over their incarnations. */
  counters: { order: Record<string, number>; inventory: Record<string, number> };
  loadMs: number;
  wallMs: number;
}

export interface RunConsistencyOptions {
  name: ConsistencyScenarioName;
  size: ConsistencySize;
  seed: number;
  /** A postgres:// URL (or a folder for SQLite files); undefined = SQLite in a temporary folder. */
  db?: string;
  signal?: AbortSignal;
}

/**
 * The lab's clients re-try a dead peer within half a second: the scenario restarts processes
 * in well under the default 30 s open period, and the test is the data, not the breaker.
 */
export const labBreaker = { openMs: 500, halfOpenCalls: 3 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends one order request until the order service answers (it may be dead and restarting). */
async function untilAnswered(client: H2Client, path: string, body: unknown, headers: Record<string, string>, counter: { requests: number; latenciesMs: number[] }, signal?: AbortSignal): Promise<void> {
  const t0 = monotonicClock.now();
  for (;;) {
    signal?.throwIfAborted();
    counter.requests++;
    try {
      const res = await client.request({ path, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), idempotent: true, timeoutMs: 5000 });
      await res.text();
      if (res.status < 500) {
        // From the first try: what the client waited for its order, restarts included.
        counter.latenciesMs.push(monotonicClock.now() - t0);
        return;
      }
    } catch {
      // The order process is down or restarting: try again.
    }
    if (monotonicClock.now() - t0 > 30_000) throw new Error(`order service did not answer ${path} for 30 s`);
    await sleep(25);
  }
}

async function placeOrders(client: H2Client, size: ConsistencySize, random: Random, milestones: Array<{ at: number; run: () => Promise<void> }>, signal?: AbortSignal) {
  const counter = { requests: 0, placed: 0, latenciesMs: [] as number[] };
  let next = 0;
  const pending = [...milestones].sort((a, b) => a.at - b.at);
  const background: Promise<void>[] = [];
  async function worker(): Promise<void> {
    while (next < size.orders) {
      const i = next++;
      const orderId = `o-${i}`;
      const traceId = newTraceId(random);
      await untilAnswered(client, '/orders', { orderId, sku: `sku-${i % consistencyConstants.skus}`, qty: 1 + (i % 3) }, { traceparent: formatTraceparent(traceId, random) }, counter, signal);
      if (i % consistencyConstants.cancelEvery === consistencyConstants.cancelEvery - 1) await untilAnswered(client, '/orders/cancel', { orderId }, {}, counter, signal);
      counter.placed++;
      while (pending.length && counter.placed >= pending[0]!.at * size.orders) background.push(pending.shift()!.run());
    }
  }
  await Promise.all(Array.from({ length: size.concurrency }, worker));
  await Promise.all(background);
  return counter;
}

export async function runConsistencyScenario(options: RunConsistencyOptions): Promise<ConsistencyMeasurement> {
  const { name, size, seed, signal } = options;
  const t0 = monotonicClock.now();
  const c = consistencyConstants;
  const closers: Array<() => Promise<void>> = [];
  const dbs = await prepareDatabases(name, options.db);
  closers.push(() => dbs.drop());
  try {
    // The parent migrates and seeds, then keeps its own handles for the final pass and the audit.
    const orderDb = await openDb(dbs.order);
    closers.push(() => orderDb.close());
    const inventoryDb = await openDb(dbs.inventory);
    closers.push(() => inventoryDb.close());
    const orders = await OrderStore.open(orderDb);
    const inventory = await InventoryStore.open(inventoryDb);
    await inventory.seedStock(Object.fromEntries(Array.from({ length: c.skus }, (_, i) => [`sku-${i}`, c.stockPerSku])));

    const inv: ServiceProcess = await startServiceProcess({ role: 'inventory', db: dbs.inventory, port: 0 });
    closers.push(() => inv.stop());
    const faults = [`reset-after ${c.resetAfter}:up@${c.faultShare}`, `latency ${c.stallMs}ms:down@${c.faultShare}`];
    const proxy = await startChaos({ upstream: `127.0.0.1:${inv.port}`, listen: '127.0.0.1:0', faults, seed });
    closers.push(() => proxy.close());
    const inventoryUrl = `http://127.0.0.1:${new URL(proxy.url).port}`;
    const mode = name === 'dual-write' ? 'dual-write' : 'wal';
    const order: ServiceProcess = await startServiceProcess({ role: 'order', db: dbs.order, port: 0, inventoryUrl, mode, seed, reconcileEveryMs: 1000, pendingThresholdMs: 2000 });
    closers.push(() => order.stop());

    const load = createClient({ endpoints: [{ url: `http://127.0.0.1:${order.port}`, zone: 'a', priority: 0 }], timeoutMs: 5000, retry: { maxAttempts: 1 }, ejectionMs: 50, breaker: labBreaker });
    closers.push(() => load.close());
    let crashes = 0;
    const loadStart = monotonicClock.now();
    const counter = await placeOrders(load, size, createRandom(seed), [
      { at: c.killOrderAt, run: async () => { await order.kill(); crashes++; await order.restart(); } },
      { at: c.killInventoryAt, run: async () => { await inv.kill(); crashes++; await sleep(c.inventoryDownMs); await inv.restart(); } },
    ], signal);
    const loadMs = monotonicClock.now() - loadStart;

    let finalPass: ReconcileResult | undefined;
    let drained: boolean | undefined;
    if (mode === 'wal') {
      const until = monotonicClock.now() + size.drainMs;
      while ((await orders.pendingSummary()).pending > 0 && monotonicClock.now() < until) await sleep(50);
      drained = (await orders.pendingSummary()).pending === 0;
      // The reconciler's pass, as the periodic one would run it, with no age threshold left.
      const client = createClient({ endpoints: [{ url: inventoryUrl, zone: 'a', priority: 0 }], timeoutMs: 2000, pool: { maxRequestsPerSession: 200, pingIntervalMs: 250, pingTimeoutMs: 500 }, breaker: labBreaker, ejectionMs: 100 });
      try {
        // Passes repeat, as the periodic reconciler's would, until one finds nothing to repair
        // (at most `finalPasses`): a repair can meet a reset or a 3 s stall on this faulty path
        // and be left for the next pass, and a pass repairs one pending WAL row per order, so a
        // cancelled order whose reserve and release rows were both stuck takes two. Repairs add up.
        const reconciler = createReconciler({ store: orders, client, pendingThresholdMs: 0 });
        let last: ReconcileResult | undefined;
        for (let n = 0; n < c.finalPasses && (last === undefined || last.repaired > 0 || last.stillInconsistent > 0); n++) {
          last = await reconciler.pass(signal);
          finalPass = { ...last, repaired: last.repaired + (finalPass?.repaired ?? 0) };
        }
      } finally {
        await client.close();
      }
    }
    const o = order.totals(), i = inv.totals();
    await order.stop();
    await inv.stop();
    const audit = await auditConsistency(orders, inventory);
    const measurement: ConsistencyMeasurement = {
      name,
      engine: dbs.order.kind,
      consistency: {
        orders: audit.orders,
        mismatches: audit.mismatches,
        duplicatesAbsorbed: i['duplicatesAbsorbed'] ?? 0,
        redelivered: o['redelivered'] ?? 0,
        repaired: (o['repaired'] ?? 0) + (finalPass?.repaired ?? 0),
        crashes,
      },
      audit,
      requests: counter.requests,
      latenciesMs: counter.latenciesMs.sort((a, b) => a - b),
      ordersPlaced: counter.placed,
      faultsApplied: { ...proxy.stats().faults },
      counters: { order: o, inventory: i },
      loadMs,
      wallMs: 0,
    };
    if (finalPass) measurement.finalPass = finalPass;
    if (drained !== undefined) measurement.drained = drained;
    if (mode === 'dual-write') {
      measurement.naiveCalls = o['naiveCalls'] ?? 0;
      measurement.naiveCallsFailed = o['naiveCallsFailed'] ?? 0;
    }
    measurement.wallMs = monotonicClock.now() - t0;
    return measurement;
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {});
  }
}
