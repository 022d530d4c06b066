// The reconciler's own process for bench/consistency.ts: one full pass over an order database,
// run from the compiled package (dist/, as a user runs it, without tsx's loader in memory).
// Prints { seconds, peakRssMb, startRssMb, heapAfterGcMb, checked, repaired } as JSON. Peak RSS is the kernel's
// high-water mark (VmHWM), so nothing between samples is missed.
import { readFileSync } from 'node:fs';
import { createClient } from '../dist/client/index.js';
import { OrderStore, createReconciler, openDb } from '../dist/consistency/index.js';

const peakRssMb = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024;
const job = JSON.parse(process.argv[2]);
const orderDb = await openDb(job.order);
const orders = await OrderStore.open(orderDb);
const client = createClient({ endpoints: [{ url: job.inventoryUrl, zone: 'a', priority: 0 }], timeoutMs: 30_000 });
const startRssMb = process.memoryUsage.rss() / 2 ** 20;
const t0 = performance.now();
const r = await createReconciler({ store: orders, client, ...(job.pageSize ? { pageSize: job.pageSize } : {}), timeoutMs: 30_000, pendingThresholdMs: 0 }).pass();
const seconds = (performance.now() - t0) / 1000;
const peak = peakRssMb();
// What the pass left behind: live heap after a full collection (0 growth = memory bounded by the page).
globalThis.gc?.();
const heapAfterGcMb = process.memoryUsage().heapUsed / 2 ** 20;
const out = { heapAfterGcMb, seconds, peakRssMb: peak, startRssMb, checked: r.checked, repaired: r.repaired };
await client.close();
await orderDb.close();
process.stdout.write(JSON.stringify(out));
