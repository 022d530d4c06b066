/**
 * A consistency-lab service in its own process: `inventory` or `order` (dual-write or WAL),
 * each with its own database, so a SIGKILL is a real crash. Configured by one JSON argument;
 * reports `ready` and its counters to the lab over IPC (the last report before a kill is what
 * the lab keeps of that incarnation).
 */
import { createClient } from '../../client/index.js';
import { createRandom } from '../../random.js';
import { InventoryStore } from '../../consistency/inventory-store.js';
import { startInventoryService } from '../../consistency/inventory-service.js';
import { consistencyMetrics } from '../../consistency/metrics.js';
import { openDb, type DbTarget } from '../../consistency/open-db.js';
import { OrderStore } from '../../consistency/order-store.js';
import { createReconciler } from '../../consistency/reconciler.js';
import { startRelay } from '../../consistency/relay.js';
import { startOrderService } from './order-service.js';

export interface ServiceConfig {
  role: 'inventory' | 'order';
  db: DbTarget;
  port: number;
  /** order: the inventory URL (through the chaos proxy). */
  inventoryUrl?: string;
  mode?: 'dual-write' | 'wal';
  /** order (wal): the reconciler's interval and pending threshold, ms. */
  reconcileEveryMs?: number;
  pendingThresholdMs?: number;
  seed?: number;
}

export type ServiceMessage =
  | { type: 'ready'; port: number }
  | { type: 'stats'; stats: Record<string, number> }
  | { type: 'failed'; message: string };

const send = (m: ServiceMessage) => process.send?.(m);

/** Counter reports are coalesced to one per event-loop turn. */
function reporter(): (stats: Record<string, number>) => void {
  let latest: Record<string, number> | undefined;
  return (stats) => {
    const first = latest === undefined;
    latest = { ...latest, ...stats };
    if (first) {
      setImmediate(() => {
        send({ type: 'stats', stats: latest! });
        latest = undefined;
      });
    }
  };
}

async function main(config: ServiceConfig): Promise<void> {
  const db = await openDb(config.db);
  const report = reporter();
  const metrics = consistencyMetrics();
  if (config.role === 'inventory') {
    const store = await InventoryStore.open(db);
    const service = await startInventoryService({ store, port: config.port, metrics, onCount: (s) => report({ ...s }) });
    send({ type: 'ready', port: service.port });
    return;
  }
  const store = await OrderStore.open(db);
  const inventory = createClient({
    endpoints: [{ url: config.inventoryUrl!, zone: 'a', priority: 0 }],
    timeoutMs: 1000,
    // Long-lived sessions, as a pooled client keeps them; pings tear down one that stalls.
    pool: { maxRequestsPerSession: 200, pingIntervalMs: 250, pingTimeoutMs: 500 },
    retry: { budget: 0.2, maxAttempts: 2 },
    // The relay backs off per row, durably; a breaker in front of it would only stop the
    // retries that drain the WAL. (Both paths use this client, so they meet the same faults.)
    breaker: { minimumCalls: 1_000_000 },
    // Inventory restarts in well under the default 5 s ejection.
    ejectionMs: 100,
    seed: config.seed ?? 1,
  });
  const mode = config.mode ?? 'wal';
  const service = await startOrderService({ store, port: config.port, mode, inventory, random: createRandom(config.seed ?? 1), onCount: (s) => report({ ...s }) });
  if (mode === 'wal') {
    startRelay({ store, client: inventory, metrics, random: createRandom((config.seed ?? 1) + 1), onCount: (s) => report({ ...s }) });
    const reconciler = createReconciler({ store, client: inventory, metrics, pendingThresholdMs: config.pendingThresholdMs ?? 2000 });
    let repaired = 0;
    reconciler.every(config.reconcileEveryMs ?? 1000, (r) => {
      repaired += r.repaired;
      report({ repaired });
    });
  }
  send({ type: 'ready', port: service.port });
}

const config = JSON.parse(process.argv[2] ?? '{}') as ServiceConfig;
// A lab whose parent died takes its services with it.
process.on('disconnect', () => process.exit(0));
main(config).catch((err: unknown) => {
  send({ type: 'failed', message: (err as Error).message });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 50);
});
