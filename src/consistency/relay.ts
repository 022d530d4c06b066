import { setMaxListeners } from 'node:events';
import type { H2Client } from '../client/index.js';
import { backoffDelay } from '../client/retry-policy.js';
import { createRandom, type Random } from '../random.js';
import type { ConsistencyMetrics } from './metrics.js';
import type { OrderStore, WalRow } from './order-store.js';
import { formatTraceparent } from './traceparent.js';

/**
 * The relay: delivers pending WAL rows to inventory, at least once. Before each send it
 * records the attempt and the time of the next one (exponential backoff with full jitter), so
 * a row that fails, or whose sender dies, is sent again when due; after a 2xx it marks the row
 * delivered. All state is in the WAL: a relay started after a crash resumes where the last one
 * stopped, and anything the dead one had in flight is sent again (inventory absorbs the
 * duplicate by its trace-id key). The h2doctor/client underneath adds its own deadline, retry
 * budget and breaker.
 */
export interface RelayOptions {
  store: OrderStore;
  /** A client whose endpoints are inventory. */
  client: H2Client;
  /** Rows fetched and sent concurrently per round (default 32). */
  batch?: number;
  /** Sleep when nothing is due, ms (default 20). */
  idleMs?: number;
  /** Deadline per send, ms (default 1000). */
  timeoutMs?: number;
  /** Backoff between sends of one row (default base 50 ms, cap 2000 ms). */
  backoff?: { baseMs?: number; maxMs?: number };
  metrics?: ConsistencyMetrics;
  random?: Random;
  /** Wall clock, ms (must match the store's). */
  now?: () => number;
  log?: (line: string) => void;
  onCount?: (stats: RelayStats) => void;
}

export interface RelayStats {
  /** Rows delivered and marked delivered. */
  delivered: number;
  /** Sends of rows that had been sent before. */
  redelivered: number;
  /** Sends that failed (transport, deadline, non-2xx); the row stays pending. */
  failedSends: number;
  /** Deliveries inventory answered as a duplicate it absorbed. */
  duplicatesAnswered: number;
}

export interface Relay {
  stats(): RelayStats;
  /** Resolves once no row is pending (or `timeoutMs` passed); true when drained. */
  drained(timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  stop(): Promise<void>;
}

/** Sends one WAL row; resolves to inventory's outcome, throws on failure. */
export async function deliverWalRow(client: H2Client, row: WalRow, random: Random, timeoutMs: number, signal?: AbortSignal): Promise<string> {
  const path = row.kind === 'reserve' ? '/inventory/reserve' : '/inventory/release';
  const res = await client.request({
    path,
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent: formatTraceparent(row.traceId, random) },
    body: JSON.stringify(row.kind === 'reserve' ? { orderId: row.orderId, sku: row.sku, qty: row.qty } : { keep: 0 }),
    // Safe to retry: the trace id is the idempotency key inventory dedupes on.
    idempotent: true,
    timeoutMs,
    ...(signal ? { signal } : {}),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`inventory answered ${res.status}: ${text.slice(0, 200)}`);
  return (JSON.parse(text) as { outcome: string }).outcome;
}

export function startRelay(options: RelayOptions): Relay {
  const { store, client, metrics } = options;
  const batch = options.batch ?? 32;
  const idleMs = options.idleMs ?? 20;
  const timeoutMs = options.timeoutMs ?? 1000;
  const random = options.random ?? createRandom(1);
  const now = options.now ?? Date.now;
  const backoff = { baseMs: options.backoff?.baseMs ?? 50, maxMs: options.backoff?.maxMs ?? 2000 };
  const stats: RelayStats = { delivered: 0, redelivered: 0, failedSends: 0, duplicatesAnswered: 0 };
  const stop = new AbortController();
  // Every send listens on this one signal: many at once is the design, not a leak.
  setMaxListeners(0, stop.signal);
  let pendingZeroWaiters: Array<() => void> = [];

  // Delivered marks are written in batches: one commit for many rows. A crash before the flush
  // only means those rows are sent again, and inventory absorbs them.
  let toMark: number[] = [];
  let flushing: Promise<void> | undefined;
  function markDelivered(id: number): Promise<void> {
    toMark.push(id);
    flushing ??= new Promise<void>((r) => setImmediate(r)).then(async () => {
      const ids = toMark;
      toMark = [];
      flushing = undefined;
      await store.markDeliveredMany(ids);
    });
    return flushing;
  }

  async function sendOne(row: WalRow): Promise<void> {
    if (row.attempts > 0) {
      stats.redelivered++;
      metrics?.redeliveries.inc();
    }
    try {
      const outcome = await deliverWalRow(client, row, random, timeoutMs, stop.signal);
      await markDelivered(row.id);
      stats.delivered++;
      metrics?.deliveries.inc({ kind: row.kind });
      if (outcome === 'duplicate') stats.duplicatesAnswered++;
      options.log?.(`relay trace=${row.traceId} ${row.kind} v${row.version} attempt ${row.attempts + 1}: ${outcome}`);
    } catch (err) {
      stats.failedSends++;
      options.log?.(`relay trace=${row.traceId} ${row.kind} attempt ${row.attempts + 1} failed: ${(err as Error).message}`);
    }
    options.onCount?.({ ...stats });
  }

  // A window of sends in flight, refilled as each one settles: one stalled send does not hold
  // up the others (no head-of-line blocking behind a batch).
  const inFlight = new Set<number>();
  let wake: (() => void) | undefined;
  const nap = (ms: number) =>
    new Promise<void>((r) => {
      const t = setTimeout(() => { wake = undefined; r(); }, ms);
      wake = () => { clearTimeout(t); wake = undefined; r(); };
    });

  async function loop(): Promise<void> {
    while (!stop.signal.aborted) {
      if (inFlight.size >= batch) {
        await nap(idleMs);
        continue;
      }
      let rows: WalRow[] = [];
      try {
        rows = (await store.duePending(batch + inFlight.size)).filter((r) => !inFlight.has(r.id)).slice(0, batch - inFlight.size);
        if (rows.length === 0 && inFlight.size === 0) {
          const summary = await store.pendingSummary();
          metrics?.oldestPendingSeconds.set(summary.oldestAgeMs / 1000);
          if (summary.pending === 0) {
            for (const w of pendingZeroWaiters) w();
            pendingZeroWaiters = [];
          }
        }
      } catch (err) {
        options.log?.(`relay: reading the WAL failed: ${(err as Error).message}`);
      }
      try {
        // The attempt is on disk before the send, so a crash mid-send still counts it and delays the row's retry.
        await store.markAttempts(rows.map((r) => ({ id: r.id, nextAttemptMs: now() + timeoutMs + backoffDelay(r.attempts + 1, random, backoff) })));
      } catch (err) {
        options.log?.(`relay: recording attempts failed: ${(err as Error).message}`);
        rows = [];
      }
      for (const row of rows) {
        inFlight.add(row.id);
        void sendOne(row).finally(() => {
          inFlight.delete(row.id);
          wake?.();
        });
      }
      await nap(rows.length === 0 ? idleMs : 1);
    }
    while (inFlight.size > 0) await nap(idleMs);
  }
  const running = loop();

  return {
    stats: () => ({ ...stats }),
    drained(waitMs, signal) {
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), waitMs);
        const done = () => {
          clearTimeout(timer);
          resolve(true);
        };
        pendingZeroWaiters.push(done);
        signal?.addEventListener('abort', () => resolve(false), { once: true });
      });
    },
    async stop() {
      stop.abort();
      await running;
    },
  };
}
