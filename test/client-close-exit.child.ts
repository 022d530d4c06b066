// Child of client-close-grace.test.ts: sends requests to a frozen endpoint, closes the client
// with a short grace period and prints what happened. The parent checks that the process then
// exits by itself: nothing of the client is left on the event loop.
import { performance } from 'node:perf_hooks';
import { createClient } from '../src/client/index.js';

const [url, graceMs] = [process.argv[2], Number(process.argv[3])];
const client = createClient({ endpoints: [{ url }], timeoutMs: 60_000, pool: { pingIntervalMs: 1000 } });
const outcomes: string[] = [];
const inflight = Array.from({ length: 5 }, () =>
  client.request({ path: '/stuck' }).then(
    () => outcomes.push('answered'),
    (err: { code?: string }) => outcomes.push(err.code ?? 'unknown'),
  ),
);
await new Promise((r) => setTimeout(r, 200));
const t0 = performance.now();
await client.close({ graceMs });
const closeMs = performance.now() - t0;
await Promise.all(inflight);
process.stdout.write(`${JSON.stringify({ closeMs, outcomes })}\n`);
